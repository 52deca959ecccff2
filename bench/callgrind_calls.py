#!/usr/bin/env python
"""Instructions per instrumented call, counted by ``valgrind --tool=callgrind``: repeatable on a noisy machine.

    python bench/callgrind_calls.py [--calls 100] [--json-out FILE]

Wall-clock benchmarks (``bench/run.py``) move by several per cent from run to run on a shared
two-core VM; an instruction count does not (the same binary, inputs and environment give the
same total, whatever else the machine does). This script runs a fixed sequence of calls of the
four ``bench/run.py`` scenarios (the real ``openai`` / ``anthropic`` SDKs on an in-process
``httpx2.MockTransport``, a ``SimpleSpanProcessor`` into a discarding exporter, a ``MeterProvider``
with one reader) under callgrind, twice per setting: once with ``N`` rounds and once with ``2N``.
Start-up (interpreter, imports, ``instrument()``, warm-up) is the same in both processes, so the
difference is exactly ``N`` rounds; divided by the number of calls in them it is the instructions
per call. One round is: a chat call, a consumed stream, a stream broken out of after five chunks
and dropped, and one closed after five chunks, for each SDK (8 calls). The metric measurements the
calls queued are recorded (``force_flush`` of the meter provider) before the process ends, so
that work counts too.

Settings: ``off`` (uninstrumented: the SDK's own cost), ``on`` (instrumented, content capture
off), ``capture`` (instrumented, content capture on). The overhead per call is ``on - off``.
``PYTHONHASHSEED=0`` keeps dict and set layouts identical between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
CALLS_PER_ROUND = 8
SETTINGS = ("off", "on", "capture")


def inner(setting: str, rounds: int) -> None:
    """What runs under valgrind: warm up, then ``rounds`` rounds of the fixed call sequence."""
    import gc
    import warnings

    sys.path.insert(0, str(HERE))
    import run  # noqa: E402 - bench/run.py: bodies, clients and scenarios

    import otel_llmlog

    warnings.simplefilter("ignore")
    tel = run.make_telemetry("simple")
    if setting != "off":
        otel_llmlog.instrument(tracer_provider=tel.tp, meter_provider=tel.mp, capture_content=setting == "capture")
    scenarios = run.build_scenarios(run.build_bodies())
    steps = []
    for s in scenarios:
        steps.append(s.call)
        if s.abandon is not None:
            steps += [s.abandon, s.abandon_close]
    assert len(steps) == CALLS_PER_ROUND, len(steps)
    for _ in range(10):  # warm-up: price and class caches filled, lazy imports done
        for step in steps:
            step()
    gc.collect()  # a dropped stream's span ends when the collector frees it
    tel.mp.force_flush()
    for _ in range(rounds):
        for step in steps:
            step()
    gc.collect()
    tel.mp.force_flush()
    expected = (10 + rounds) * CALLS_PER_ROUND if setting != "off" else 0
    if tel.exporter.count != expected:
        raise SystemExit(f"expected {expected} spans, got {tel.exporter.count}")


def count(setting: str, rounds: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--inner", setting, "--rounds", str(rounds)],
        capture_output=True, text=True, env=env, check=False,
    )
    found = re.search(r"Collected\s*:\s*(\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run {setting} x{rounds} failed:\n{proc.stderr[-3000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=25, help="rounds in the shorter run (the longer has twice as many)")
    parser.add_argument("--inner", choices=SETTINGS, help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help="also write the counts as JSON here")
    args = parser.parse_args()
    if args.inner:
        inner(args.inner, args.rounds)
        return
    jobs = [(s, r) for s in SETTINGS for r in (args.rounds, 2 * args.rounds)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = dict(zip(jobs, pool.map(lambda job: count(*job), jobs), strict=True))
    calls = args.rounds * CALLS_PER_ROUND
    per_call = {s: (totals[(s, 2 * args.rounds)] - totals[(s, args.rounds)]) / calls for s in SETTINGS}
    result = {
        "calls": calls,
        "instructions_per_call": per_call,
        "overhead_per_call": {s: per_call[s] - per_call["off"] for s in ("on", "capture")},
        "totals": {f"{s}x{r}": v for (s, r), v in totals.items()},
    }
    print(f"instructions per call over {calls} calls (8 per round: chat, stream, stream dropped, stream closed; x2 SDKs)")
    for s in SETTINGS:
        extra = "" if s == "off" else f"   overhead {per_call[s] - per_call['off']:>12,.0f}"
        print(f"  {s:8} {per_call[s]:>14,.0f}{extra}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
