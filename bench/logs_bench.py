#!/usr/bin/env python
"""How fast the log explorer answers over a million records (``otel-llmlog logs`` / ``stats`` / ``show``).

    python bench/logs_bench.py [--records 1000000] [--runs 3] [--keep FILE] [--no-baseline]

Not part of the test suite. Writes ``--records`` standard log records (one JSON line each) to a
temporary file, then times, end to end through ``otel_llmlog.tools.cli.main`` (argument parsing, DuckDB
start, the scan, the query, the rendering; output thrown away):

* ``logs, filtered``: the newest 50 of the last 14 days' ``claude-*`` calls costing $0.001 or more;
* ``logs, newest 50``: no filter;
* ``logs --json``: the 1 000 most expensive ``length`` finishes, as the records themselves (a second
  scan fetches the lines);
* ``stats``: per provider and per model, every call;
* ``show``: one record and the other calls of its trace.

Each is run ``--runs`` times; the table gives the fastest and the median wall time, and the CPU
time of the median run (the scan is parallel, so CPU can exceed wall time). In the same run, two
baselines: reading the file's bytes (the I/O floor) and ``json.loads`` of every line in Python
(what the explorer would cost without an engine). The machine is reported with its load average,
since a shared machine's numbers move with its neighbours.

The records are real records as templates: the 18 calls of ``tests/fixtures_logs`` (OpenAI and
Anthropic models, tool calls, prompt-cache reads and writes, reasoning, embeddings, failures),
with new ids, start times spread over 30 days, five API keys (three with an alias), token counts
scaled per record and the cost recomputed from the template's rates, so the cost and fee-item
derivations do real work. One record in five keeps its captured content (messages and response,
with the finish reason); the others have none, as with capture off.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from otel_llmlog.tools.cli import main  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures_logs"
KEYS = [(f"{i:x}" * 64)[:64] for i in range(10, 15)]
ALIASES = ["team-alpha", "team-beta", "batch-jobs", None, None]
DAY = 86_400.0
NOW = 1_780_000_000.0  # the newest record's start: 2026-05-28


def templates() -> list[dict[str, Any]]:
    records = []
    for name in ("llm-calls.jsonl.1", "llm-calls.jsonl"):
        records += [json.loads(line) for line in (FIXTURE / name).read_text().splitlines()]
    return records


def generate(path: str, n: int, seed: int = 7) -> float:
    """``n`` records into ``path``; returns the newest start time (the bench's "now")."""
    rnd = random.Random(seed)
    base = templates()
    now = NOW
    start = now - 30 * DAY
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            t = base[rnd.randrange(len(base))]
            r = json.loads(json.dumps(t)) if rnd.random() < 0.2 else {**t, "messages": None, "response": None, "metadata": dict(t["metadata"])}
            ts = start + (30 * DAY) * i / n
            scale = rnd.uniform(0.2, 20)
            failed = r["status"] == "failure"
            prompt = 0 if failed else max(1, int(t["prompt_tokens"] * scale))
            completion = 0 if failed else int(t["completion_tokens"] * rnd.uniform(0.2, 5))
            rates = (t["model_map_information"]["model_map_value"] or {})
            p, c, rd = (rates.get("input_cost_per_token"), rates.get("output_cost_per_token") or 0, rates.get("cache_read_input_token_cost"))
            read = int(prompt * 0.9) if t["saved_cache_cost"] and rd else 0
            if p is not None and not failed:
                r["response_cost"] = round((prompt - read) * p + read * (rd or 0) + completion * c, 12)
                r["saved_cache_cost"] = round(read * (p - (rd or 0)), 12)
                r["hidden_params"] = {**r["hidden_params"], "response_cost": repr(r["response_cost"])}
            generation = rnd.lognormvariate(0.3, 0.8)
            first = generation * rnd.uniform(0.05, 0.4) if r["model_parameters"].get("stream") else generation
            k = rnd.randrange(len(KEYS))
            r.update(
                id=f"{rnd.getrandbits(64):016x}", trace_id=f"{rnd.getrandbits(128):032x}", prompt_tokens=prompt,
                completion_tokens=completion, total_tokens=prompt + completion, startTime=ts, endTime=ts + generation,
                completionStartTime=ts + first, response_time=first,
            )
            r["metadata"].update(user_api_key_hash=KEYS[k], user_api_key_alias=ALIASES[k])
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    return now


def timed(argv: list[str], runs: int) -> tuple[float, float, float]:
    """(fastest, median, CPU seconds of the median run) of ``otel-llmlog argv`` end to end."""
    results = []
    for _ in range(runs):
        sink = io.StringIO()
        cpu0, t0 = time.process_time(), time.perf_counter()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv)
        results.append((time.perf_counter() - t0, time.process_time() - cpu0))
        if code != 0 or not sink.getvalue():
            raise SystemExit(f"otel-llmlog {' '.join(argv)} exited {code} with {len(sink.getvalue())} bytes of output")
    walls = sorted(w for w, _ in results)
    median = statistics.median(walls)
    cpu = min(results, key=lambda x: abs(x[0] - median))[1]
    return walls[0], median, cpu


def baselines(path: str) -> list[tuple[str, float]]:
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass
    io_floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        for line in fh:
            json.loads(line)
    return [("read the file's bytes (I/O floor)", io_floor), ("json.loads of every line in Python", time.perf_counter() - t0)]


def main_bench() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="write the records here and keep them (reused when it exists)")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    import duckdb

    workdir = tempfile.mkdtemp(prefix="logs-bench-")
    path = args.keep or os.path.join(workdir, "llm-calls.jsonl")
    t0 = time.perf_counter()
    now, made = NOW, "reused (--keep)"
    if not (args.keep and os.path.exists(path)):
        now = generate(path, args.records)
        made = f"written in {time.perf_counter() - t0:.0f} s"
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        some_id = json.loads(fh.readline())["id"]
    with open(path, "rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    since = datetime.fromtimestamp(now - 14 * DAY).isoformat(timespec="seconds")  # the last 14 of the 30 days
    cases = [
        ("logs, filtered (14 days, claude-*, >= $0.001), newest 50", ["logs", path, "--since", since, "--model", "claude-*", "--min-cost", "0.001"]),
        ("logs, newest 50, no filter", ["logs", path]),
        ("logs --json, 1 000 costliest `length` finishes", ["logs", path, "--finish-reason", "length", "--sort", "cost", "-n", "1000", "--json"]),
        ("stats per provider and per model, every call", ["stats", path]),
        ("show one record and its trace", ["show", some_id, path]),
    ]
    print(f"records: {lines:,} in {size / 1e9:.2f} GB ({size / lines:,.0f} bytes each; {made})")
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}")
    print()
    print(f"| {'command':<62} | fastest | median | CPU (median run) |")
    print(f"|{'-' * 64}|--------:|-------:|-----------------:|")
    for label, argv in cases:
        fastest, median, cpu = timed(argv, args.runs)
        print(f"| {label:<62} | {fastest:6.2f} s | {median:5.2f} s | {cpu:15.2f} s |", flush=True)
    if not args.no_baseline:
        for label, seconds in baselines(path):
            print(f"| baseline: {label:<52} | {seconds:6.2f} s |        |                  |", flush=True)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.keep:
        os.unlink(path)
        os.rmdir(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
