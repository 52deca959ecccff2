#!/usr/bin/env python
"""Overhead and memory benchmark of otel-llmlog on the real ``openai`` and ``anthropic`` SDKs, and
the same harness for the peer instrumentations.

    python bench/run.py [--quick]                  # ours: overhead, floor, memory
    python bench/run.py --peers [--quick]          # ours, then every peer in its own venv, one table
    python bench/run.py --arm openllmetry --json-out x.json   # one arm, in the running interpreter

Not part of the test suite. The real SDK clients talk to an in-process ``httpx2.MockTransport``
(no sockets, no event loop) that answers every request with a body built once, as bytes, from
the recorded fixtures in ``src/otel_llmlog/testing/recordings``. Four scenarios:

* ``openai chat``       - ``chat.completions.create``, non-streamed, prompt-cache hit usage
* ``openai stream``     - the same, ``stream=True``: 50 content chunks, a usage chunk, ``[DONE]``
* ``anthropic msg``     - ``messages.create``, non-streamed, 1 h cache-write usage
* ``anthropic stream``  - ``message_start``, ``content_block_start``, 50 ``text_delta`` events,
  ``content_block_stop``, ``message_delta``, ``message_stop``

An *arm* is one instrumentation (``bench/peers/arms.py``): ours, or a peer. Each scenario runs
uninstrumented and instrumented by the arm in the same process, interleaved in blocks (the arm's
``instrument()`` before and ``uninstrument()`` after every instrumented block, the order of the
pair alternating block by block, one untimed warm-up call per block). Every call is timed on its
own and a block counts by its median; the table shows the median over blocks of each arm, the
median of the per-block paired differences (the overhead) and its interquartile range, the same
overhead from block means (which keeps GC pauses in), and the ratio of the medians. This is
repeated for content capture off/on and for a ``SimpleSpanProcessor`` and a ``BatchSpanProcessor``,
each feeding an exporter that discards spans (it only counts them: our arm must give exactly one
span per call, a peer's spans per call are reported). Metrics go to a ``MeterProvider`` with one
``PeriodicExportingMetricReader`` (60 s interval, the SDK default) and an exporter that discards
its data, so every measurement is aggregated as in production.

``--peers`` runs our arm in this process, then each peer's environment (``.venv-peers/<peer>``,
made by ``bench/peers/setup``) on this same script in a subprocess (``--arm <peer> --json-out``),
one after the other, so no two instrumentations ever share a process; each measures its own
baseline against itself. The results (JSON, in ``bench/out/arm-<name>.json``) are merged into one
table. A peer that cannot be imported or run gets a row "does not run: <reason>".

Checks, per arm (``SimpleSpanProcessor`` into an in-memory exporter): spans per call, with their
attributes and events; no span while uninstrumented (the harness also puts back any patch an
arm's ``uninstrument()`` leaves behind, and reports it: a still-wrapped method would otherwise turn
the baseline blocks into instrumented ones and double-wrap on the next ``instrument()``); and the
two streamed scenarios abandoned after five chunks, dropped (``break``, then the stream is
released) or closed (``break``, ``close()``): how many spans were ended per abandoned stream.

The anthropic SDK traces its own calls when it can get a tracer (a globally registered tracer
provider, or one given to the client); the harness never registers one and checks that the
global provider is still OpenTelemetry's proxy at the end, so neither arm pays for SDK spans.

The batch processor's queue is flushed after every instrumented block, outside the timed window:
its rows are the cost in the calling thread (enqueueing the span). Without that, a benchmark
loop that never waits on I/O starves the processor's worker thread of the GIL (it wakes up to
~0.6 s after being signalled), the 2 048-span queue fills and the SDK drops spans ("Queue full,
dropping Span") - an OpenTelemetry SDK / CPython effect of CPU-bound producers, not of this
package, and the reason the memory runs use the simple processor.

The floor (our arm only) is one bare OTel span with the same processor: ``start_span`` with the
five attributes our span starts with, ``set_attributes`` with the rest of the exact attributes our
span ends with (taken from a sample span of the scenario), ``end``.

Memory (our arm only): RSS (``VmRSS``) and ``len(gc.get_objects())`` after a warm-up, half-way,
and at the end of 20 000 instrumented calls per scenario (500 with ``--quick``), plus the two
streamed scenarios abandoned after five chunks. Growth in the second half should be ~0.

Results are printed as Markdown and written to ``bench/out/results.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any

import anthropic
import httpx2
import openai
from opentelemetry import trace
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
from peers.arms import ARMS, PEERS, Arm

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "src" / "otel_llmlog" / "testing" / "recordings"
OUT = Path(__file__).resolve().parent / "out"
API_KEY = "sk-bench-0123456789abcdefghijklmnopqrstuv"
CHUNKS = 50
# the first five attributes of our span (otel_llmlog.facts.semconv), for the floor; literal so that a
# peer's process never imports otel_llmlog
FLOOR_START_ATTRS = ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "server.address",
                     "server.port")


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
    abandon: Callable[[], Any] | None = None  # break after five chunks, then drop the stream
    abandon_close: Callable[[], Any] | None = None  # break after five chunks, then close() it
    provider: str = ""
    samples: dict[bool, dict[str, Any]] = field(default_factory=dict)  # capture -> sample span (ours)


_EXTRA_BODY = ("temperature", "top_p", "top_k")


def _five(stream: Any, close: bool) -> None:
    for i, _ in enumerate(stream):
        if i == 4:
            break
    if close:
        stream.close()


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
        _five(os_.chat.completions.create(**oreq, stream=True, stream_options={"include_usage": True}), False)

    def openai_abandon_close() -> None:
        _five(os_.chat.completions.create(**oreq, stream=True, stream_options={"include_usage": True}), True)

    def anthropic_msg() -> Any:
        return ac.messages.create(**areq)

    def anthropic_stream() -> int:
        n = 0
        for _ in as_.messages.create(**areq, stream=True):
            n += 1
        return n

    def anthropic_abandon() -> None:
        _five(as_.messages.create(**areq, stream=True), False)

    def anthropic_abandon_close() -> None:
        _five(as_.messages.create(**areq, stream=True), True)

    return [
        Scenario("openai chat", openai_chat, provider="openai"),
        Scenario("openai stream", openai_stream, openai_abandon, openai_abandon_close, provider="openai"),
        Scenario("anthropic msg", anthropic_msg, provider="anthropic"),
        Scenario("anthropic stream", anthropic_stream, anthropic_abandon, anthropic_abandon_close, provider="anthropic"),
    ]


# --------------------------------------------------------------------------- arms: patch guard


_MISSING = object()
_GUARDED = ("openai", "anthropic", "httpx2")


def _is_wrapt(value: Any) -> bool:
    return type(value).__module__.split(".", 1)[0] == "wrapt"


def _patch_like(key: str, value: Any) -> bool:
    """What a patch puts in place: a function or method wrapper - not a submodule or a class imported on
    the way, a warning registry, nor pydantic completing a model's schema lazily."""
    if key.startswith("__pydantic") or key in ("__signature__", "__warningregistry__"):
        return False
    kind = type(value)  # never isinstance(): it reads __class__, which the SDKs' lazy proxies resolve (importing)
    if issubclass(kind, (ModuleType, type)):
        return False
    return _is_wrapt(value) or callable(value) or issubclass(kind, (classmethod, staticmethod, property))


def _owners() -> Iterable[tuple[str, Any]]:
    """Every module of the SDKs, and every class defined in one (once, under its first name): what an
    instrumentation patches."""
    seen: set[int] = set()
    for modname, mod in list(sys.modules.items()):
        if mod is None or modname.split(".", 1)[0] not in _GUARDED:
            continue
        yield modname, mod
        for k, v in list(vars(mod).items()):
            if issubclass(type(v), type) and v.__module__ == modname and id(v) not in seen:
                seen.add(id(v))
                yield f"{modname}.{k}", v


def _inherited(owner: Any, key: str) -> Any:
    if not isinstance(owner, type):
        return _MISSING
    return next((vars(base)[key] for base in owner.__mro__[1:] if key in vars(base)), _MISSING)


def _snapshot() -> dict[str, tuple[Any, dict[str, Any]]]:
    return {name: (owner, dict(vars(owner))) for name, owner in _owners()}


class PatchGuard:
    """Makes ``uninstrument()`` leave the SDKs as they were, and says when it had to.

    Before the arm's first ``instrument()`` the SDKs' modules and classes are snapshotted, and again
    right after it: what changed is what the arm patches. After every ``uninstrument()`` each such
    attribute is put back to its original if it is not already (the arm's own uninstrument is
    still called first, so its bookkeeping runs); what had to be put back is reported.
    """

    def __init__(self) -> None:
        self.patched: list[tuple[str, Any, str, Any]] = []  # (owner name, owner, attribute, original)
        self.leftovers: Counter[str] = Counter()

    def first_instrument(self, instrument: Callable[[], None]) -> None:
        before = _snapshot()
        instrument()
        for name, (owner, attrs) in _snapshot().items():
            old = before.get(name)
            for key, value in attrs.items():
                if not _patch_like(key, value):
                    continue
                if old is not None:
                    orig = old[1].get(key, _MISSING)
                    if value is not orig:
                        self.patched.append((name, owner, key, orig))
                elif _is_wrapt(value):  # a module imported by instrument() itself
                    self.patched.append((name, owner, key, value.__wrapped__))

    def restore(self) -> None:
        for name, owner, key, orig in self.patched:
            current = vars(owner).get(key, _MISSING)
            if current is orig:
                continue
            # an inherited method put back as the class's own attribute is the same method: not a leftover
            if not (orig is _MISSING and current is _inherited(owner, key)):
                self.leftovers[f"{name}.{key}"] += 1
            if orig is _MISSING:
                delattr(owner, key)
            else:
                setattr(owner, key, orig)


class Switch:
    """An arm, switched on and off with the guard; ``covers`` tells which scenarios it instruments."""

    def __init__(self, arm: Arm) -> None:
        self.arm = arm
        self.guard = PatchGuard()
        self._first = True

    def covers(self, s: Scenario) -> bool:
        return s.provider in self.arm.providers

    def on(self, tp: TracerProvider, mp: MeterProvider, capture: bool) -> None:
        if self._first:
            self._first = False
            self.guard.first_instrument(lambda: self.arm.instrument(tp, mp, capture))
        else:
            self.arm.instrument(tp, mp, capture)

    def off(self) -> None:
        try:
            self.arm.uninstrument()
        finally:
            self.guard.restore()


# --------------------------------------------------------------------------- checks


@dataclass
class Check:
    """One scenario, one content setting: what the arm's spans look like."""

    scenario: str
    capture: bool
    spans_per_call: float
    spans: list[dict[str, Any]]  # of one call: name, scope, attributes, events
    uninstrumented_spans: int
    abandoned: dict[str, float] = field(default_factory=dict)  # dropped / closed -> spans ended per stream


def run_checks(sw: Switch, scenarios: list[Scenario], captures: Iterable[bool], k: int = 5, k_abandon: int = 20) -> list[Check]:
    out: list[Check] = []
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    mp = MeterProvider()
    for capture in captures:
        for s in scenarios:
            if not sw.covers(s):
                continue
            sw.on(tp, mp, capture)
            try:
                s.call()
                exporter.clear()
                for _ in range(k):
                    s.call()
                spans = exporter.get_finished_spans()
                per_call = len(spans) / k
                one = [{"name": x.name, "scope": x.instrumentation_scope.name if x.instrumentation_scope else None,
                        "attributes": dict(x.attributes or {}), "events": len(x.events)}
                       for x in spans[: max(1, round(per_call))]] if spans else []
                abandoned: dict[str, float] = {}
                for label, fn in (("dropped", s.abandon), ("closed", s.abandon_close)):
                    if fn is None:
                        continue
                    exporter.clear()
                    for _ in range(k_abandon):
                        fn()
                    gc.collect()
                    abandoned[label] = len(exporter.get_finished_spans()) / k_abandon
            finally:
                sw.off()
            exporter.clear()
            s.call()
            out.append(Check(s.name, capture, per_call, one, len(exporter.get_finished_spans()), abandoned))
            if sw.arm.strict_one_span:
                assert per_call == 1 and out[-1].uninstrumented_spans == 0, (s.name, per_call)
                attrs = one[0]["attributes"]
                assert "gen_ai.usage.input_tokens" in attrs and "gen_ai.usage.cost.amount" in attrs, (s.name, attrs)
                assert ("gen_ai.output.messages" in attrs) == capture, (s.name, capture)
                s.samples[capture] = {"name": one[0]["name"], "attributes": attrs}
    tp.shutdown()
    return out


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
    spans_per_call: float
    attrs: int | None = None
    floor_us: float | None = None

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


def time_overhead(s: Scenario, tel: Telemetry, capture: bool, blocks: int, n: int,
                  sw: Switch) -> tuple[float, float, list[float], float, float]:
    """Per block and arm: median and mean µs per call. Returns the median over blocks of each arm's
    block medians, the per-block paired differences of the medians, the median of the paired
    differences of the block means (which keeps GC pauses and other rare slow calls in), and the
    spans exported per instrumented call."""
    base: list[float] = []
    inst: list[float] = []
    diffs: list[float] = []
    mean_diffs: list[float] = []
    spans = 0
    calls = 0
    for b in range(blocks):
        got: dict[bool, tuple[float, float]] = {}
        gc.collect()
        for instrumented in ((False, True) if b % 2 == 0 else (True, False)):
            before = tel.exporter.count
            if instrumented:
                sw.on(tel.tp, tel.mp, capture)
            try:
                s.call()  # warm-up: a fresh instrument() has a cold price cache
                got[instrumented] = _timed(s.call, n)
            finally:
                if instrumented:
                    sw.off()
                # BatchSpanProcessor: empty the queue outside the timed window (see the docstring)
                tel.tp.force_flush()
            produced = tel.exporter.count - before
            if instrumented:
                spans += produced
                calls += n + 1
            else:
                assert produced == 0, f"{s.name}/{tel.label}: {produced} spans from an uninstrumented block"
        base.append(got[False][0])
        inst.append(got[True][0])
        diffs.append(got[True][0] - got[False][0])
        mean_diffs.append(got[True][1] - got[False][1])
    if sw.arm.strict_one_span:
        assert spans == calls, f"{s.name}/{tel.label}: {spans} spans for {calls} instrumented calls"
    return statistics.median(base), statistics.median(inst), diffs, statistics.median(mean_diffs), spans / calls


def time_floor(s: Scenario, tel: Telemetry, capture: bool, blocks: int, n: int) -> float:
    sample = s.samples[capture]
    attrs = sample["attributes"]
    start_attrs = {k: attrs[k] for k in FLOOR_START_ATTRS if k in attrs}
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


def measure_memory(name: str, fn: Callable[[], Any], tel: Telemetry, calls: int, warmup: int, sw: Switch) -> MemRow:
    sw.on(tel.tp, tel.mp, True)
    try:
        for _ in range(warmup):
            fn()

        def settle() -> tuple[int, int]:
            gc.collect()
            tel.tp.force_flush()
            tel.mp.force_flush()  # records the queued measurements, as a collection would
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
        sw.off()
    return MemRow(name, calls, rss0, rss1 - rss0, rss2 - rss1, obj0, obj1 - obj0, obj2 - obj1, spans)


# --------------------------------------------------------------------------- one arm


BASE_PACKAGES = ("openai", "anthropic", "httpx2", "opentelemetry-api", "opentelemetry-sdk", "wrapt", "pydantic")


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def source_state() -> str:
    """The otel-llmlog source measured: commit, and the files of ``src/`` that differ from it (a helper
    agent or a developer may be changing them while the benchmark runs), with a digest of ``src/``."""
    import hashlib

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.rstrip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    digest = hashlib.sha1()
    for path in sorted((ROOT / "src").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown commit"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines()]
    return f"{commit}" + (f" + uncommitted changes to {', '.join(dirty)}" if dirty else "") + f" (src sha1 {digest.hexdigest()[:10]})"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def config(quick: bool) -> dict[str, Any]:
    return {
        "quick": quick,
        "blocks": 10 if quick else 40,
        "n_plain": 10 if quick else 50,
        "n_stream": 3 if quick else 15,
        "n_floor": 100 if quick else 250,
        "mem_calls": 500 if quick else 20_000,
        "mem_warmup": 50 if quick else 1_000,
    }


def run_arm(name: str, cfg: dict[str, Any], processors: list[str], captures: list[bool], memory: bool) -> dict[str, Any]:
    """Measures one arm in this process; returns its results as plain data (what ``--json-out`` writes)."""
    t_start = time.perf_counter()
    arm = ARMS[name]()
    result: dict[str, Any] = {
        "arm": name, "title": arm.title, "status": "ok", "python": sys.executable,
        "versions": {p: _version(p) for p in BASE_PACKAGES + arm.packages},
        "content_switch": arm.content_switch, "providers": sorted(arm.providers), "source": source_state(),
        "cfg": {**cfg, "processors": processors, "captures": captures, "load_start": _load()},
        "rows": [], "checks": [], "leftovers": {}, "mem": [],
    }
    result["python_version"] = f"{platform.python_implementation()} {platform.python_version()}"
    try:
        arm.load()
    except Exception as exc:  # noqa: BLE001 - reported, not raised: the table says why
        result["status"] = f"does not run: {exc}"
        print(f"[{name}] {result['status']}", file=sys.stderr, flush=True)
        return result
    sw = Switch(arm)
    scenarios = build_scenarios(build_bodies())
    for s in scenarios:  # uninstrumented warm-up: lazily imported SDK modules load before the patch snapshot
        s.call()
    try:
        checks = run_checks(sw, scenarios, captures)
    except Exception as exc:  # noqa: BLE001
        if arm.strict_one_span:
            raise
        result["status"] = f"does not run: {type(exc).__name__}: {exc}"
        print(f"[{name}] {result['status']}", file=sys.stderr, flush=True)
        return result
    for c in checks:
        d = asdict(c)
        d["spans"] = [{**sp, "attributes": len(sp["attributes"]), "attribute_keys": sorted(sp["attributes"])}
                      for sp in c.spans]
        result["checks"].append(d)
        print(f"  [{name}] check {c.scenario:17} content={'on ' if c.capture else 'off'} spans/call "
              f"{c.spans_per_call:g}  attrs {[sp['attributes'] for sp in d['spans']]}  events "
              f"{[sp['events'] for sp in d['spans']]}  abandoned {c.abandoned}", file=sys.stderr, flush=True)
    covered = [s for s in scenarios if sw.covers(s)]
    for kind in processors:
        tel = make_telemetry(kind)
        for capture in captures:
            for s in covered:
                n = cfg["n_stream"] if "stream" in s.name else cfg["n_plain"]
                base, inst, diffs, mean_over, per_call = time_overhead(s, tel, capture, cfg["blocks"], n, sw)
                q1, med, q3 = _quartiles(diffs)
                row = Row(s.name, kind, capture, base, inst, med, q1, q3, mean_over, per_call)
                if s.samples:
                    row.attrs = len(s.samples[capture]["attributes"])
                    row.floor_us = time_floor(s, tel, capture, cfg["blocks"], cfg["n_floor"])
                result["rows"].append(asdict(row))
                print(f"  [{name}] {s.name:17} {kind:6} content={'on ' if capture else 'off'} base {base:8.1f} µs  "
                      f"inst {inst:8.1f} µs  overhead {med:6.1f} µs ({q1:.0f}-{q3:.0f})"
                      + (f"  floor {row.floor_us:5.1f} µs" if row.floor_us else "")
                      + ("" if per_call == 1 else f"  spans/call {per_call:g}"), file=sys.stderr, flush=True)
        tel.tp.shutdown()
        tel.mp.shutdown()

    if memory:
        tel = make_telemetry("simple")  # see the docstring: a starved batch worker drops spans
        runs: list[tuple[str, Callable[[], Any]]] = [(s.name, s.call) for s in covered]
        runs += [(f"{s.name} (abandoned)", s.abandon) for s in covered if s.abandon is not None]
        for label, fn in runs:
            m = measure_memory(label, fn, tel, cfg["mem_calls"], cfg["mem_warmup"], sw)
            result["mem"].append(asdict(m))
            print(f"  [{name}] memory {label:29} rss Δ {m.rss_d1:+6d} / {m.rss_d2:+6d} KiB  objects Δ "
                  f"{m.obj_d1:+6d} / {m.obj_d2:+6d}  spans {m.spans}", file=sys.stderr, flush=True)
            if arm.strict_one_span:
                assert m.spans == m.calls, f"{label}: {m.spans} spans for {m.calls} calls"
        tel.tp.shutdown()
        tel.mp.shutdown()

    result["leftovers"] = dict(sw.guard.leftovers)
    result["patched"] = sorted({f"{owner}.{key}" for owner, _, key, _ in sw.guard.patched})
    result["global_tracer_provider"] = type(trace.get_tracer_provider()).__name__
    result["anthropic_open_telemetry_env"] = os.environ.get("ANTHROPIC_OPEN_TELEMETRY")
    assert result["global_tracer_provider"] == "ProxyTracerProvider", (
        f"{name} registered a global tracer provider: the anthropic SDK would trace its own calls")
    result["cfg"]["load_end"] = _load()
    result["elapsed_s"] = time.perf_counter() - t_start
    return result


# --------------------------------------------------------------------------- report


ARM_ORDER = ("ours",) + PEERS
SCENARIO_ORDER = ("openai chat", "openai stream", "anthropic msg", "anthropic stream")


def _fmt(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def _times(x: float, floor: float | None) -> str:
    return f"{x / floor:.1f}×" if floor else ""


def _rowkey(r: dict[str, Any]) -> tuple[str, str, bool]:
    return (r["scenario"], r["processor"], r["capture"])


def _timing_conditions(cfg: dict[str, Any]) -> str:
    return (f"{cfg['blocks']} blocks per arm, {cfg['n_plain']} calls per block for non-streamed and "
            f"{cfg['n_stream']} for streamed scenarios, each call timed on its own (floor: {cfg['n_floor']} spans per "
            "block). baseline / instrumented = median over blocks of the block's median µs per call; overhead = median "
            "of the per-block paired differences (instrumented − baseline), IQR = their interquartile range; "
            "overhead (means) = the same from block means, so it keeps GC pauses and other rare slow calls. "
            "Spans go to a discarding exporter (batch: flushed after each block, outside the timed window, so its rows "
            "are the caller-thread cost); metrics to one PeriodicExportingMetricReader (60 s) with a discarding "
            "exporter. Floor = one bare span (start_span with 5 attributes + set_attributes with the rest of the same "
            "attributes + end) with the same processor.")


def render_detail(res: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | processor | content | baseline µs | instrumented µs | overhead µs | overhead IQR | overhead (means) µs | ratio | spans / call | span attrs | floor µs | overhead / floor |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in res["rows"]:
        floor = r.get("floor_us")
        lines.append(
            f"| {r['scenario']} | {r['processor']} | {'on' if r['capture'] else 'off'} | {r['base_us']:.1f} | "
            f"{r['inst_us']:.1f} | {r['over_us']:.1f} | {r['over_q1']:.1f} – {r['over_q3']:.1f} | "
            f"{r['over_mean_us']:.1f} | {r['inst_us'] / r['base_us']:.3f} | {r['spans_per_call']:g} | "
            f"{r['attrs'] if r.get('attrs') is not None else ''} | {_fmt(floor)} | "
            f"{_times(r['over_us'], floor)} |")
    return lines


def render_memory(mem: list[dict[str, Any]], cfg: dict[str, Any]) -> list[str]:
    lines = [
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
            f"| {r['scenario']} | {r['calls']} | {r['spans']} | {r['rss0']} | {r['rss_d1']:+d} | {r['rss_d2']:+d} | "
            f"{r['obj0']} | {r['obj_d1']:+d} | {r['obj_d2']:+d} |")
    return lines


def render_single(res: dict[str, Any], command: str) -> str:
    cfg = res["cfg"]
    lines = [
        f"# {res['title']} overhead benchmark",
        "",
        f"`{command}` - {os.cpu_count()} CPUs ({cpu_model()}), {res['python_version']}; "
        + ", ".join(f"{k} {v}" for k, v in res["versions"].items())
        + f"; otel-llmlog source {res.get('source', '?')}. Total run time {res.get('elapsed_s', 0):.0f} s. "
          "Load average at start / end: "
          f"{cfg['load_start']} / {cfg.get('load_end', '?')}.",
        "",
        "Timing: " + _timing_conditions(cfg),
        "",
        *render_detail(res),
        "",
        *render_checks([res]),
    ]
    if res["mem"]:
        lines += ["", *render_memory(res["mem"], cfg)]
    return "\n".join(lines) + "\n"


def render_checks(results: list[dict[str, Any]]) -> list[str]:
    """Spans per call (content on), attributes / events of those spans, and abandoned streams."""
    lines = [
        "Spans per call (content off / on: attributes and events of each span of one call), spans of a call made "
        "after `uninstrument()`, and spans ended per stream abandoned after five chunks (dropped: `break`, then "
        "released; closed: `break`, then `close()`); 20 abandoned streams each, `gc.collect()` before counting.",
        "",
        "| arm | scenario | spans / call | span: attrs off / on, events on | spans after uninstrument | abandoned, dropped: spans ended / stream | abandoned, closed: spans ended / stream |",
        "|---|---|--:|---|--:|--:|--:|",
    ]
    for res in results:
        if res["status"] != "ok":
            lines.append(f"| {res['title']} | all | {res['status']} | | | | |")
            continue
        by = {(c["scenario"], c["capture"]): c for c in res["checks"]}
        for scen in SCENARIO_ORDER:
            on, off = by.get((scen, True)), by.get((scen, False))
            c = on or off
            if c is None:
                lines.append(f"| {res['title']} | {scen} | n/a (does not instrument {scen.split()[0]}) | | | | |")
                continue
            spans_on = on["spans"] if on else []
            spans_off = off["spans"] if off else []
            desc = "; ".join(
                f"`{sp['name']}` {spans_off[i]['attributes'] if i < len(spans_off) else '?'} / {sp['attributes']}, "
                f"{sp['events']} events" for i, sp in enumerate(spans_on or spans_off)) or "none"
            ab = c["abandoned"]
            lines.append(
                f"| {res['title']} | {scen} | {c['spans_per_call']:g} | {desc} | "
                f"{max(x['uninstrumented_spans'] for x in (on, off) if x)} | {_fmt(ab.get('dropped'), 2)} | "
                f"{_fmt(ab.get('closed'), 2)} |")
    return lines


def render_merged(results: list[dict[str, Any]], command: str, elapsed: float) -> str:
    by_arm = {r["arm"]: r for r in results}
    ours = by_arm["ours"]
    peers = [by_arm[a] for a in ARM_ORDER[1:] if a in by_arm]
    cfg = ours["cfg"]
    lines = [
        "# otel-llmlog beside the peer instrumentations",
        "",
        f"`{command}` - {os.cpu_count()} CPUs ({cpu_model()}), {ours['python_version']}. Total run time "
        f"{elapsed:.0f} s. otel-llmlog source: {ours.get('source', '?')}. Each arm ran in its own process and "
        "environment, measuring its own uninstrumented baseline interleaved with itself; the overheads are the "
        "per-block paired medians of each process.",
        "",
        "Timing: " + _timing_conditions(cfg),
        "",
        "| arm | environment | status | content switch | versions | load avg start / end | run time s |",
        "|---|---|---|---|---|---|--:|",
    ]
    for res in results:
        env = Path(res["python"]).parent.parent.name
        lines.append(
            f"| {res['title']} | `{env}` | {res['status']} | {res['content_switch']} | "
            + ", ".join(f"{k} {v}" for k, v in res["versions"].items())
            + f" | {res['cfg']['load_start']} / {res['cfg'].get('load_end', '')} | {res.get('elapsed_s', 0):.0f} |")
    head = ["scenario", "processor", "content", "baseline µs (ours' process)", "ours µs"]
    head += [f"{p['title']} µs" for p in peers] + ["fastest peer", "ours / fastest peer", "floor µs", "ours / floor"]
    lines += [
        "",
        "Overhead per call, µs (median of the per-block paired differences; IQRs in the per-arm tables below). "
        "n/a: the peer does not instrument that SDK; † : not one span per call (see the spans table).",
        "",
        "| " + " | ".join(head) + " |",
        "|---|---|---|" + "--:|" * (len(head) - 3),
    ]
    peer_rows = {p["arm"]: {_rowkey(r): r for r in p["rows"]} for p in peers}
    for r in ours["rows"]:
        key = _rowkey(r)
        cells = []
        best: tuple[float, str] | None = None
        for p in peers:
            pr = peer_rows[p["arm"]].get(key)
            if p["status"] != "ok":
                cells.append("does not run")
            elif pr is None:
                cells.append("n/a" if r["scenario"].split()[0] not in p["providers"] else "not measured")
            else:
                mark = "" if pr["spans_per_call"] == 1 else " †"
                cells.append(f"{pr['over_us']:.1f}{mark}")
                if best is None or pr["over_us"] < best[0]:
                    best = (pr["over_us"], p["title"])
        floor = r.get("floor_us")
        lines.append(
            f"| {r['scenario']} | {r['processor']} | {'on' if r['capture'] else 'off'} | {r['base_us']:.1f} | "
            f"{r['over_us']:.1f} | " + " | ".join(cells) + " | "
            + (f"{best[1]} | {r['over_us'] / best[0]:.3f}" if best else " | ")
            + f" | {_fmt(floor)} | {_times(r['over_us'], floor)} |")
    lines += ["", *render_checks(results)]
    notes = []
    for res in results:
        if res.get("leftovers"):
            items = ", ".join(f"`{k}`" for k in sorted(res["leftovers"]))
            notes.append(f"* {res['title']}: `uninstrument()` left {items} patched; the harness put the originals "
                         "back after every uninstrument (otherwise the baseline blocks would be instrumented and the "
                         "next `instrument()` would wrap twice).")
    if notes:
        lines += ["", *notes]
    for res in results:
        if res["status"] != "ok":
            continue
        lines += ["", f"### {res['title']} (`{Path(res['python']).parent.parent.name}`)", "", *render_detail(res)]
    if ours["mem"]:
        lines += ["", "### Memory (ours)", "", *render_memory(ours["mem"], cfg)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def _peer_python(peer: str) -> Path:
    return ROOT / ".venv-peers" / peer / "bin" / "python"


def run_peer(peer: str, args: argparse.Namespace) -> dict[str, Any]:
    out = OUT / f"arm-{peer}.json"
    out.unlink(missing_ok=True)
    py = _peer_python(peer)
    title = ARMS[peer].title
    failed = {"arm": peer, "title": title, "python": str(py), "versions": {}, "content_switch": ARMS[peer].content_switch,
              "providers": sorted(ARMS[peer].providers), "cfg": {"load_start": _load()}, "rows": [], "checks": [],
              "mem": [], "leftovers": {}, "python_version": ""}
    if not py.exists():
        return {**failed, "status": f"does not run: no environment at {py.parent.parent} (run bench/peers/setup {peer})"}
    cmd = [str(py), str(Path(__file__).resolve()), "--arm", peer, "--json-out", str(out),
           "--processors", ",".join(args.processors), "--content", ",".join(args.content)]
    if args.quick:
        cmd.append("--quick")
    print(f"[{peer}] {' '.join(cmd)}", file=sys.stderr, flush=True)
    last = ""
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:  # progress as it comes; the last line is the reason if it fails
            sys.stderr.write(line)
            last = line.strip() or last
    if proc.returncode != 0 or not out.exists():
        return {**failed, "status": f"does not run: {last or f'exit {proc.returncode}'}"}
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer blocks and calls per block, 500 calls per memory run (~1.5 min with --peers)")
    parser.add_argument("--arm", default="ours", choices=sorted(ARMS), help="the arm to measure in this process")
    parser.add_argument("--peers", nargs="?", const=",".join(PEERS), default=None, metavar="PEER,...",
                        help=f"after ours, run these peers ({', '.join(PEERS)}: default all) in their venvs, merge")
    parser.add_argument("--processors", default="simple,batch", help="simple,batch (default both)")
    parser.add_argument("--content", default="off,on", help="content capture settings: off,on (default both)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs (ours)")
    parser.add_argument("--json-out", type=Path, help="also write this arm's results as JSON here")
    parser.add_argument("--merge", nargs="+", type=Path, metavar="JSON", help="only merge arm-*.json files into a table")
    args = parser.parse_args()
    args.processors = [p for p in args.processors.split(",") if p]
    args.content = [c for c in args.content.split(",") if c]
    assert set(args.processors) <= {"simple", "batch"} and set(args.content) <= {"off", "on"}, "bad --processors/--content"
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    # the fixtures' Claude model is on the SDK's deprecation list; it warns on every call (both arms)
    warnings.filterwarnings("ignore", message=r"The model .* is deprecated", category=DeprecationWarning)
    OUT.mkdir(exist_ok=True)

    if args.merge:
        results = [json.loads(p.read_text()) for p in args.merge]
        results.sort(key=lambda r: ARM_ORDER.index(r["arm"]))
        text = render_merged(results, command, sum(r.get("elapsed_s", 0) for r in results))
        print(text)
        (OUT / "results.md").write_text(text, encoding="utf-8")
        return

    if os.getloadavg()[0] > 0.5:
        print(f"note: load average {_load()} - other processes share the CPUs; expect noisier numbers", file=sys.stderr)
    t_start = time.perf_counter()
    cfg = config(args.quick)
    captures = [c == "on" for c in args.content]
    memory = args.arm == "ours" and not args.no_memory
    res = run_arm(args.arm, cfg, args.processors, captures, memory)
    if args.json_out:
        args.json_out.write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    if args.arm == "ours" and res["status"] != "ok":
        sys.exit(f"ours: {res['status']}")
    if not args.peers:
        if args.arm == "ours" or not args.json_out:
            text = render_single(res, command)
            print(text)
            if args.arm == "ours":
                (OUT / "results.md").write_text(text, encoding="utf-8")
        return
    (OUT / "arm-ours.json").write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    results = [res]
    for peer in args.peers.split(","):
        assert peer in PEERS, f"unknown peer {peer!r}: {', '.join(PEERS)}"
        results.append(run_peer(peer, args))
    text = render_merged(results, command, time.perf_counter() - t_start)
    print(text)
    (OUT / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
