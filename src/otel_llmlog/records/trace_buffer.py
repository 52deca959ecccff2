"""The one per-trace buffer: spans held by trace until their calls can be converted together.

A call's record needs the guardrail and vector-store spans the attachment rule
(``docs/attachment.md``) gives it, and those are siblings that may end (and arrive) before or
after the call. So spans are held by trace and let go when one of these applies, first match wins:

1. **root**: the trace's local root has arrived and ``settle`` went by without another span of
   it (children end, and are exported, before their parent; the margin catches the ones that
   outlive it). The whole trace goes;
2. **idle**: no span of the trace for ``window`` (its root is in another service's file, or lost).
   The whole trace goes;
3. **caps**: more than ``max_traces`` traces or ``max_spans`` spans are held: the least recently
   seen trace goes first, whole, until both fit (memory stays bounded whatever the input);
4. **grace**: a call span has been held ``call_grace`` since it arrived: its record is due, and
   the trace stays held for its later calls.

Time is whatever ``clock`` counts: the JSON-log exporter gives ``time.monotonic`` (seconds;
``settle=0``: a trace goes with the batch that brought its root; ``call_grace``: its grace time;
no ``window``); the file converter gives none, and time is the number of spans put (a trace goes
``settle`` spans after its root, or ``window`` spans after its last span). A span that arrives
after its trace went starts the trace afresh. Not thread-safe: the exporter holds its lock.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass, field

from ..facts.pricing import PriceBook
from .calls import CallView, is_llm_call, trace_views
from .spans import SpanData

__all__ = ["Release", "TraceBuffer"]


@dataclass(slots=True, eq=False)
class _Held:
    """The spans of one trace held, and its calls not released yet."""

    trace_id: str
    spans: dict[str, SpanData] = field(default_factory=dict)  # by span id: a span read twice is held once
    last_seen: float = 0
    rooted: bool = False
    unreleased: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Release:
    """What the buffer lets go of: everything held of a trace, and the calls whose records are due."""

    trace_id: str
    spans: list[SpanData]
    #: span ids of the call spans due now (a call goes once, whole trace or grace)
    calls: frozenset[str]
    #: the trace is forgotten (rules 1 to 3); False: calls due by grace, the trace stays held
    whole: bool


class TraceBuffer:
    """Groups a stream of spans by trace (see the module docstring for when a trace goes).

    Two ways in and out. :meth:`add` / :meth:`drain` - spans in, the :class:`~.calls.CallView` s
    of the traces that went out - for ``otel-llmlog convert``. :meth:`put` / :meth:`take_due` /
    :meth:`take_all` give the :class:`Release` s instead, for a caller that converts them itself
    (the exporter, which falls back to one call at a time when a trace does not convert).
    """

    def __init__(
        self,
        prices: PriceBook | None = None,
        *,
        window: float | None = 20_000,
        settle: float = 1_000,
        max_spans: int | None = 50_000,
        max_traces: int | None = None,
        call_grace: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.prices = prices or PriceBook()
        self.window, self.settle, self.call_grace = window, settle, call_grace
        self.max_spans, self.max_traces = max_spans, max_traces
        self._clock = clock
        self._traces: dict[str, _Held] = {}  # least recently seen first
        self._rooted: dict[str, _Held] = {}  # the same order, traces whose root arrived only
        self._new_calls: list[tuple[_Held, str]] = []  # calls put since the last take_due
        # (due time, trace, call span id) in arrival order; the grace is constant, so sorted
        self._deadlines: collections.deque[tuple[float, _Held, str]] = collections.deque()
        self._seen = 0
        self._held = 0

    @property
    def held(self) -> int:
        """Spans currently buffered."""
        return self._held

    @property
    def traces(self) -> int:
        """Traces currently buffered."""
        return len(self._traces)

    @property
    def next_deadline(self) -> float | None:
        """When the next call falls due by grace (in ``clock`` time), if any is waiting."""
        return self._deadlines[0][0] if self._deadlines else None

    def now(self) -> float:
        """The buffer's time: ``clock()``, or the number of spans put."""
        return self._clock() if self._clock is not None else self._seen

    # -- spans in, call views out (the file converter) --

    def add(self, span: SpanData) -> list[CallView]:
        """:meth:`put` the span, then the calls of every trace now due, in start order per trace."""
        self.put(span)
        return [view for release in self.take_due() for view in self.views(release)]

    def drain(self) -> list[CallView]:
        """The calls of everything still held (the end of the input), in start order."""
        views = [view for release in self.take_all() for view in self.views(release)]
        views.sort(key=lambda v: (v.span.start_ns, v.span.span_id))
        return views

    def views(self, release: Release) -> list[CallView]:
        """The call views of a release's due calls, converted with every span held of their trace."""
        return [view for view in trace_views(release.spans, self.prices) if view.span.span_id in release.calls]

    # -- spans in, releases out --

    def put(self, span: SpanData, *, root: bool | None = None, call: bool | None = None) -> None:
        """Hold ``span``. ``root``: it is its trace's local root (default: it has no parent);
        ``call``: it is an LLM call span (default: :func:`~.calls.is_llm_call`)."""
        self._seen += 1
        trace_id = span.trace_id
        held = self._traces.pop(trace_id, None) or _Held(trace_id)
        if span.span_id not in held.spans:
            self._held += 1
        held.spans[span.span_id] = span
        held.last_seen = self.now()
        self._traces[trace_id] = held  # re-inserted: now the most recently seen
        if held.rooted or (root if root is not None else not span.parent_span_id):
            held.rooted = True
            self._rooted.pop(trace_id, None)
            self._rooted[trace_id] = held
        if call if call is not None else is_llm_call(span):
            held.unreleased.add(span.span_id)
            if self.call_grace is not None:
                self._new_calls.append((held, span.span_id))

    def take_due(self, now: float | None = None) -> list[Release]:
        """Let go of what is due at ``now`` (default: :meth:`now`), by the rules in their order."""
        now = self.now() if now is None else now
        out: list[Release] = []
        while self._rooted:
            trace_id, held = next(iter(self._rooted.items()))
            if now - held.last_seen < self.settle:
                break
            out.append(self._release(trace_id))
        while self.window is not None and self._traces:
            trace_id, held = next(iter(self._traces.items()))
            if now - held.last_seen < self.window:
                break
            out.append(self._release(trace_id))
        while self._traces and (
            (self.max_traces is not None and len(self._traces) > self.max_traces)
            or (self.max_spans is not None and self._held > self.max_spans)
        ):
            out.append(self._release(next(iter(self._traces))))
        if self.call_grace is not None:
            out.extend(self._take_by_grace(now))
        return out

    def take_all(self) -> list[Release]:
        """Let go of every trace held, least recently seen first."""
        out = [self._release(trace_id) for trace_id in list(self._traces)]
        self._new_calls.clear()
        self._deadlines.clear()
        return out

    def _release(self, trace_id: str) -> Release:
        held = self._traces.pop(trace_id)
        self._rooted.pop(trace_id, None)
        self._held -= len(held.spans)
        release = Release(trace_id, list(held.spans.values()), frozenset(held.unreleased), whole=True)
        held.spans.clear()  # deadlines may still point at it until their time comes
        held.unreleased.clear()
        return release

    def _current(self, held: _Held, span_id: str) -> bool:
        """Whether the call is still held and unreleased (its trace did not go since)."""
        return self._traces.get(held.trace_id) is held and span_id in held.unreleased

    def _take_by_grace(self, now: float) -> list[Release]:
        assert self.call_grace is not None
        for held, span_id in self._new_calls:  # a call that went with its trace gets no deadline
            if self._current(held, span_id):
                self._deadlines.append((now + self.call_grace, held, span_id))
        self._new_calls.clear()
        due: dict[int, tuple[_Held, set[str]]] = {}
        while self._deadlines and self._deadlines[0][0] <= now:
            _, held, span_id = self._deadlines.popleft()
            if self._current(held, span_id):
                due.setdefault(id(held), (held, set()))[1].add(span_id)
        out = []
        for held, ids in due.values():
            held.unreleased -= ids
            out.append(Release(held.trace_id, list(held.spans.values()), frozenset(ids), whole=False))
        return out
