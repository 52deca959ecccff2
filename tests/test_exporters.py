"""The JSON-log and OTel-logs exporters: the real SDKs against the stand-in, the real OTel SDK and launcher."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

import otel_llmlog
from otel_llmlog.records.batch_processor import BlockingBatchSpanProcessor
from otel_llmlog.records.convert import to_generation_records, to_payloads
from otel_llmlog.records.exporters import JsonLogExporter, OtelLogsExporter

from .test_convert import run_fixture_calls
from .test_groups import grouped_request

ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES = ("OTEL_LLMLOG_JSON_PATH", "OTEL_LLMLOG_JSON_FORMAT", "OTEL_LLMLOG_JSON_MAX_BYTES", "OTEL_LLMLOG_JSON_BACKUPS",
             "OTEL_LLMLOG_JSON_GRACE_SECONDS")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def read_lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "a partial line was written"
    return [json.loads(line) for line in text.splitlines()]


def dumped(records: list[Any]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in records]


def basic_call(openai_client: Any) -> None:
    openai_client("chat_completion_basic").chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say this is a test"}])


def call_spans(tracing: Any) -> list[Any]:
    return sorted((s for s in tracing.spans() if s.name.startswith("chat ")), key=lambda s: s.start_time)


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


class RecordingJsonLogExporter(JsonLogExporter):
    """Remembers the span names of every export call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[list[str]] = []

    def export(self, spans: Any) -> SpanExportResult:
        self.batches.append([s.name for s in spans])
        return super().export(spans)


# --------------------------------------------------------------------------- records


@pytest.mark.parametrize("record_format", ["standard", "generation"])
def test_lines_are_the_converters_records(tracing_content, openai_client, tmp_path: Path, record_format: str) -> None:
    path = tmp_path / "calls.jsonl"
    tracing_content.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, record_format=record_format)))
    run_fixture_calls(openai_client)
    lines = read_lines(path)
    convert = to_payloads if record_format == "standard" else to_generation_records
    assert lines == dumped(convert(tracing_content.spans()))
    if record_format == "standard":
        assert [line["model"] for line in lines] == ["gpt-4o-mini", "gpt-4o", "this-model-does-not-exist"]
        assert (lines[0]["prompt_tokens"], lines[0]["completion_tokens"], lines[0]["response_cost"]) == (12, 5, 4.8e-06)
        assert lines[0]["messages"] == [{"role": "user", "parts": [{"type": "text", "content": "Say this is a test"}]}]
        assert lines[2]["status"] == "failure" and lines[2]["response_cost"] is None
    else:
        assert [line["modelSlug"] for line in lines] == [
            "openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-2024-08-06", "openai/this-model-does-not-exist"]
        assert lines[0]["originAmount"] == "0.0000048"
    # one line per call span, ids are the span ids
    assert [line["id" if record_format == "standard" else "generationId"] for line in lines] == [
        f"{s.context.span_id:016x}" for s in call_spans(tracing_content)]


def test_grouped_request_through_a_batch_processor_keeps_its_guardrails_and_search(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    exporter = RecordingJsonLogExporter(path, grace_seconds=60)
    # one span per export: every guardrail and the search reach the exporter in another batch than the calls
    processor = BatchSpanProcessor(exporter, max_export_batch_size=1, schedule_delay_millis=5)
    tracing.provider.add_span_processor(processor)
    asyncio.run(grouped_request(openai_client))
    processor.force_flush()
    assert [len(b) for b in exporter.batches] == [1] * 9
    assert exporter.batches[-1] == ["invoke_workflow answer"]  # the root ends last
    lines = read_lines(path)
    assert lines == dumped(to_payloads(tracing.spans()))
    assert sorted(line["model"] for line in lines) == ["gpt-4o", "gpt-4o-mini", "gpt-4o-mini"]
    for line in lines:
        guard = line["metadata"]["guardrail_information"]
        assert (guard["guardrail_name"], guard["guardrail_mode"], guard["guardrail_status"]) == ("moderation", "post_call", "failure")
        (search,) = line["metadata"]["vector_store_request_metadata"]
        assert search["vector_store_id"] == "vs_synthetic_docs"
        assert line["end_user"] == "user-7" and line["request_tags"] == ["rag", "beta"]


def test_a_call_waits_for_its_root_then_gets_the_post_call_guardrail(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, grace_seconds=60)))
    with otel_llmlog.trace("request"):
        with otel_llmlog.guardrail("pii", mode="pre_call") as g:
            g.set_result(passed=True)
        basic_call(openai_client)
        assert path.read_text() == ""  # the call has ended, its trace has not
        with otel_llmlog.guardrail("moderation", mode="post_call") as g:
            g.set_result(passed=False, reason="flagged")
        assert path.read_text() == ""
    (line,) = read_lines(path)
    assert [line] == dumped(to_payloads(tracing.spans()))
    guard = line["metadata"]["guardrail_information"]  # the spec keeps one: the last to run
    assert (guard["guardrail_name"], guard["guardrail_mode"], guard["guardrail_status"]) == ("moderation", "post_call", "failure")


def test_grace_time_writes_a_call_whose_root_stays_open(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, grace_seconds=0.3)))
    with otel_llmlog.trace("long-workflow"):
        started = time.monotonic()
        basic_call(openai_client)
        assert path.read_text() == ""
        wait_for(lambda: path.read_text() != "")  # no export, no flush: the timer writes it
        assert time.monotonic() - started >= 0.3
        (line,) = read_lines(path)
    assert read_lines(path) == [line]  # the root's end does not write it again
    assert line == dumped(to_payloads(tracing.spans()))[0]


def test_a_call_under_a_remote_parent_is_written_at_once(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, grace_seconds=60)))
    remote = SpanContext(0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, is_remote=True, trace_flags=TraceFlags(1))
    token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(remote)))
    try:
        basic_call(openai_client)
    finally:
        otel_context.detach(token)
    (line,) = read_lines(path)  # the entry span of this process: its trace here is complete
    assert line["trace_id"] == "0af7651916cd43dd8448eb211c80319c"


def test_pending_traces_are_capped_oldest_written_first(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, grace_seconds=60, max_pending_traces=1)))
    tracer = tracing.provider.get_tracer("test")
    first, second = tracer.start_span("request-1"), tracer.start_span("request-2")
    with trace.use_span(first):
        basic_call(openai_client)
    assert path.read_text() == ""
    with trace.use_span(second):
        basic_call(openai_client)
    assert [line["trace_id"] for line in read_lines(path)] == [f"{first.context.trace_id:032x}"]
    second.end()
    first.end()
    assert [line["trace_id"] for line in read_lines(path)] == [f"{first.context.trace_id:032x}", f"{second.context.trace_id:032x}"]


# --------------------------------------------------------------------------- output


def test_rotation_keeps_every_line_once_and_whole(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    max_bytes = 4000  # a line of this call is ~1.8 kB: two lines per file
    exporter = RecordingJsonLogExporter(path, max_bytes=max_bytes, backups=50)
    processor = BatchSpanProcessor(exporter, schedule_delay_millis=60_000)
    tracing.provider.add_span_processor(processor)
    for _ in range(7):
        basic_call(openai_client)
    processor.force_flush()
    assert [len(b) for b in exporter.batches] == [7]  # one export: the rotations happen inside one batch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.jsonl", "calls.jsonl.1", "calls.jsonl.2", "calls.jsonl.3"]
    oldest_first = [tmp_path / name for name in ("calls.jsonl.3", "calls.jsonl.2", "calls.jsonl.1", "calls.jsonl")]
    for f in oldest_first:
        assert len(f.read_bytes()) <= max_bytes, f.name
    assert [len(read_lines(f)) for f in oldest_first] == [2, 2, 2, 1]
    lines = [line for f in oldest_first for line in read_lines(f)]
    assert lines == dumped(to_payloads(tracing.spans()))
    assert len({line["id"] for line in lines}) == 7


def test_rotation_keeps_backups_files_and_never_splits_a_long_line(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, max_bytes=100, backups=2)))
    for _ in range(5):
        basic_call(openai_client)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.jsonl", "calls.jsonl.1", "calls.jsonl.2"]
    expected = dumped(to_payloads(tracing.spans()))
    # each line is longer than max_bytes: a file each, the oldest two rotated away
    assert [read_lines(tmp_path / name) for name in ("calls.jsonl.2", "calls.jsonl.1", "calls.jsonl")] == [[r] for r in expected[2:]]


def test_appending_to_an_existing_file_counts_its_size(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text('{"earlier": true}\n')
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path, max_bytes=1000, backups=1)))
    basic_call(openai_client)  # the file already holds 18 bytes: the earlier line is rotated, not appended to
    assert read_lines(tmp_path / "calls.jsonl.1") == [{"earlier": True}]
    assert len(read_lines(path)) == 1


def test_stdout(tracing, openai_client, capsys) -> None:
    exporter = JsonLogExporter("-")
    assert exporter.path == "-"
    tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
    basic_call(openai_client)
    basic_call(openai_client)
    out = capsys.readouterr().out
    assert out.endswith("\n")
    assert [json.loads(line) for line in out.splitlines()] == dumped(to_payloads(tracing.spans()))


def test_shutdown_writes_everything_held_and_queued(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    exporter = JsonLogExporter(path, grace_seconds=60)
    processor = BatchSpanProcessor(exporter, schedule_delay_millis=60_000)
    tracing.provider.add_span_processor(processor)
    root = tracing.provider.get_tracer("test").start_span("never-ends")
    with trace.use_span(root):
        basic_call(openai_client)  # held by the exporter: its root never ends
    basic_call(openai_client)  # still in the processor's queue
    assert path.read_text() == ""
    processor.shutdown()  # what the SDK does at exit
    assert sorted(line["id"] for line in read_lines(path)) == sorted(f"{s.context.span_id:016x}" for s in call_spans(tracing))
    assert exporter.export([]) is SpanExportResult.FAILURE
    root.end()


def test_force_flush_writes_calls_of_open_traces(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    exporter = JsonLogExporter(path, grace_seconds=60)
    tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
    with otel_llmlog.trace("request"):
        basic_call(openai_client)
        assert path.read_text() == ""
        assert exporter.force_flush() is True
        assert len(read_lines(path)) == 1
    assert len(read_lines(path)) == 1


def test_environment_configuration(monkeypatch, tmp_path, caplog) -> None:
    monkeypatch.setenv("OTEL_LLMLOG_JSON_PATH", str(tmp_path / "env-{pid}.jsonl"))
    monkeypatch.setenv("OTEL_LLMLOG_JSON_FORMAT", "Generation")
    monkeypatch.setenv("OTEL_LLMLOG_JSON_MAX_BYTES", "1234")
    monkeypatch.setenv("OTEL_LLMLOG_JSON_BACKUPS", "3")
    monkeypatch.setenv("OTEL_LLMLOG_JSON_GRACE_SECONDS", "2.5")
    e = JsonLogExporter()
    assert (e.path, e.record_format, e.max_bytes, e.backups, e.grace_seconds) == (
        str(tmp_path / f"env-{os.getpid()}.jsonl"), "generation", 1234, 3, 2.5)
    assert Path(e.path).exists()  # opened when created
    e.shutdown()
    # bad values: a warning naming the variable, and the default
    monkeypatch.setenv("OTEL_LLMLOG_JSON_FORMAT", "xml")
    monkeypatch.setenv("OTEL_LLMLOG_JSON_MAX_BYTES", "10MB")
    monkeypatch.setenv("OTEL_LLMLOG_JSON_BACKUPS", "-1")
    monkeypatch.setenv("OTEL_LLMLOG_JSON_GRACE_SECONDS", "soon")
    with caplog.at_level(logging.WARNING, logger="otel_llmlog.records.exporters"):
        e = JsonLogExporter()
    assert (e.record_format, e.max_bytes, e.backups, e.grace_seconds) == ("standard", 100 * 1024 * 1024, 5, 30.0)
    assert sorted(r.args[0] for r in caplog.records) == [
        "OTEL_LLMLOG_JSON_BACKUPS", "OTEL_LLMLOG_JSON_FORMAT", "OTEL_LLMLOG_JSON_GRACE_SECONDS", "OTEL_LLMLOG_JSON_MAX_BYTES"]
    e.shutdown()
    # the default: a file in the working directory
    for name in ENV_NAMES:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    e = JsonLogExporter()
    assert e.path == "llm-calls.jsonl" and (tmp_path / "llm-calls.jsonl").exists()
    e.shutdown()
    monkeypatch.setenv("OTEL_LLMLOG_JSON_PATH", "-")
    assert JsonLogExporter().path == "-"
    with pytest.raises(ValueError):
        JsonLogExporter(tmp_path / "x.jsonl", record_format="xml")


def test_kind_is_the_old_name_of_record_format(tmp_path) -> None:
    """``kind=`` (and ``.kind``) still work, with a DeprecationWarning that points at the caller."""
    with pytest.warns(DeprecationWarning, match="kind= is deprecated: use record_format=") as caught:
        e = JsonLogExporter(tmp_path / "x.jsonl", kind="generation")
    assert caught[0].filename == __file__
    assert e.record_format == "generation"
    with pytest.warns(DeprecationWarning, match="kind is deprecated: use record_format"):
        assert e.kind == "generation"
    e.shutdown()
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError):
        JsonLogExporter(tmp_path / "y.jsonl", kind="xml")
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="disagree"):
        OtelLogsExporter(kind="generation", record_format="standard")


# --------------------------------------------------------------------------- OTel logs


def test_otel_logs_one_record_per_call_with_the_payload_body(tracing_content, openai_client) -> None:
    logs = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    tracing_content.provider.add_span_processor(SimpleSpanProcessor(OtelLogsExporter(provider)))
    run_fixture_calls(openai_client)
    records = list(logs.get_finished_logs())
    assert [r.log_record.body for r in records] == dumped(to_payloads(tracing_content.spans()))
    spans = call_spans(tracing_content)
    assert len(records) == len(spans) == 3
    for r, span in zip(records, spans, strict=True):
        rec = r.log_record
        assert (rec.trace_id, rec.span_id) == (span.context.trace_id, span.context.span_id)
        assert rec.trace_flags.sampled
        assert rec.timestamp == span.end_time
        assert rec.event_name == "llmlog.standard_logging_payload"
        assert r.instrumentation_scope.name == "otel_llmlog"
    assert [r.log_record.severity_text for r in records] == ["INFO", "INFO", "ERROR"]
    assert dict(records[0].log_record.attributes) == {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini-2024-07-18"}
    # the OTLP encoder takes the body (nested maps, lists, nulls) as it is
    encoded = encode_logs(records).resource_logs[0].scope_logs[0].log_records
    assert len(encoded) == 3
    keys = [kv.key for kv in encoded[0].body.kvlist_value.values]
    assert keys == list(records[0].log_record.body)
    assert encoded[0].trace_id == spans[0].context.trace_id.to_bytes(16, "big")


def test_otel_logs_generation_record_format(tracing, openai_client) -> None:
    logs = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    tracing.provider.add_span_processor(SimpleSpanProcessor(OtelLogsExporter(provider, record_format="generation")))
    basic_call(openai_client)
    (record,) = logs.get_finished_logs()
    assert record.log_record.body == dumped(to_generation_records(tracing.spans()))[0]
    assert record.log_record.event_name == "llmlog.generation_record"


# --------------------------------------------------------------------------- the blocking processor


class SlowExporter(SpanExporter):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.shut = False

    def export(self, spans: Any) -> SpanExportResult:
        time.sleep(0.005)
        self.names.extend(s.name for s in spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.shut = True


@pytest.mark.filterwarnings("ignore")
def test_blocking_processor_never_drops_where_the_sdk_batch_processor_does() -> None:
    from opentelemetry.sdk.trace import TracerProvider

    def run(processor_class: Any) -> SlowExporter:
        exporter = SlowExporter()
        provider = TracerProvider()
        processor = processor_class(exporter, max_queue_size=4, max_export_batch_size=2, schedule_delay_millis=1)
        provider.add_span_processor(processor)
        tracer = provider.get_tracer("t")
        for i in range(60):
            tracer.start_span(f"s{i}").end()
        provider.shutdown()
        assert exporter.shut
        return exporter

    logging.getLogger("opentelemetry.sdk._shared_internal").disabled = True
    try:
        assert len(run(BatchSpanProcessor).names) < 60  # "Queue full, dropping Span"
    finally:
        logging.getLogger("opentelemetry.sdk._shared_internal").disabled = False
    assert run(BlockingBatchSpanProcessor).names == [f"s{i}" for i in range(60)]  # all, in order


def test_blocking_processor_with_the_json_exporter(tracing, openai_client, tmp_path) -> None:
    path = tmp_path / "calls.jsonl"
    processor = BlockingBatchSpanProcessor(JsonLogExporter(path), max_queue_size=2, max_export_batch_size=1)
    tracing.provider.add_span_processor(processor)
    threads = [threading.Thread(target=basic_call, args=(openai_client,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    processor.force_flush()
    assert sorted(line["id"] for line in read_lines(path)) == sorted(f"{s.context.span_id:016x}" for s in call_spans(tracing))
    assert len(call_spans(tracing)) == 6


# --------------------------------------------------------------------------- the real launcher


def _json_objects(text: str) -> list[Any]:
    """The JSON documents the console exporters print one after the other."""
    decoder, out, i = json.JSONDecoder(), [], 0
    while True:
        start = text.find("{", i)
        if start < 0:
            return out
        obj, i = decoder.raw_decode(text, start)
        out.append(obj)


def _launch(tmp_path: Path, app: str, exporters: str, logs: str = "none") -> subprocess.CompletedProcess[str]:
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(app))
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update({"OTEL_SERVICE_NAME": "launcher-test", "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": ""})
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    proc = subprocess.run(
        [str(launcher), "--traces_exporter", exporters, "--metrics_exporter", "none", "--logs_exporter", logs,
         sys.executable, str(script)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


APP = f"""
    import openai
    import otel_llmlog
    from otel_llmlog.testing.standin import StandIn
    with StandIn({str(ROOT / "src" / "otel_llmlog" / "testing" / "recordings")!r}) as server:
        client = openai.OpenAI(api_key="sk-launcher-test-key-000000", base_url=server.base_url("chat_completion_basic"))
        with otel_llmlog.trace("request", end_user="user-1"):
            with otel_llmlog.guardrail("pii", mode="pre_call") as g:
                g.set_result(passed=True)
            client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "Say this is a test"}}])
            with otel_llmlog.guardrail("moderation", mode="post_call") as g:
                g.set_result(passed=True)
    """


def test_launcher_writes_the_json_log_beside_another_exporter(tmp_path: Path) -> None:
    proc = _launch(tmp_path, APP, "console,otel_llmlog_json")
    spans = {o["name"]: o for o in _json_objects(proc.stdout) if "name" in o}
    assert set(spans) == {"invoke_workflow request", "apply_guardrail pii", "chat gpt-4o-mini", "apply_guardrail moderation"}
    (line,) = read_lines(tmp_path / "llm-calls.jsonl")  # the default path, in the working directory
    call = spans["chat gpt-4o-mini"]["context"]
    assert (f"0x{line['trace_id']}", f"0x{line['id']}") == (call["trace_id"], call["span_id"])
    assert (line["model"], line["prompt_tokens"], line["completion_tokens"], line["response_cost"]) == ("gpt-4o-mini", 12, 5, 4.8e-06)
    assert line["status"] == "success" and line["end_user"] == "user-1"
    assert line["metadata"]["guardrail_information"]["guardrail_name"] == "moderation"  # post-call, from a later span
    assert "sk-launcher-test-key" not in (tmp_path / "llm-calls.jsonl").read_text()


def test_launcher_otel_logs_path_emits_the_last_call_before_the_logs_pipeline_closes(tmp_path: Path) -> None:
    proc = _launch(tmp_path, APP, "console,otel_llmlog_logs", logs="console")
    objects = _json_objects(proc.stdout)
    spans = {o["name"]: o for o in objects if "name" in o}
    logs = [o for o in objects if isinstance(o.get("body"), dict)]
    assert len(logs) == 1, proc.stdout + proc.stderr
    (log,) = logs
    call = spans["chat gpt-4o-mini"]["context"]
    assert (log["trace_id"], log["span_id"]) == (call["trace_id"], call["span_id"])
    assert log["event_name"] == "llmlog.standard_logging_payload" and log["severity_text"] == "INFO"
    body = log["body"]
    assert (body["model"], body["prompt_tokens"], body["completion_tokens"], body["response_cost"]) == ("gpt-4o-mini", 12, 5, 4.8e-06)
    assert body["metadata"]["guardrail_information"]["guardrail_name"] == "moderation"
    assert not (tmp_path / "llm-calls.jsonl").exists()


def test_an_inner_copy_of_a_call_is_one_line_and_not_a_failure(tmp_path: Path) -> None:
    """A peer's LLM span with the anthropic SDK's own span beneath it describes one call: one line,
    and the export reports success (the converter leaves the inner copy out on purpose)."""
    from opentelemetry.sdk.trace import TracerProvider

    results: list[Any] = []

    class Recording(JsonLogExporter):
        def export(self, spans):
            results.append(super().export(spans))
            return results[-1]

    exporter = Recording(path=str(tmp_path / "calls.jsonl"))
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("peer")
    call = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4-20250514",
            "gen_ai.usage.input_tokens": 20, "gen_ai.usage.output_tokens": 10}
    with tracer.start_as_current_span("chat claude-sonnet-4-20250514", attributes=call):
        with provider.get_tracer("com.anthropic.sdk.python").start_as_current_span("anthropic.messages.create", attributes=call):
            pass
    provider.shutdown()
    (line,) = read_lines(tmp_path / "calls.jsonl")
    assert line["prompt_tokens"] == 20 and line["response_cost"] == 0.00021
    assert {r.name for r in results} == {"SUCCESS"}
