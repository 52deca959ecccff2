"""`otel-llmlog convert` and `schema`: good lines converted, bad lines named by file:line, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from otel_llmlog.records.convert import convert_spans, to_payloads
from otel_llmlog.records.reading import read_path
from otel_llmlog.records.spans import ReadError
from otel_llmlog.records.trace_buffer import TraceBuffer
from otel_llmlog.tools.cli import main
from otel_llmlog.tools.convert_command import convert_files

from .test_convert import run_fixture_calls


def write_traces(tracing, openai_client, path: Path) -> list[str]:
    run_fixture_calls(openai_client)
    spans = tracing.spans()
    lines = [json.dumps(MessageToDict(encode_spans([s]))) for s in spans]
    path.write_text("\n".join(lines) + "\n")
    return lines


def test_convert_file_to_stdout(tracing, openai_client, tmp_path: Path, capsys) -> None:
    src = tmp_path / "traces.jsonl"
    write_traces(tracing, openai_client, src)
    assert main(["convert", str(src)]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["model"] for r in records] == ["gpt-4o-mini", "gpt-4o", "this-model-does-not-exist"]
    assert [r["status"] for r in records] == ["success", "success", "failure"]
    assert records[0]["response_cost"] == 4.8e-06
    assert err == ""


def test_bad_lines_are_reported_and_good_ones_kept(tracing, openai_client, tmp_path: Path, capsys) -> None:
    src = tmp_path / "mixed.jsonl"
    lines = write_traces(tracing, openai_client, src)
    src.write_text("\n".join([lines[0], '{"resourceSpans": [', lines[1], "\x00\x01junk", lines[2]]) + "\n")
    out_file = tmp_path / "out.jsonl"
    assert main(["convert", str(src), "-o", str(out_file)]) == 1
    _, err = capsys.readouterr()
    bad = [line for line in err.splitlines() if line.startswith(str(src))]
    assert [b.split(":")[1] for b in bad] == ["2", "4"]
    assert "3 record(s) from 3 span(s), 2 bad line(s)" in err
    assert len(out_file.read_text().splitlines()) == 3
    # strict: stops at the first bad line, keeping what was converted before it (and nothing after)
    strict_out = tmp_path / "strict.jsonl"
    assert main(["convert", str(src), "--strict", "-o", str(strict_out)]) == 1
    assert [json.loads(line)["model"] for line in strict_out.read_text().splitlines()] == ["gpt-4o-mini"]
    assert capsys.readouterr().err.count(str(src)) == 1


def test_convert_spans_is_the_command_without_a_terminal(tracing, openai_client, tmp_path: Path, capsys) -> None:
    """The streaming core other tools call: the same lines as the command, errors collected, nothing printed."""
    src = tmp_path / "mixed.jsonl"
    lines = write_traces(tracing, openai_client, src)
    src.write_text("\n".join([lines[0], '{"resourceSpans": [', lines[1], lines[2]]) + "\n")
    assert main(["convert", str(src), "-o", str(tmp_path / "cli.jsonl")]) == 1
    capsys.readouterr()
    written: list[bytes] = []
    errors: list[ReadError] = []
    conversion = convert_spans([src, tmp_path / "nope.jsonl"], written.append, errors=errors)
    assert b"".join(written) == (tmp_path / "cli.jsonl").read_bytes()
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in written)
    assert [(e.path, e.line) for e in errors] == [(str(src), 2), (str(tmp_path / "nope.jsonl"), 0)]
    assert conversion.errors is errors and (conversion.spans, conversion.records) == (3, 3)
    assert conversion.bytes_read == src.stat().st_size
    assert capsys.readouterr() == ("", "")
    generation: list[bytes] = []
    strict = convert_spans([src, src], generation.append, record_format="generation", strict=True)
    assert [json.loads(line)["modelSlug"] for line in generation] == ["openai/gpt-4o-mini-2024-07-18"]
    assert strict.stopped and len(strict.errors) == 1


def test_missing_and_empty_inputs(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["convert", str(empty)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["convert", str(tmp_path / "nope.jsonl")]) == 1
    assert "nope.jsonl:0:" in capsys.readouterr().err


def test_generation_format_from_stdin(tracing, openai_client, tmp_path: Path) -> None:
    src = tmp_path / "traces.jsonl"
    write_traces(tracing, openai_client, src)
    proc = subprocess.run([sys.executable, "-m", "otel_llmlog", "convert", "--format", "generation", "-"],
                          input=src.read_bytes(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["modelSlug"] for r in records] == ["openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-2024-08-06", "openai/this-model-does-not-exist"]
    assert records[0]["originAmount"] == "0.0000048"
    assert records[1]["nativeFeeTokens"] == {"prompt": 140, "input_cache_read": 1280, "completion": 100}


def test_schema_command(capsys) -> None:
    assert main(["schema", "generation"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "nativeFeeTokens" in schema["properties"]
    assert main(["schema"]) == 0
    assert "response_cost" in json.loads(capsys.readouterr().out)["properties"]


def many_traces(lines: list[str], traces: int) -> list[str]:
    """``traces`` copies of the recorded calls, each copy under its own trace id (and span ids)."""
    out = []
    for t in range(traces):
        for i, line in enumerate(lines):
            doc = json.loads(line)
            span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
            span["traceId"] = f"{t + 1:032x}"
            span["spanId"] = f"{t * len(lines) + i + 1:016x}"
            out.append(json.dumps(doc))
    return out


def test_streamed_output_equals_the_whole_input_conversion(tracing, openai_client, tmp_path: Path, capsys) -> None:
    """A tiny buffer releases traces long before the end; the records are the same as converting
    everything at once (each trace's calls together, in start order)."""
    lines = many_traces(write_traces(tracing, openai_client, tmp_path / "one.jsonl"), 40)
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n")
    buffer = TraceBuffer(window=30, settle=5, max_spans=60)
    assert convert_files([str(src)], str(tmp_path / "out.jsonl"), buffer=buffer) == 0
    got = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    want = [p.model_dump(mode="json") for p in to_payloads(read_path(src))]
    assert len(got) == 120
    assert sorted(got, key=lambda r: (r["trace_id"], r["startTime"])) == sorted(want, key=lambda r: (r["trace_id"], r["startTime"]))
    assert buffer.held == 0


def test_trace_buffer_is_bounded_and_releases_settled_traces(tracing, openai_client, tmp_path: Path) -> None:
    lines = many_traces(write_traces(tracing, openai_client, tmp_path / "one.jsonl"), 50)
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n")
    buffer = TraceBuffer(window=1_000, settle=4, max_spans=2_000)
    released: list[int] = []
    held: list[int] = []
    for n, span in enumerate(read_path(src), start=1):
        released += [n] * len(buffer.add(span))
        held.append(buffer.held)
    # every span is a root: a trace (3 spans) goes out with the 4th span after its last one,
    # so at most its 3 and the next trace's 3 stay held between calls
    assert max(held) == 6
    assert released[:3] == [7, 7, 7]
    assert len(released) + len(buffer.drain()) == 150


def test_unrooted_traces_leave_by_window_and_runaway_trace_by_cap(tracing, openai_client, tmp_path: Path) -> None:
    lines = many_traces(write_traces(tracing, openai_client, tmp_path / "one.jsonl"), 20)
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n")
    spans = list(read_path(src))
    for s in spans:
        s.parent_span_id = "ffffffffffffffff"  # a remote parent: the root is in another file
    by_window = TraceBuffer(window=10, settle=1, max_spans=10_000)
    assert [len(by_window.add(s)) for s in spans[:14]] == [0] * 12 + [3, 0]
    for s in spans:
        s.trace_id = "0" * 31 + "1"  # one runaway trace
    by_cap = TraceBuffer(window=10_000, settle=10_000, max_spans=25)
    assert [n for n in (len(by_cap.add(s)) for s in spans) if n] == [26, 26]
    assert by_cap.held == 60 - 52


def test_progress_bar_on_a_terminal_only(tracing, openai_client, tmp_path: Path, monkeypatch) -> None:
    import io

    from otel_llmlog.tools import convert_command

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    lines = many_traces(write_traces(tracing, openai_client, tmp_path / "one.jsonl"), 200)
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(convert_command._Progress, "interval", 0.0)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    assert convert_files([str(src)], str(tmp_path / "out.jsonl")) == 0
    frames = tty.getvalue().split("\r")
    bars = [f for f in frames if f.startswith("convert [")]
    assert len(bars) == 600 // 256
    assert "%" in bars[0] and "record(s)" in bars[0] and "MB/s" in bars[0]
    assert tty.getvalue().endswith("otel-llmlog convert: 600 record(s) from 600 span(s), 0 bad line(s)\n")
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    assert convert_files([str(src)], str(tmp_path / "out2.jsonl")) == 0
    assert piped.getvalue() == ""


def test_interrupted_run_keeps_whole_lines(tracing, openai_client, tmp_path: Path, capsys) -> None:
    lines = many_traces(write_traces(tracing, openai_client, tmp_path / "one.jsonl"), 30)
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n")

    class Interrupting(TraceBuffer):
        def add(self, span):
            if self._seen == 50:
                raise KeyboardInterrupt
            return super().add(span)

    out = tmp_path / "out.jsonl"
    out.write_text("old content\n")
    assert convert_files([str(src)], str(out), buffer=Interrupting(window=10, settle=2)) == 130
    records = [json.loads(line) for line in out.read_text().splitlines()]  # every line parses
    assert len(records) == 50
    assert "50 record(s) from 50 span(s), 0 bad line(s), interrupted" in capsys.readouterr().err
    assert not list(tmp_path.glob(".convert-*"))


def test_memory_stays_flat_as_the_input_grows(tracing, openai_client, tmp_path: Path) -> None:
    """Peak traced memory converting 4x the spans stays within a small margin of 1x: spans are
    released trace by trace, never all held."""
    import tracemalloc

    lines = write_traces(tracing, openai_client, tmp_path / "one.jsonl")

    def peak(traces: int) -> int:
        src = tmp_path / f"in-{traces}.jsonl"
        src.write_text("\n".join(many_traces(lines, traces)) + "\n")
        tracemalloc.start()
        try:
            assert convert_files([str(src)], str(tmp_path / "out.jsonl"), buffer=TraceBuffer(window=200, settle=20, max_spans=400)) == 0
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(300), peak(1_200)
    assert large < small * 1.25, (small, large)


def test_what_the_real_otlp_exporter_sends_converts_to_the_live_payloads(tracing_content, openai_client, tmp_path: Path, capsys) -> None:
    """The SDK's own OTLP/HTTP exporter posts to a loopback receiver that stores each body as the
    Collector's proto file does (4-byte size, message); `convert` of that file, and of its JSON
    form, gives exactly the payloads of the live spans."""
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    bodies: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            data = self.rfile.read(int(self.headers["Content-Length"]))
            bodies.append(gzip.decompress(data) if self.headers.get("Content-Encoding") == "gzip" else data)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_fixture_calls(openai_client)
        live = tracing_content.spans()
        exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{server.server_port}/v1/traces", timeout=10)
        assert exporter.export(live[:1]).name == "SUCCESS" and exporter.export(live[1:]).name == "SUCCESS"
        exporter.shutdown()
    finally:
        server.shutdown()
    assert len(bodies) == 2
    proto_file = tmp_path / "traces.binpb"
    proto_file.write_bytes(b"".join(len(b).to_bytes(4, "big") + b for b in bodies))
    json_file = tmp_path / "traces.jsonl"
    json_file.write_text("".join(MessageToJson(ExportTraceServiceRequest.FromString(b), indent=None) + "\n" for b in bodies))
    expected = [p.model_dump(mode="json") for p in to_payloads(live)]
    for path in (proto_file, json_file):
        assert main(["convert", str(path)]) == 0
        got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert got == expected, path.name
