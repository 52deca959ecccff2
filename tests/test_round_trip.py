"""Captured content that breaks line writers, through every way out and back in.

The real openai SDK calls the stand-in with capture on; the question holds a NUL and 4-byte
UTF-8 (emoji, a musical symbol), the recorded answer (``tests/fixtures_round_trip``) the same plus a
lone surrogate - the SDK cannot send one, but it decodes one from a response. Both ways out
must give the content back exactly, the lone surrogate as U+FFFD (the package's one lossy step):

* live span -> :class:`JsonLogExporter` file -> :func:`loads_line`;
* live span -> OTLP JSON file (:func:`otlp_json_line`) -> ``otel-llmlog convert`` (stdout and
  ``-o``) -> record lines -> ``otel-llmlog logs`` / ``show`` / ``stats``;
* live span -> :class:`OtelLogsExporter` -> the OTLP logs encoder (which raises on a lone
  surrogate, losing the whole batch).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_llmlog.records.convert import to_payloads
from otel_llmlog.records.exporters import JsonLogExporter, OtelLogsExporter
from otel_llmlog.records.jsonlines import loads_line
from otel_llmlog.records.otlp_json import otlp_json_line
from otel_llmlog.testing import StandIn
from otel_llmlog.tools.cli import main

from .conftest import API_KEY

CASES = Path(__file__).parent / "fixtures_round_trip"
QUESTION = "nul \x00 parrot \U0001f99c clef \U0001d11e"
ANSWER = "nul \x00 parrot \U0001f99c lone \ud800 end"  # as the recording holds it
ANSWER_WRITTEN = "nul \x00 parrot \U0001f99c lone \ufffd end"
MESSAGES = [{"role": "user", "parts": [{"type": "text", "content": QUESTION}]}]
RESPONSE = [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER_WRITTEN}], "finish_reason": "stop"}]


@pytest.fixture(scope="module")
def hard_standin() -> Iterator[StandIn]:
    with StandIn([CASES]).start() as server:
        yield server


@pytest.fixture
def hard_call(hard_standin: StandIn, tracing_content) -> Any:
    def call() -> None:
        client = openai.OpenAI(api_key=API_KEY, base_url=hard_standin.base_url("chat_completion_hard_characters"), max_retries=0)
        response = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}])
        assert response.choices[0].message.content == ANSWER  # the SDK hands the lone surrogate over

    return call


def lines_of(data: bytes) -> list[Any]:
    """The JSON values of a file's lines: UTF-8 throughout, one value per line."""
    data.decode("utf-8")
    return [loads_line(line) for line in data.splitlines(keepends=True)]


def expected(spans: Any) -> list[Any]:
    """The standard records of the live spans (the only record with content)."""
    return [record.model_dump(mode="json") for record in to_payloads(spans)]


def test_json_log_exporter_file_reads_back_exactly(tracing_content, hard_call, tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    tracing_content.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(path)))
    hard_call()
    data = path.read_bytes()
    assert b"\\u0000" in data and "\U0001f99c".encode() in data  # NUL escaped, 4-byte UTF-8 as it is
    (record,) = lines_of(data)
    assert record["messages"] == MESSAGES
    assert record["response"] == RESPONSE
    assert [record] == expected(tracing_content.spans())


def test_otlp_json_file_converts_exactly(tracing_content, hard_call, tmp_path: Path, capsys) -> None:
    hard_call()
    live = tracing_content.spans()
    src = tmp_path / "spans.jsonl"
    src.write_bytes((otlp_json_line(live) + "\n").encode("utf-8"))
    (span_doc,) = lines_of(src.read_bytes())
    (attributes,) = [s["attributes"] for rs in span_doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    output = next(a["value"]["stringValue"] for a in attributes if a["key"] == "gen_ai.output.messages")
    assert json.loads(output) == RESPONSE  # the attribute is written, its lone surrogate as U+FFFD

    assert main(["convert", str(src)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    (record,) = lines_of(out.encode("utf-8"))
    assert record["messages"] == MESSAGES and record["response"] == RESPONSE
    assert [record] == expected(live)

    target = tmp_path / "out.jsonl"
    assert main(["convert", str(src), "-o", str(target)]) == 0
    assert lines_of(target.read_bytes()) == [record]
    assert not list(tmp_path.glob(".convert-*"))

    # ... and on to the explorer: the converted log, and the span file itself (converted on the way)
    assert main(["logs", "--json", str(target)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and lines_of(out.encode("utf-8")) == [record]
    assert main(["show", "--json", record["id"], str(src)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out) == record
    assert main(["stats", "--json", str(target)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and [row["calls"] for row in map(json.loads, out.splitlines())][-1] == 1


def test_otel_logs_body_encodes(tracing_content, hard_call) -> None:
    logs = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    tracing_content.provider.add_span_processor(SimpleSpanProcessor(OtelLogsExporter(provider)))
    hard_call()
    (log,) = logs.get_finished_logs()
    assert log.log_record.body == expected(tracing_content.spans())[0]
    (encoded,) = encode_logs([log]).resource_logs[0].scope_logs[0].log_records
    body = {kv.key: kv.value for kv in encoded.body.kvlist_value.values}
    assert MessageToDict(body["response"])["arrayValue"]["values"][0]["kvlistValue"]["values"][1] == {
        "key": "parts", "value": {"arrayValue": {"values": [{"kvlistValue": {"values": [
            {"key": "type", "value": {"stringValue": "text"}}, {"key": "content", "value": {"stringValue": ANSWER_WRITTEN}}]}}]}}}


def test_a_failed_output_run_leaves_the_target_as_it_was(tracing_content, hard_call, tmp_path: Path, monkeypatch) -> None:
    """An -o run that dies of an unexpected error neither truncates the target nor leaves its temporary file."""
    hard_call()
    src = tmp_path / "spans.jsonl"
    src.write_text(otlp_json_line(tracing_content.spans()) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    target.write_text("kept\n")

    def broken(record: Any) -> bytes:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr("otel_llmlog.records.convert.record_line", broken)
    with pytest.raises(UnicodeEncodeError):
        main(["convert", str(src), "-o", str(target)])
    assert target.read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "spans.jsonl"]
