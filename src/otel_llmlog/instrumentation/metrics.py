"""The GenAI client metrics: their instruments, and the queue that records them off the calling thread.

:class:`Instruments` are created once per ``instrument()``; a call hands its measurements to
:func:`record_metrics` when it ends. Recording one measurement through the OpenTelemetry metrics
SDK costs 8 to 10 µs (exemplar filter, attribute-set key, aggregation lock); a call makes four or
five of them, which was the largest single part of what this package added to a call. So a call
only appends one small tuple to a queue (:func:`defer`), and the measurements reach the real
instruments later, in this order of preference:

* **at collection:** every ``instrument()`` registers one observable instrument whose callback
  drains the queue into the synchronous instruments. The SDK runs observable callbacks before
  it collects synchronous storage, so every export (periodic, ``force_flush``, shutdown,
  ``InMemoryMetricReader.get_metrics_data``) includes every call that ended before it - the same
  guarantee as recording in place. The callback returns no observations, so that instrument
  never appears in any export;
* **when the queue grows long** (:data:`DRAIN_AT` calls, e.g. a reader that collects once a
  minute under heavy load, or no SDK reader at all), a daemon thread drains it, not the caller;
* **at ``uninstrument()``**, whatever is left is recorded.

What changes for the data: a measurement's timestamp and its exemplar's time are the moment it
was recorded, not the moment the call ended (aggregated values are unchanged, and delta
temporality still puts every call into the collection that follows it). Exemplars keep their
link: each entry carries the call's trace and span id, and that span (when sampled) is the
exemplar's trace, where recording in place saw whatever span was current when the call ended.

The queue is one per process, shared by every ``instrument()``: each entry names its own
instruments, so a callback of any meter provider records every pending entry into the provider
it belongs to. ``collections.deque`` appends and pops are atomic, so any number of threads may
append while one or more drain.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from opentelemetry import trace
from opentelemetry.metrics import CallbackOptions, NoOpHistogram, Observation
from opentelemetry.trace import INVALID_SPAN, NonRecordingSpan, SpanContext, TraceFlags

from ..facts import semconv as sc
from .call_facts import CallFacts

logger = logging.getLogger(__name__)

#: pending entries above which the background thread is woken to drain the queue
DRAIN_AT = 4096
#: a last resort for a drain thread that cannot keep up (it competes for the GIL with the threads
#: making calls): past this, each call records two pending entries itself, as it would have recorded
#: its own without the queue, so the backlog shrinks and memory stays bounded (about 200 bytes per
#: entry) without ever making one call pay for the whole backlog
HARD_LIMIT = 2 * DRAIN_AT

#: the observable instrument whose callback drains the queue; it never reports an observation,
#: so it is never exported
DRAIN_INSTRUMENT = "llmlog.internal.drain"

#: (instruments, dimensions, duration ns, time to first chunk ns | None, input tokens | None,
#: output tokens | None, cost | None, trace id, span id) per ended call; the ids are 0 when the
#: call's span was not sampled (the ids, not the span context object: half the memory per entry)
_PENDING: deque[tuple[Any, ...]] = deque()

#: a context whose span is invalid: "no exemplar" for calls whose span was not sampled, where
#: passing no context would make the SDK use whatever span is current where the drain runs
_NO_SPAN = trace.set_span_in_context(INVALID_SPAN)
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)


# --- the instruments, and what a call hands them ---

#: bucket boundaries the GenAI conventions advise: the SDK defaults (0, 5, 10, ... 10000) would put
#: every call under five seconds, and every token count under five, in one bucket
SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]


class Instruments:
    """The GenAI client instruments plus a cost counter, created once per ``instrument()``.

    Calls do not record into them directly: :func:`record_metrics` queues (``active`` is False
    when they are no-op instruments, and then nothing is queued at all).
    """

    def __init__(self, meter: Any) -> None:
        def histogram(name: str, unit: str, buckets: list[float] | list[int]) -> Any:
            return meter.create_histogram(
                name, unit=unit, description=sc.METRICS[name][2], explicit_bucket_boundaries_advisory=buckets
            )

        self.duration = histogram(sc.METRIC_OPERATION_DURATION, "s", SECONDS_BUCKETS)
        self.ttfc = histogram(sc.METRIC_TIME_TO_FIRST_CHUNK, "s", SECONDS_BUCKETS)
        self.tokens = histogram(sc.METRIC_TOKEN_USAGE, "{token}", TOKEN_BUCKETS)
        self.cost = meter.create_counter(sc.METRIC_COST, unit="USD", description=sc.METRICS[sc.METRIC_COST][2])
        self.active = register(meter, self.duration)


def record_metrics(inst: Instruments | None, facts: CallFacts, cost: float | None, span_context: Any = None) -> None:
    """Queue the call's measurements (duration, time to first chunk, tokens, cost) into ``inst``.

    ``span_context`` (of the call's span) links the measurements' exemplars to the call.
    """
    if inst is None or not inst.active:
        return
    if span_context is not None and span_context.trace_flags.sampled:
        trace_id, span_id = span_context.trace_id, span_context.span_id
    else:
        trace_id = span_id = 0
    dims = dimensions((facts.operation, facts.provider, facts.request_model, facts.server_address, facts.server_port,
                       facts.response_model, facts.error_type))
    start = facts.start_ns
    first = facts.first_chunk_ns
    u = facts.usage
    defer((inst, dims, (facts.end_ns or start) - start, None if first is None else first - start,
           u.input_tokens, u.output_tokens, cost, trace_id, span_id))


# --- the queue ---


def defer(entry: tuple[Any, ...]) -> None:
    """Queue one call's measurements; the only metrics work on the calling thread."""
    pending = _PENDING
    pending.append(entry)
    if len(pending) > DRAIN_AT:
        _overflow(len(pending))


class _Drainer:
    """The daemon thread that drains a long queue; started on first need (and again after a fork)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def signal(self) -> None:
        if self.wake.is_set():
            return
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="otel-llmlog-metrics", daemon=True)
                self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            drain()
            self.wake.clear()
            if len(_PENDING) > DRAIN_AT:  # filled again while draining
                self.wake.set()

    def after_fork(self) -> None:
        """In a forked child: the parent's thread is gone, and its queue is the parent's to record."""
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread = None
        _PENDING.clear()


_DRAINER = _Drainer()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_DRAINER.after_fork)


def _overflow(size: int) -> None:
    try:
        _DRAINER.signal()
        if size > HARD_LIMIT:
            drain(2)
    except Exception:  # noqa: BLE001 - never let instrumentation reach the caller
        logger.debug("otel-llmlog: failed to hand metrics to the drain thread", exc_info=True)


def drain(limit: int | None = None) -> None:
    """Record pending entries (all, or at most ``limit``) into their instruments; any thread, any number at once."""
    pop = _PENDING.popleft
    left = -1 if limit is None else limit
    while left:
        left -= 1
        try:
            entry = pop()
        except IndexError:
            return
        try:
            _record(*entry)
        except Exception:  # noqa: BLE001 - one bad entry must not cost the others
            logger.debug("otel-llmlog: failed to record metrics", exc_info=True)


def _record(
    inst: Any,
    dims: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
    duration_ns: int,
    ttfc_ns: int | None,
    input_tokens: int | None,
    output_tokens: int | None,
    cost: float | None,
    trace_id: int,
    span_id: int,
) -> None:
    call_dims, input_dims, output_dims = dims
    if span_id:
        ctx = trace.set_span_in_context(NonRecordingSpan(SpanContext(trace_id, span_id, False, _SAMPLED)))
    else:
        ctx = _NO_SPAN
    inst.duration.record(duration_ns / 1e9, call_dims, context=ctx)
    if ttfc_ns is not None:
        inst.ttfc.record(ttfc_ns / 1e9, call_dims, context=ctx)
    if input_tokens is not None:
        inst.tokens.record(input_tokens, input_dims, context=ctx)
    if output_tokens is not None:
        inst.tokens.record(output_tokens, output_dims, context=ctx)
    if cost is not None:
        inst.cost.add(cost, call_dims, context=ctx)


def collect_callback(options: CallbackOptions) -> Iterable[Observation]:
    """The drain instrument's callback: runs at every collection, before synchronous storage is read."""
    drain()
    return ()


def register(meter: Any, histogram: Any) -> bool:
    """Register the drain instrument on ``meter``; False when its instruments record nothing anyway.

    ``histogram`` is one of the synchronous instruments just created: a no-op one (a
    ``NoOpMeterProvider``, or the SDK disabled) means there is nothing to queue at all.
    """
    if isinstance(histogram, NoOpHistogram):
        return False
    meter.create_observable_up_down_counter(
        DRAIN_INSTRUMENT, callbacks=[collect_callback], unit="1",
        description="Not a metric: its callback records otel-llmlog's queued measurements before each collection.",
    )
    return True


# --- dimensions, built once per distinct call identity ---

_DIMENSIONS: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}


def dimensions(key: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(call, input-token, output-token) attribute dicts for ``key``, shared by every call with that key.

    ``key`` is (operation, provider, request model, server address, server port, response model,
    error type). The dicts are handed to the SDK, which keeps them as data-point attributes; they
    are never changed after they are built.
    """
    found = _DIMENSIONS.get(key)
    if found is None:
        operation, provider, request_model, address, port, response_model, error_type = key
        dims: dict[str, Any] = {sc.OPERATION_NAME: operation, sc.PROVIDER_NAME: provider}
        if request_model:
            dims[sc.REQUEST_MODEL] = request_model
        if address:
            dims[sc.SERVER_ADDRESS] = address
        if port:
            dims[sc.SERVER_PORT] = port
        if response_model:
            dims[sc.RESPONSE_MODEL] = response_model
        if error_type:
            dims[sc.ERROR_TYPE] = error_type
        if len(_DIMENSIONS) >= 1024:  # many distinct models / error types: start over rather than grow
            _DIMENSIONS.clear()
        found = _DIMENSIONS[key] = (dims, {**dims, sc.TOKEN_TYPE: "input"}, {**dims, sc.TOKEN_TYPE: "output"})
    return found
