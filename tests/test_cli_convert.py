"""`otel-llmlog convert` and `schema`: good lines converted, bad lines named by file:line, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from otel_llmlog.cli import main

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
    # strict: stops at the first bad line, writes nothing
    strict_out = tmp_path / "strict.jsonl"
    assert main(["convert", str(src), "--strict", "-o", str(strict_out)]) == 1
    assert not strict_out.exists()
    assert capsys.readouterr().err.count(str(src)) == 1


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
