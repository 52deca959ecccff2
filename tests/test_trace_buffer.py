"""The one per-trace buffer, with the exporter's policy (a clock in seconds, a grace per call).

The converter's policy (time counted in spans) is tested through ``otel-llmlog convert`` in
``test_cli_convert.py``, and the exporter's end to end in ``test_exporters.py``; here the rules
are checked one by one on a clock the test moves.
"""

from __future__ import annotations

from otel_llmlog.records.spans import SpanData
from otel_llmlog.records.trace_buffer import Release, TraceBuffer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def span(trace: int, span_id: int, parent: int | None, *, call: bool = False) -> SpanData:
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai"} if call else {}
    return SpanData(
        trace_id=f"{trace:032x}", span_id=f"{span_id:016x}", parent_span_id=f"{parent:016x}" if parent else None,
        name="s", kind="INTERNAL", start_ns=span_id, end_ns=span_id + 1, status_code="UNSET", status_message=None,
        attributes=attrs, events=[], resource={}, scope_name=None, scope_version=None,
    )


def released(releases: list[Release]) -> list[tuple[int, list[int], bool]]:
    """(trace, due call span ids, whole) of each release, as numbers."""
    return [(int(r.trace_id, 16), sorted(int(c, 16) for c in r.calls), r.whole) for r in releases]


def exporter_buffer(clock: Clock, **caps: int) -> TraceBuffer:
    return TraceBuffer(window=None, settle=0, call_grace=30, clock=clock, max_spans=caps.get("max_spans", 100),
                       max_traces=caps.get("max_traces", 100))


def test_a_trace_goes_with_its_root_and_a_call_by_grace_only_once() -> None:
    clock = Clock()
    buffer = exporter_buffer(clock)
    buffer.put(span(1, 2, 1, call=True))  # a call under a root still open
    assert buffer.take_due() == [] and buffer.next_deadline == 1030.0
    clock.now = 1029.9
    assert buffer.take_due() == []
    clock.now = 1030.0
    (by_grace,) = buffer.take_due()
    assert released([by_grace]) == [(1, [2], False)]
    assert [s.span_id for s in by_grace.spans] == [f"{2:016x}"]
    assert buffer.held == 1 and buffer.next_deadline is None  # the trace stays for its later calls
    buffer.put(span(1, 3, 1, call=True))
    buffer.put(span(1, 4, 1))  # a sub-span: held, not a call
    buffer.put(span(1, 1, None))  # the root
    (whole,) = buffer.take_due()
    assert released([whole]) == [(1, [3], True)]  # the call written by grace is not due again
    assert len(whole.spans) == 4 and buffer.held == 0 and buffer.traces == 0
    clock.now = 1100.0
    assert buffer.take_due() == []  # call 3's deadline went with its trace


def test_a_late_child_in_the_batch_of_its_root_counts_and_a_later_one_starts_afresh() -> None:
    clock = Clock()
    buffer = exporter_buffer(clock)
    buffer.put(span(1, 1, None))
    buffer.put(span(1, 2, 1, call=True))  # same batch, after the root
    assert released(buffer.take_due()) == [(1, [2], True)]
    buffer.put(span(1, 3, 1, call=True))  # after its root went: a new group, written by grace
    assert buffer.take_due() == []
    clock.now += 30
    assert released(buffer.take_due()) == [(1, [3], False)]


def test_a_remote_parent_makes_a_local_root() -> None:
    buffer = exporter_buffer(Clock())
    buffer.put(span(1, 2, 9, call=True), root=True)
    assert released(buffer.take_due()) == [(1, [2], True)]


def test_caps_let_the_least_recently_seen_trace_go_first() -> None:
    clock = Clock()
    buffer = exporter_buffer(clock, max_traces=2, max_spans=5)
    buffer.put(span(1, 11, 1, call=True))
    buffer.put(span(2, 21, 2, call=True))
    buffer.put(span(1, 12, 1))  # trace 1 is now the more recently seen
    buffer.put(span(3, 31, 3, call=True))
    assert released(buffer.take_due()) == [(2, [21], True)]
    buffer.put(span(1, 13, 1))
    buffer.put(span(1, 14, 1))
    buffer.put(span(1, 14, 1))  # read twice: held once
    assert buffer.held == 5 and buffer.take_due() == []
    buffer.put(span(3, 32, 3))
    assert released(buffer.take_due()) == [(1, [11], True)]
    assert buffer.held == 2


def test_take_all_lets_everything_go_and_forgets_the_deadlines() -> None:
    clock = Clock()
    buffer = exporter_buffer(clock)
    buffer.put(span(1, 2, 1, call=True))
    buffer.put(span(2, 3, 2, call=True))
    assert buffer.take_due() == [] and buffer.next_deadline is not None
    assert released(buffer.take_all()) == [(1, [2], True), (2, [3], True)]
    assert buffer.next_deadline is None and buffer.held == 0


def test_views_are_the_due_calls_converted_with_the_whole_trace() -> None:
    buffer = TraceBuffer()  # the converter's policy: time is spans put
    buffer.put(span(1, 2, 1, call=True))
    buffer.put(span(1, 3, 1, call=True))
    (release,) = buffer.take_all()
    assert [v.span.span_id for v in buffer.views(release)] == [f"{2:016x}", f"{3:016x}"]
    partial = Release(release.trace_id, release.spans, frozenset({f"{3:016x}"}), whole=False)
    (view,) = buffer.views(partial)
    assert view.others_in_trace == [f"{2:016x}"]  # converted with its sibling, which is not due
