#!/usr/bin/env python
"""Does ``otel-llmlog convert`` stay flat in memory as its input grows?

    python bench/convert_memory.py [--sizes-mb 100,1000] [--capture]

Not part of the test suite. Makes the demo's instrumented calls against the built-in stand-in
(content capture on with ``--capture``, so spans are large), encodes their spans as OTLP JSON
lines the way the Collector's file exporter writes them, repeats them under fresh trace and span
ids until each requested size is reached, and runs the real ``otel-llmlog convert`` on each file
in a subprocess. Reports wall time, records per second and the child's peak RSS
(``ru_maxrss``): flat memory means the peak RSS of the largest file is within a few MB of the
smallest one's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans


def sample_lines(capture: bool) -> list[dict]:
    """The demo's spans, one OTLP JSON document per span."""
    from otel_llmlog.tools import demo

    captured: list = []
    original = demo._Counter.export

    def keep(self, spans):  # the demo's own exporter, also handing us the spans
        captured.extend(spans)
        return original(self, spans)

    demo._Counter.export = keep
    try:
        demo.run(out=io.StringIO(), capture_content=capture)
    finally:
        demo._Counter.export = original
    return [MessageToDict(encode_spans([s])) for s in captured]


def write_input(path: Path, docs: list[dict], size: int) -> int:
    """Copies of ``docs`` (each copy a trace of its own) until ``path`` holds ``size`` bytes."""
    written = spans = 0
    copy = 0
    with path.open("w") as fh:
        while written < size:
            copy += 1
            for i, doc in enumerate(docs):
                span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
                span["traceId"] = f"{copy:032x}"
                span["spanId"] = f"{copy * 64 + i:016x}"
                line = json.dumps(doc) + "\n"
                fh.write(line)
                written += len(line)
                spans += 1
    return spans


def run_convert(src: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one ``otel-llmlog convert`` subprocess (its own rusage)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "otel_llmlog", "convert", str(src), "-o", str(out)])
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"convert failed with exit code {child.returncode}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="100,1000", help="input sizes to try, smallest first")
    parser.add_argument("--capture", action="store_true", help="spans with message content (larger spans)")
    args = parser.parse_args()
    docs = sample_lines(args.capture)
    sizes = sorted(int(s) for s in args.sizes_mb.split(","))
    print("| input MB | spans | records | seconds | records/s | peak RSS MB |\n|--:|--:|--:|--:|--:|--:|")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        for mb in sizes:
            src, out = Path(tmp) / f"in-{mb}.jsonl", Path(tmp) / f"out-{mb}.jsonl"
            spans = write_input(src, docs, mb * 1_000_000)
            seconds, peak_kib = run_convert(src, out)
            with out.open() as fh:
                records = sum(1 for _ in fh)
            print(f"| {src.stat().st_size / 1e6:,.0f} | {spans:,} | {records:,} | {seconds:,.1f} | "
                  f"{records / seconds:,.0f} | {peak_kib / 1024:,.1f} |", flush=True)
            src.unlink()
            out.unlink()


if __name__ == "__main__":
    main()
