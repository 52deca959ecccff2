#!/usr/bin/env python
"""Does the JSON log get one line per call when calls come in a tight loop?

    python bench/json_log_loss.py [--calls 5000] [--runs 10]

Not part of the test suite. Each run starts a fresh interpreter that makes ``--calls`` instrumented
``chat.completions.create`` calls in a tight loop (the real ``openai`` SDK on an in-process
``httpx2.MockTransport``: no I/O wait, the worst case for a batch processor's worker thread), with
the ``otel_llmlog_json`` exporter writing the JSON log, and counts the lines written. Set-ups:

* ``launcher``        - ``opentelemetry-instrument --traces_exporter otel_llmlog_json``: the SDK's
  ``BatchSpanProcessor`` with its default queue (2 048 spans)
* ``launcher-q65536`` - the same with ``OTEL_BSP_MAX_QUEUE_SIZE=65536``
* ``blocking``        - programmatic, ``otel_llmlog.records.batch_processor.BlockingBatchSpanProcessor`` (waits
  for room instead of dropping)

Prints one row per set-up: runs complete, the fewest lines of any run, the median per-call time.
The numbers behind the README's note on the batch queue came from this script.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

APP = r'''
import json, os, sys, time
from pathlib import Path
import httpx2, openai

case = Path(os.environ["CASE"])
req = json.loads((case / "request.json").read_text())["body"]
resp = json.loads((case / "response.json").read_text())
body = json.dumps(resp["body"]).encode()
headers = [(k, v) for k, v in resp["headers"].items()
           if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")]
client = openai.OpenAI(api_key="sk-bench-0000", base_url="http://bench.local/v1", max_retries=0,
                       http_client=httpx2.Client(transport=httpx2.MockTransport(
                           lambda request: httpx2.Response(200, headers=headers, content=body))))
if os.environ.get("BLOCKING"):
    from opentelemetry.sdk.trace import TracerProvider
    import otel_llmlog
    from otel_llmlog.records.batch_processor import BlockingBatchSpanProcessor
    from otel_llmlog.records.exporters import JsonLogExporter
    provider = TracerProvider()
    provider.add_span_processor(BlockingBatchSpanProcessor(JsonLogExporter()))
    otel_llmlog.instrument(tracer_provider=provider)
n = int(os.environ["CALLS"])
start = time.perf_counter()
for _ in range(n):
    client.chat.completions.create(**req)
elapsed = time.perf_counter() - start
if os.environ.get("BLOCKING"):
    provider.shutdown()
print(f"per_call_us={elapsed / n * 1e6:.0f}", file=sys.stderr)
'''


def one_run(setup: str, calls: int, tmp: Path) -> tuple[int, float]:
    log = tmp / f"{setup}.jsonl"
    for old in tmp.glob(f"{setup}.jsonl*"):
        old.unlink()
    env = {**os.environ, "CALLS": str(calls), "OTEL_SERVICE_NAME": "loss", "OTEL_LLMLOG_JSON_PATH": str(log),
           "OTEL_LLMLOG_JSON_MAX_BYTES": "0",
           "CASE": str(ROOT / "src" / "otel_llmlog" / "testing" / "recordings" / "openai" / "chat_completion_basic")}
    app = tmp / "app.py"
    app.write_text(APP)
    if setup == "blocking":
        cmd = [sys.executable, str(app)]
        env["BLOCKING"] = "1"
    else:
        cmd = [str(BIN / "opentelemetry-instrument"), "--traces_exporter", "otel_llmlog_json", "--metrics_exporter", "none",
               "--logs_exporter", "none", sys.executable, str(app)]
        if setup == "launcher-q65536":
            env["OTEL_BSP_MAX_QUEUE_SIZE"] = "65536"
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode:
        raise SystemExit(f"{setup}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    lines = sum(1 for path in tmp.glob(f"{setup}.jsonl*") for _ in path.open())
    per_call = float(re.search(r"per_call_us=(\d+)", proc.stderr).group(1))
    return lines, per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"{args.calls} calls per run, {args.runs} runs per set-up\n")
    print("| set-up | runs with every line | fewest lines in a run | median µs per call |\n|---|--:|--:|--:|")
    with tempfile.TemporaryDirectory() as tmp:
        for setup in ("launcher", "launcher-q65536", "blocking"):
            results = [one_run(setup, args.calls, Path(tmp)) for _ in range(args.runs)]
            complete = sum(1 for lines, _ in results if lines == args.calls)
            print(f"| {setup} | {complete}/{args.runs} | {min(lines for lines, _ in results)} | "
                  f"{statistics.median(p for _, p in results):.0f} |", flush=True)


if __name__ == "__main__":
    main()
