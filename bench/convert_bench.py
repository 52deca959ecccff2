#!/usr/bin/env python
"""Converter throughput: OTLP JSON lines (the Collector file exporter's shape) -> payload JSON lines.

    python bench/convert_bench.py [--records 20000] [--per-line 100] [--runs 3] [--quick]

Not part of the test suite. Writes ``--records`` LLM-call spans as OTLP JSON lines, then times
``otel-llmlog convert IN -o OUT`` end to end through the command's own entry point
(``otel_llmlog.tools.cli.main(["convert", IN, "-o", OUT])``, in this process, after one untimed warm-up
run on a small file so imports are not counted), pinned to one CPU. Beside it, the floor: read the
same file line by line, parse each line and serialize it again (compact) into an output file, with
every JSON library available here (the stdlib ``json``, which the converter uses, and ``orjson`` /
``msgspec`` when installed); the target compares against the fastest. Converter and floor runs
alternate, ``--runs`` times each; the table shows the median (and the range) in records per second.

The spans are real: the four scenarios of ``bench/run.py`` (OpenAI chat / stream, Anthropic
message / stream, on the real SDKs over an in-process mock transport), instrumented by
otel-llmlog, ``--distinct`` calls of each, encoded by the OTLP exporter's own encoder
(``encode_spans``) into the OTLP/JSON form a Collector writes (protobuf's JSON mapping with hex
ids and integer enums, one ``ExportTraceServiceRequest`` per line). They are replicated with fresh
trace and span ids up to ``--records``; each span is one LLM call, the root of its own trace.
Content capture is on (the records carry the messages) unless ``--content off``.

Results are printed as Markdown and written to ``bench/out/convert.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402 - the scenarios of the overhead benchmark
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import otel_llmlog  # noqa: E402
from otel_llmlog.records.otlp_json import otlp_json  # noqa: E402
from otel_llmlog.tools.cli import main as cli_main  # noqa: E402

# --------------------------------------------------------------------------- input


def make_spans(distinct: int, capture: bool) -> list[Any]:
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource.create({"service.name": "convert-bench"}))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    scenarios = run.build_scenarios(run.build_bodies())
    otel_llmlog.instrument(tracer_provider=tp, meter_provider=MeterProvider(), capture_content=capture)
    try:
        for _ in range(distinct):
            for s in scenarios:
                s.call()
    finally:
        otel_llmlog.uninstrument()
    spans = list(exporter.get_finished_spans())
    assert len(spans) == distinct * len(scenarios), len(spans)
    return spans


def write_input(path: Path, spans: list[Any], records: int, per_line: int, seed: int = 7) -> int:
    """``records`` spans as OTLP JSON lines of ``per_line`` spans each; returns the file size in bytes."""
    doc = otlp_json(spans)
    (rs,) = doc["resourceSpans"]
    (ss,) = rs["scopeSpans"]
    templates = []
    for sp in ss["spans"]:
        text = json.dumps(sp, separators=(",", ":"), ensure_ascii=False)
        assert text.count(sp["traceId"]) == 1 and text.count(sp["spanId"]) == 1 and "parentSpanId" not in sp
        templates.append((text, sp["traceId"], sp["spanId"]))
    prefix = ('{"resourceSpans":[{"resource":' + json.dumps(rs["resource"], separators=(",", ":"))
              + ',"scopeSpans":[{"scope":' + json.dumps(ss["scope"], separators=(",", ":")) + ',"spans":[')
    rng = random.Random(seed)
    size = 0
    with open(path, "w", encoding="utf-8") as fh:
        for start in range(0, records, per_line):
            batch = []
            for i in range(start, min(records, start + per_line)):
                text, trace_id, span_id = templates[i % len(templates)]
                text = text.replace(trace_id, f"{rng.getrandbits(128):032x}").replace(span_id, f"{rng.getrandbits(64):016x}")
                batch.append(text)
            line = prefix + ",".join(batch) + "]}]}]}\n"
            size += fh.write(line)
    return size


# --------------------------------------------------------------------------- timed runs


def run_converter(src: Path, dst: Path) -> float:
    gc.collect()
    err = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(err):
        code = cli_main(["convert", str(src), "-o", str(dst)])
    elapsed = time.perf_counter() - t0
    assert code == 0, f"convert exited {code}: {err.getvalue()[-2000:]}"
    return elapsed


def floors() -> dict[str, tuple[Callable[[bytes], Any], Callable[[Any], bytes]]]:
    libs: dict[str, tuple[Callable[[bytes], Any], Callable[[Any], bytes]]] = {
        "json (stdlib)": (json.loads, lambda o: json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()),
    }
    try:
        import orjson

        libs[f"orjson {orjson.__version__}"] = (orjson.loads, orjson.dumps)
    except ImportError:
        pass
    try:
        import msgspec

        libs[f"msgspec {msgspec.__version__}"] = (msgspec.json.decode, msgspec.json.encode)
    except ImportError:
        pass
    return libs


def run_floor(src: Path, dst: Path, loads: Callable[[bytes], Any], dumps: Callable[[Any], bytes]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for line in fin:
            if line.strip():
                fout.write(dumps(loads(line)) + b"\n")
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="LLM-call spans in the input (default 20 000)")
    parser.add_argument("--per-line", type=int, default=100, help="spans per OTLP JSON line (default 100)")
    parser.add_argument("--distinct", type=int, default=25, help="distinct calls per scenario before replication")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--content", choices=["on", "off", "both"], default="both", help="content capture of the spans")
    parser.add_argument("--quick", action="store_true", help="2 000 records, 2 runs")
    parser.add_argument("--cpu", type=int, help="the CPU to pin to (default: the last one allowed)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the input files here and keep them")
    args = parser.parse_args()
    if args.quick:
        args.records, args.runs = 2_000, 2
    warnings.filterwarnings("ignore", message=r"The model .* is deprecated", category=DeprecationWarning)
    allowed = sorted(os.sched_getaffinity(0))
    cpu = args.cpu if args.cpu is not None else allowed[-1]
    os.sched_setaffinity(0, {cpu})
    libs = floors()
    captures = {"on": [True], "off": [False], "both": [False, True]}[args.content]
    rows = []
    t_start = time.perf_counter()
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="convert-bench-") as tmp:
        d = Path(tmp)
        keep = args.keep or d
        keep.mkdir(parents=True, exist_ok=True)
        for capture in captures:
            spans = make_spans(args.distinct, capture)
            src = keep / f"spans-content-{'on' if capture else 'off'}.jsonl"
            size = write_input(src, spans, args.records, args.per_line)
            small = d / "small.jsonl"
            write_input(small, spans, min(200, args.records), args.per_line)
            run_converter(small, d / "small.out")  # warm-up: imports, price tables
            out = d / "records.jsonl"
            conv: list[float] = []
            flo: dict[str, list[float]] = {name: [] for name in libs}
            for _ in range(args.runs):
                conv.append(run_converter(src, out))
                for name, (loads, dumps) in libs.items():
                    flo[name].append(run_floor(src, d / "floor.jsonl", loads, dumps))
            with open(out, encoding="utf-8") as fh:
                lines = fh.readlines()
            assert len(lines) == args.records, f"{len(lines)} records for {args.records} spans"
            first = json.loads(lines[0])
            assert first.get("response_cost") and first.get("model"), first
            out_size = out.stat().st_size
            rows.append({"capture": capture, "size": size, "out_size": out_size, "conv": conv, "floors": flo})
            best = min(statistics.median(v) for v in flo.values())
            print(f"  content={'on ' if capture else 'off'} input {size / 1e6:.1f} MB -> {out_size / 1e6:.1f} MB: "
                  f"convert {args.records / statistics.median(conv):,.0f} records/s, floor "
                  f"{args.records / best:,.0f} records/s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t_start

    def rate(times: list[float]) -> str:
        med = args.records / statistics.median(times)
        return f"{med:,.0f} ({args.records / max(times):,.0f} – {args.records / min(times):,.0f})"

    names = list(libs)
    lines_out = [
        "# otel-llmlog converter throughput",
        "",
        f"`python bench/convert_bench.py {' '.join(sys.argv[1:])}`".replace(" `", "`") + f" - pinned to CPU {cpu} of "
        f"{os.cpu_count()} ({run.cpu_model()}), {platform.python_implementation()} {platform.python_version()}; "
        f"otel-llmlog {version('otel-llmlog')}, pydantic {version('pydantic')}, genai-prices {version('genai-prices')}, "
        f"protobuf {version('protobuf')}; otel-llmlog source {run.source_state()}. JSON libraries here: "
        f"{', '.join(names)}. Load average at start / end: "
        f"{load_start} / {' '.join(f'{x:.2f}' for x in os.getloadavg())}. Run time {elapsed:.0f} s.",
        "",
        f"{args.records:,} LLM-call spans ({args.distinct} distinct calls of each of the 4 scenarios, replicated with "
        f"fresh ids), {args.per_line} spans per OTLP JSON line. Records per second, median of {args.runs} runs "
        "(range); converter = `otel_llmlog.tools.cli.main([\"convert\", IN, \"-o\", OUT])` end to end (one payload JSON "
        "line per call); floor = read each line, parse, serialize compactly, write.",
        "",
        "| content | input MB | output MB | converter records/s | "
        + " | ".join(f"floor: {n} records/s" for n in names) + " | converter / fastest floor |",
        "|---|--:|--:|--:|" + "--:|" * len(names) + "--:|",
    ]
    for r in rows:
        best = min(statistics.median(v) for v in r["floors"].values())
        lines_out.append(
            f"| {'on' if r['capture'] else 'off'} | {r['size'] / 1e6:.1f} | {r['out_size'] / 1e6:.1f} | {rate(r['conv'])} | "
            + " | ".join(rate(r["floors"][n]) for n in names)
            + f" | {best / statistics.median(r['conv']):.3f} (1/{statistics.median(r['conv']) / best:.1f}) |")
    text = "\n".join(lines_out) + "\n"
    print(text)
    run.OUT.mkdir(exist_ok=True)
    (run.OUT / "convert.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
