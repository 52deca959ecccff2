#!/usr/bin/env python
"""Overhead and memory benchmark of otel-llmlog on the real ``openai`` and ``anthropic`` SDKs.

    python bench/run.py [--quick]

Not part of the test suite. The real SDK clients talk to an in-process ``httpx2.MockTransport``
(no sockets, no event loop) that answers every request with a body built once, as bytes, from
the recorded fixtures in ``tests/fixtures``. Four scenarios:

* ``openai chat``       - ``chat.completions.create``, non-streamed, prompt-cache hit usage
* ``openai stream``     - the same, ``stream=True``: 50 content chunks, a usage chunk, ``[DONE]``
* ``anthropic msg``     - ``messages.create``, non-streamed, 1 h cache-write usage
* ``anthropic stream``  - ``message_start``, ``content_block_start``, 50 ``text_delta`` events,
  ``content_block_stop``, ``message_delta``, ``message_stop``

Each scenario runs uninstrumented and instrumented in the same process, interleaved in blocks
(``instrument()`` before and ``uninstrument()`` after every instrumented block, the order of the
pair alternating block by block, one untimed warm-up call per block). Every call is timed on its
own and a block counts by its median; the table shows the median over blocks of each arm, the
median of the per-block paired differences (the overhead) and its interquartile range, the same
overhead from block means (which keeps GC pauses in), and the ratio of the medians. This is
repeated for content capture
off/on and for a ``SimpleSpanProcessor`` and a ``BatchSpanProcessor``, each feeding an exporter
that discards spans (it only counts them, which is how the benchmark checks that every call
produced exactly one span). Metrics go to a ``MeterProvider`` with one
``PeriodicExportingMetricReader`` (60 s interval, the SDK default) and an exporter that discards
its data, so every measurement is aggregated as in production.

The batch processor's queue is flushed after every instrumented block, outside the timed window:
its rows are the cost in the calling thread (enqueueing the span). Without that, a benchmark
loop that never waits on I/O starves the processor's worker thread of the GIL (it wakes up to
~0.6 s after being signalled), the 2 048-span queue fills and the SDK drops spans ("Queue full,
dropping Span") - an OpenTelemetry SDK / CPython effect of CPU-bound producers, not of this
package, and the reason the memory runs use the simple processor.

The floor is one bare OTel span with the same processor: ``start_span`` with the five attributes
our span starts with, ``set_attributes`` with the rest of the exact attributes our span ends
with (taken from a sample span of the scenario), ``end``.

Memory: RSS (``VmRSS``) and ``len(gc.get_objects())`` after a warm-up, half-way, and at the end
of 20 000 instrumented calls per scenario (2 000 with ``--quick``), plus the two streamed
scenarios abandoned after five chunks (``break``, then the stream is dropped). Growth in the
second half should be ~0.

Results are printed as Markdown and written to ``bench/out/results.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import otel_llmlog
from otel_llmlog import semconv as sc

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUT = Path(__file__).resolve().parent / "out"
API_KEY = "sk-bench-0123456789abcdefghijklmnopqrstuv"
CHUNKS = 50


# --------------------------------------------------------------------------- exporters


class DiscardSpanExporter(SpanExporter):
    """Drops every span; only counts them so the benchmark can check one span per call."""

    def __init__(self) -> None:
        self.count = 0

    def export(self, spans: Any) -> SpanExportResult:
        self.count += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


class DiscardMetricExporter(MetricExporter):
    def export(self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        pass


# --------------------------------------------------------------------------- bodies


def _case(provider: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    base = FIXTURES / provider / name
    return json.loads((base / "request.json").read_text()), json.loads((base / "response.json").read_text())


def _split(text: str, n: int) -> list[str]:
    """``text`` in ``n`` consecutive pieces (on word boundaries where possible), joined back exactly."""
    words = text.split(" ")
    words = [w + " " for w in words[:-1]] + [words[-1]]
    while len(words) < n:  # split the longest piece until there are enough
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        words[i : i + 1] = [w[: len(w) // 2], w[len(w) // 2 :]]
    per = len(words) / n
    return ["".join(words[round(i * per) : round((i + 1) * per)]) for i in range(n)]


def _sse(events: list[tuple[str | None, str]]) -> bytes:
    out = []
    for event, data in events:
        out.append((f"event: {event}\n" if event else "") + f"data: {data}\n\n")
    return "".join(out).encode()


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _headers(recorded: dict[str, str], content_type: str) -> list[tuple[bytes, bytes]]:
    h = {k: v for k, v in recorded.items() if k != "content-type"}
    h["content-type"] = content_type
    return [(k.encode(), v.encode()) for k, v in h.items()]


@dataclass
class Bodies:
    openai_request: dict[str, Any]
    openai_json: bytes
    openai_sse: bytes
    openai_headers: list[tuple[bytes, bytes]]
    openai_sse_headers: list[tuple[bytes, bytes]]
    anthropic_request: dict[str, Any]
    anthropic_json: bytes
    anthropic_sse: bytes
    anthropic_headers: list[tuple[bytes, bytes]]
    anthropic_sse_headers: list[tuple[bytes, bytes]]


def build_bodies() -> Bodies:
    # OpenAI: chat_completion_prompt_cache_hit as recorded; the stream re-cuts its answer into
    # 50 chunks in the shape of chat_completion_streaming_include_usage, usage chunk included.
    o_req, o_resp = _case("openai", "chat_completion_prompt_cache_hit")
    _, o_sresp = _case("openai", "chat_completion_streaming_include_usage")
    body = o_resp["body"]
    text = body["choices"][0]["message"]["content"]
    head = {k: body[k] for k in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"
    events: list[tuple[str | None, str]] = []
    for i, piece in enumerate(_split(text, CHUNKS)):
        delta = {"role": "assistant", "content": piece, "refusal": None} if i == 0 else {"content": piece}
        last = i == CHUNKS - 1
        events.append((None, _compact({**head, "service_tier": "default", "choices": [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": "length" if last else None}], "usage": None})))
    events.append((None, _compact({**head, "service_tier": "default", "choices": [], "usage": body["usage"]})))
    events.append((None, "[DONE]"))
    openai_sse = _sse(events)

    # Anthropic: messages_prompt_cache_write_1h as recorded; the stream re-cuts its answer into
    # 50 text deltas in the event shapes of messages_streaming, with the same usage.
    a_req, a_resp = _case("anthropic", "messages_prompt_cache_write_1h")
    _, a_sresp = _case("anthropic", "messages_streaming")
    msg = a_resp["body"]
    text = msg["content"][0]["text"]
    start = {**msg, "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": {**msg["usage"], "output_tokens": 1}}
    events = [("message_start", _compact({"type": "message_start", "message": start})),
              ("content_block_start", _compact({"type": "content_block_start", "index": 0,
                                                "content_block": {"type": "text", "text": ""}}))]
    for piece in _split(text, CHUNKS):
        events.append(("content_block_delta", _compact({"type": "content_block_delta", "index": 0,
                                                        "delta": {"type": "text_delta", "text": piece}})))
    events.append(("content_block_stop", _compact({"type": "content_block_stop", "index": 0})))
    u = msg["usage"]
    events.append(("message_delta", _compact({"type": "message_delta", "delta": {"stop_reason": msg["stop_reason"],
                   "stop_sequence": None}, "usage": {k: u[k] for k in ("input_tokens", "cache_creation_input_tokens",
                                                                       "cache_read_input_tokens", "output_tokens")}})))
    events.append(("message_stop", _compact({"type": "message_stop"})))
    anthropic_sse = _sse(events)

    return Bodies(
        openai_request=o_req["body"],
        openai_json=_compact(body).encode(),
        openai_sse=openai_sse,
        openai_headers=_headers(o_resp["headers"], "application/json"),
        openai_sse_headers=_headers(o_sresp["headers"], "text/event-stream; charset=utf-8"),
        anthropic_request=a_req["body"],
        anthropic_json=_compact(msg).encode(),
        anthropic_sse=anthropic_sse,
        anthropic_headers=_headers(a_resp["headers"], "application/json"),
        anthropic_sse_headers=_headers(a_sresp["headers"], "text/event-stream; charset=utf-8"),
    )


# --------------------------------------------------------------------------- scenarios


def _client(cls: type, base_url: str, content: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers=headers, content=content)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return cls(api_key=API_KEY, base_url=base_url, http_client=http, max_retries=0)


@dataclass
class Scenario:
    name: str
    call: Callable[[], Any]
    abandon: Callable[[], Any] | None = None
    samples: dict[bool, dict[str, Any]] = field(default_factory=dict)  # capture -> sample span


_EXTRA_BODY = ("temperature", "top_p", "top_k")


def build_scenarios(b: Bodies) -> list[Scenario]:
    oc = _client(openai.OpenAI, "http://bench.local/v1", b.openai_json, b.openai_headers)
    os_ = _client(openai.OpenAI, "http://bench.local/v1", b.openai_sse, b.openai_sse_headers)
    ac = _client(anthropic.Anthropic, "http://bench.local", b.anthropic_json, b.anthropic_headers)
    as_ = _client(anthropic.Anthropic, "http://bench.local", b.anthropic_sse, b.anthropic_sse_headers)
    oreq = b.openai_request
    # this anthropic SDK has no sampling keywords on ``messages.create``: they go in ``extra_body``
    areq = {k: v for k, v in b.anthropic_request.items() if k not in _EXTRA_BODY}
    extra = {k: v for k, v in b.anthropic_request.items() if k in _EXTRA_BODY}
    if extra:
        areq["extra_body"] = extra

    def openai_chat() -> Any:
        return oc.chat.completions.create(**oreq)

    def openai_stream() -> int:
        n = 0
        for _ in os_.chat.completions.create(**oreq, stream=True, stream_options={"include_usage": True}):
            n += 1
        return n

    def openai_abandon() -> None:
        stream = os_.chat.completions.create(**oreq, stream=True, stream_options={"include_usage": True})
        for i, _ in enumerate(stream):
            if i == 4:
                break
        del stream

    def anthropic_msg() -> Any:
        return ac.messages.create(**areq)

    def anthropic_stream() -> int:
        n = 0
        for _ in as_.messages.create(**areq, stream=True):
            n += 1
        return n

    def anthropic_abandon() -> None:
        stream = as_.messages.create(**areq, stream=True)
        for i, _ in enumerate(stream):
            if i == 4:
                break
        del stream

    return [
        Scenario("openai chat", openai_chat),
        Scenario("openai stream", openai_stream, openai_abandon),
        Scenario("anthropic msg", anthropic_msg),
        Scenario("anthropic stream", anthropic_stream, anthropic_abandon),
    ]


def take_samples(scenarios: list[Scenario]) -> None:
    """One instrumented call per scenario and capture setting, kept for the floor and for checks."""
    for capture in (False, True):
        exporter = InMemorySpanExporter()
        tp = TracerProvider()
        tp.add_span_processor(SimpleSpanProcessor(exporter))
        otel_llmlog.instrument(tracer_provider=tp, meter_provider=MeterProvider(), capture_content=capture)
        try:
            for s in scenarios:
                exporter.clear()
                s.call()
                spans = exporter.get_finished_spans()
                assert len(spans) == 1, (s.name, len(spans))
                span = spans[0]
                attrs = dict(span.attributes or {})
                assert sc.USAGE_INPUT_TOKENS in attrs and sc.USAGE_COST_AMOUNT in attrs, (s.name, attrs)
                assert (sc.OUTPUT_MESSAGES in attrs) == capture, (s.name, capture)
                s.samples[capture] = {"name": span.name, "attributes": attrs}
        finally:
            otel_llmlog.uninstrument()
            tp.shutdown()


# --------------------------------------------------------------------------- timing


@dataclass
class Telemetry:
    label: str
    tp: TracerProvider
    exporter: DiscardSpanExporter
    mp: MeterProvider


def make_telemetry(kind: str) -> Telemetry:
    exporter = DiscardSpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter) if kind == "simple" else BatchSpanProcessor(exporter))
    reader = PeriodicExportingMetricReader(DiscardMetricExporter(), export_interval_millis=60_000)
    return Telemetry(kind, tp, exporter, MeterProvider(metric_readers=[reader]))


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[1], q[2]


@dataclass
class Row:
    scenario: str
    processor: str
    capture: bool
    base_us: float
    inst_us: float
    over_us: float
    over_q1: float
    over_q3: float
    over_mean_us: float
    attrs: int
    floor_us: float

    @property
    def ratio(self) -> float:
        return self.inst_us / self.base_us


def _timed(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """(median, mean) µs of ``n`` calls of ``fn``, each timed on its own."""
    clock = time.perf_counter_ns
    times = []
    for _ in range(n):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times) / 1000, sum(times) / n / 1000


def time_overhead(s: Scenario, tel: Telemetry, capture: bool, blocks: int, n: int) -> tuple[float, float, list[float], float]:
    """Per block and arm: median and mean µs per call. Returns the median over blocks of each arm's
    block medians, the per-block paired differences of the medians, and the median of the
    paired differences of the block means (which keeps GC pauses and other rare slow calls in)."""
    base: list[float] = []
    inst: list[float] = []
    diffs: list[float] = []
    mean_diffs: list[float] = []
    spans_before = tel.exporter.count
    expected = 0
    for b in range(blocks):
        got: dict[bool, tuple[float, float]] = {}
        gc.collect()
        for instrumented in ((False, True) if b % 2 == 0 else (True, False)):
            if instrumented:
                otel_llmlog.instrument(tracer_provider=tel.tp, meter_provider=tel.mp, capture_content=capture)
                expected += n + 1
            try:
                s.call()  # warm-up: a fresh instrument() has a cold price cache
                got[instrumented] = _timed(s.call, n)
            finally:
                if instrumented:
                    otel_llmlog.uninstrument()
                    # BatchSpanProcessor: empty the queue outside the timed window (see the docstring)
                    tel.tp.force_flush()
        base.append(got[False][0])
        inst.append(got[True][0])
        diffs.append(got[True][0] - got[False][0])
        mean_diffs.append(got[True][1] - got[False][1])
    tel.tp.force_flush()
    produced = tel.exporter.count - spans_before
    assert produced == expected, f"{s.name}/{tel.label}: {produced} spans for {expected} instrumented calls"
    return statistics.median(base), statistics.median(inst), diffs, statistics.median(mean_diffs)


def time_floor(s: Scenario, tel: Telemetry, capture: bool, blocks: int, n: int) -> float:
    sample = s.samples[capture]
    attrs = sample["attributes"]
    first = (sc.OPERATION_NAME, sc.PROVIDER_NAME, sc.REQUEST_MODEL, sc.SERVER_ADDRESS, sc.SERVER_PORT)
    start_attrs = {k: attrs[k] for k in first if k in attrs}
    rest = {k: v for k, v in attrs.items() if k not in start_attrs}
    tracer = tel.tp.get_tracer("bench.floor")
    name = sample["name"]

    def one_span() -> None:
        span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=start_attrs)
        span.set_attributes(rest)
        span.end()

    per: list[float] = []
    for _ in range(blocks):
        per.append(_timed(one_span, n)[0])
        tel.tp.force_flush()
    return statistics.median(per)


# --------------------------------------------------------------------------- memory


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


@dataclass
class MemRow:
    scenario: str
    calls: int
    rss0: int
    rss_d1: int
    rss_d2: int
    obj0: int
    obj_d1: int
    obj_d2: int
    spans: int


def measure_memory(name: str, fn: Callable[[], Any], tel: Telemetry, calls: int, warmup: int) -> MemRow:
    otel_llmlog.instrument(tracer_provider=tel.tp, meter_provider=tel.mp, capture_content=True)
    try:
        for _ in range(warmup):
            fn()

        def settle() -> tuple[int, int]:
            gc.collect()
            tel.tp.force_flush()
            gc.collect()
            return rss_kib(), len(gc.get_objects())

        rss0, obj0 = settle()
        spans0 = tel.exporter.count
        half = calls // 2
        for _ in range(half):
            fn()
        rss1, obj1 = settle()
        for _ in range(calls - half):
            fn()
        rss2, obj2 = settle()
        spans = tel.exporter.count - spans0
    finally:
        otel_llmlog.uninstrument()
    return MemRow(name, calls, rss0, rss1 - rss0, rss2 - rss1, obj0, obj1 - obj0, obj2 - obj1, spans)


# --------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": ", ".join(f"{p} {version(p)}" for p in
                              ("otel-llmlog", "openai", "anthropic", "httpx2", "opentelemetry-sdk", "wrapt", "pydantic")),
    }


def render(rows: list[Row], mem: list[MemRow], cfg: dict[str, Any], elapsed: float) -> str:
    m = machine()
    lines = [
        "# otel-llmlog overhead benchmark",
        "",
        f"`python bench/run.py{' --quick' if cfg['quick'] else ''}` - {m['nproc']} CPUs ({m['cpu']}), {m['python']}; "
        f"{m['versions']}. Total run time {elapsed:.0f} s.",
        "",
        f"Timing: {cfg['blocks']} blocks per arm, {cfg['n_plain']} calls per block for non-streamed and "
        f"{cfg['n_stream']} for streamed scenarios, each call timed on its own (floor: {cfg['n_floor']} spans per "
        "block). baseline / instrumented = median over blocks of the block's median µs per call; overhead = median "
        "of the per-block paired differences (instrumented − baseline), IQR = their interquartile range; "
        "overhead (means) = the same from block means, so it keeps GC pauses and other rare slow calls. "
        "Spans go to a discarding exporter (batch: flushed after each block, outside the timed window, so its rows "
        "are the caller-thread cost); metrics to one PeriodicExportingMetricReader (60 s) with a discarding exporter. "
        "Floor = one bare span (start_span with 5 attributes + set_attributes with the rest of the same attributes "
        f"+ end) with the same processor. Load average at start / end: {cfg['load_start']} / {cfg['load_end']}.",
        "",
        "| scenario | processor | content | baseline µs | instrumented µs | overhead µs | overhead IQR | overhead (means) µs | ratio | span attrs | floor µs | overhead / floor |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.scenario} | {r.processor} | {'on' if r.capture else 'off'} | {r.base_us:.1f} | {r.inst_us:.1f} | "
            f"{r.over_us:.1f} | {r.over_q1:.1f} – {r.over_q3:.1f} | {r.over_mean_us:.1f} | {r.ratio:.3f} | {r.attrs} | {r.floor_us:.1f} | "
            f"{r.over_us / r.floor_us:.1f}× |"
        )
    lines += [
        "",
        f"Memory: instrumented, content capture on, SimpleSpanProcessor, one metric reader, `gc.collect()` before "
        f"each reading, after {cfg['mem_warmup']} warm-up calls. Δ = growth over each half of the run; "
        "'abandoned' streams are left after five chunks (`break`, then the stream is dropped); 'spans ended' "
        "counts the spans exported during the measured calls.",
        "",
        "| scenario | calls | spans ended | RSS start KiB | RSS Δ 1st half KiB | RSS Δ 2nd half KiB | objects start | objects Δ 1st half | objects Δ 2nd half |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in mem:
        lines.append(
            f"| {r.scenario} | {r.calls} | {r.spans} | {r.rss0} | {r.rss_d1:+d} | {r.rss_d2:+d} | {r.obj0} | "
            f"{r.obj_d1:+d} | {r.obj_d2:+d} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls per block, 2 000 calls per memory run")
    args = parser.parse_args()
    # the fixtures' Claude model is on the SDK's deprecation list; it warns on every call (both arms)
    warnings.filterwarnings("ignore", message=r"The model .* is deprecated", category=DeprecationWarning)
    cfg = {
        "quick": args.quick,
        "blocks": 20 if args.quick else 40,
        "n_plain": 20 if args.quick else 50,
        "n_stream": 5 if args.quick else 15,
        "n_floor": 100 if args.quick else 250,
        "mem_calls": 2_000 if args.quick else 20_000,
        "mem_warmup": 200 if args.quick else 1_000,
    }
    t_start = time.perf_counter()
    cfg["load_start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if os.getloadavg()[0] > 0.5:
        print(f"note: load average {cfg['load_start']} - other processes share the CPUs; expect noisier numbers",
              file=sys.stderr)
    scenarios = build_scenarios(build_bodies())
    take_samples(scenarios)
    rows: list[Row] = []
    for kind in ("simple", "batch"):
        tel = make_telemetry(kind)
        for capture in (False, True):
            for s in scenarios:
                n = cfg["n_stream"] if "stream" in s.name else cfg["n_plain"]
                base, inst, diffs, mean_over = time_overhead(s, tel, capture, cfg["blocks"], n)
                q1, med, q3 = _quartiles(diffs)
                floor = time_floor(s, tel, capture, cfg["blocks"], cfg["n_floor"])
                row = Row(s.name, kind, capture, base, inst, med, q1, q3, mean_over,
                          len(s.samples[capture]["attributes"]), floor)
                rows.append(row)
                print(f"  {s.name:17} {kind:6} content={'on ' if capture else 'off'} base {base:8.1f} µs  "
                      f"inst {inst:8.1f} µs  overhead {med:6.1f} µs  floor {floor:5.1f} µs", file=sys.stderr, flush=True)
        tel.tp.shutdown()
        tel.mp.shutdown()

    tel = make_telemetry("simple")  # see the memory note in render(): a starved batch worker drops spans
    mem: list[MemRow] = []
    runs: list[tuple[str, Callable[[], Any]]] = []
    for s in scenarios:
        runs.append((s.name, s.call))
    for s in scenarios:
        if s.abandon is not None:
            runs.append((f"{s.name} (abandoned)", s.abandon))
    for name, fn in runs:
        row = measure_memory(name, fn, tel, cfg["mem_calls"], cfg["mem_warmup"])
        mem.append(row)
        print(f"  memory {name:29} rss Δ {row.rss_d1:+6d} / {row.rss_d2:+6d} KiB  objects Δ {row.obj_d1:+6d} / "
              f"{row.obj_d2:+6d}  spans {row.spans}", file=sys.stderr, flush=True)
        assert row.spans == row.calls, f"{name}: {row.spans} spans for {row.calls} calls"
    tel.tp.shutdown()
    tel.mp.shutdown()

    cfg["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = render(rows, mem, cfg, time.perf_counter() - t_start)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
