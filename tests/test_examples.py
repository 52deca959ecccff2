"""Every example runs as the docs say (``python examples/<name>.py`` from the repository root) and prints
exact numbers. Without an API key in the environment they answer from the built-in stand-in.

``examples/run_with_launcher.sh`` is run by tests/test_e2e_phoenix.py against a real backend.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TRACE_ROW = re.compile(r"^trace ([0-9a-f]{32})$", re.M)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_", "ANTHROPIC_"))}
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "stand-in" in proc.stderr  # no key: the recorded answers, not the network
    return proc


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def rows(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if line.startswith("  ")]


def test_openai_quickstart() -> None:
    out = run("examples/openai_quickstart.py").stdout
    assert "answer: This is a test." in out
    assert "embedding dimensions: 512" in out
    table = rows(out)
    assert [r.split("  ")[0] for r in table] == ["chat gpt-4o-mini", "chat gpt-4", "embeddings text-embedding-3-small"]
    assert "in 12 out 5" in table[0] and "$0.0000048" in table[0] and "finish stop" in table[0]
    assert "in 12 out 5" in table[1] and "$0.00066" in table[1]
    assert "in 8 out -" in table[2] and "$0.00000016" in table[2]
    recs = records(out)
    assert [(r["call_type"], r["model"], r["prompt_tokens"], r["completion_tokens"], r["response_cost"]) for r in recs] == [
        ("chat", "gpt-4o-mini", 12, 5, 4.8e-06),
        ("chat", "gpt-4", 12, 5, 0.00066),
        ("embeddings", "text-embedding-3-small", 8, 0, 1.6e-07),
    ]
    assert [r["trace_id"] for r in recs] == TRACE_ROW.findall(out)  # three calls, no group: three traces


def test_anthropic_streaming_cache() -> None:
    proc = run("examples/anthropic_streaming_cache.py")
    out = proc.stdout
    assert "first answer: Here are the key principles for designing scalable systems:" in out
    assert "DeprecationWarning" not in proc.stderr
    table = rows(out)
    assert len(table) == 2
    assert "in 1049 (cache write 1031) out 100" in table[0] and "$0.00542025" in table[0] and "finish length" in table[0]
    assert "in 1042 (cache read 1031) out 100" in table[1] and "$0.0018423" in table[1]
    recs = records(out)
    assert [(r["prompt_tokens"], r["completion_tokens"], r["response_cost"]) for r in recs] == [(1049, 100, 0.00542025), (1042, 100, 0.0018423)]


def test_rag_request_is_one_trace() -> None:
    out = run("examples/rag_request.py").stdout
    assert out.startswith("answer: ")
    (trace_id,) = TRACE_ROW.findall(out)
    lines = [line for line in out.splitlines() if line.startswith("  ")]
    # the tree: the group's span, its seven children indented under it
    assert lines[0] == "  invoke_workflow answer-question    session chat-42 user user-7 tags rag,example"
    children = [line[4:] for line in lines[1:]]
    assert all(line.startswith("    ") and not line.startswith("     ") for line in lines[1:])
    assert [c.split("  ")[0] for c in children] == [
        "apply_guardrail pii-mask", "chat gpt-4o-mini", "retrieval policies", "chat gpt-4o", "apply_guardrail output-pii", "chat gpt-4o-mini",
    ]
    assert children[0].endswith("success") and children[2].endswith("2 results") and children[4].endswith("success")
    assert "in 12 out 5" in children[1] and "$0.0000048" in children[1]
    assert "in 1220 (cache read 1152) out 100" in children[3] and "$0.00261" in children[3]
    assert "in 22 out 6" in children[5] and "$0.0000069" in children[5]
    recs = records(out)
    assert [(r["trace_id"], r["model"], r["response_cost"], r["request_tags"], r["end_user"]) for r in recs] == [
        (trace_id, "gpt-4o-mini", 4.8e-06, ["rag", "example"], "user-7"),
        (trace_id, "gpt-4o", 0.00261, ["rag", "example"], "user-7"),
        (trace_id, "gpt-4o-mini", 6.9e-06, ["rag", "example"], "user-7"),
    ]
    guardrails = [r["metadata"]["guardrail_information"] for r in recs]
    assert [(g["guardrail_name"], g["guardrail_mode"], g["masked_entity_count"]) if g else None for g in guardrails] == [
        ("pii-mask", "pre_call", {"EMAIL": 1}), ("output-pii", "post_call", None), None,
    ]
    assert [[v["vector_store_id"] for v in r["metadata"]["vector_store_request_metadata"] or []] for r in recs] == [[], ["policies"], []]


SAMPLE_TRACE = "99bcefb557c769697463e45636fb5bc2"


def test_convert_collector_file(tmp_path: Path) -> None:
    out_file = tmp_path / "llm-calls.jsonl"
    proc = subprocess.run([sys.executable, str(EXAMPLES / "convert_collector_file.py"), "-o", str(out_file)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"{EXAMPLES / 'data' / 'collector-traces.jsonl'}: 9 spans -> 5 LLM calls -> {out_file}"
    assert [re.sub(r"\s+", " ", line.strip()) for line in lines[1:]] == [
        f"trace {SAMPLE_TRACE} gpt-4o-mini in 12 out 5 $0.0000048 tags rag,example guardrail pii-mask searches 0",
        f"trace {SAMPLE_TRACE} gpt-4o in 1220 out 100 $0.00261 tags rag,example guardrail output-pii searches 1",
        f"trace {SAMPLE_TRACE} gpt-4o-mini in 22 out 6 $0.0000069 tags rag,example guardrail - searches 0",
        "trace f4185f1637353ecb7e35317e4c4b99d5 claude-sonnet-4-20250514 in 1049 out 100 $0.00542025 tags - guardrail - searches 0",
        "trace 4c61d68bbe0c4916560ff8b20183cab2 claude-sonnet-4-20250514 in 1042 out 100 $0.0018423 tags - guardrail - searches 0",
    ]
    # the example and the command-line converter write the same records
    cli = subprocess.run([sys.executable, "-m", "otel_llmlog", "convert", str(EXAMPLES / "data" / "collector-traces.jsonl")],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert [json.loads(line) for line in cli.stdout.splitlines()] == [json.loads(line) for line in out_file.read_text().splitlines()]


def test_convert_collector_file_reads_the_configured_collector_file(tmp_path: Path) -> None:
    collector_file = tmp_path / "traces.jsonl"
    first_line = (EXAMPLES / "data" / "collector-traces.jsonl").read_text().splitlines()[0]
    collector_file.write_text(first_line + "\n" + first_line[:100] + "\n")  # plus a line the Collector was still writing
    env = {**os.environ, "OTEL_LLMLOG_TRACES_FILE": str(collector_file)}
    proc = subprocess.run([sys.executable, str(EXAMPLES / "convert_collector_file.py"), "-o", str(tmp_path / "out.jsonl")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"{collector_file}: 7 spans -> 3 LLM calls -> {tmp_path / 'out.jsonl'}"
    assert f"skipped {collector_file}:2: " in proc.stderr


def test_launcher_script_is_executable_and_says_how_to_use_it() -> None:
    script = EXAMPLES / "run_with_launcher.sh"
    assert os.access(script, os.X_OK)  # the docs run it directly
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: ")


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".sh") and not p.name.startswith("_")))
def test_every_example_is_documented(name: str) -> None:
    assert f"examples/{name}" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
