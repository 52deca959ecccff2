"""The attachment rule (``docs/attachment.md``): which guardrail and vector-store spans belong to which call.

A guardrail check or a vector-store search is its own span, a child of the call it serves (rule
1) or, more often, a sibling of it in the request's trace: then it belongs to the sibling calls it
overlaps in time (2), else - by its mode - to the calls that ended just before it (post-call
checks) or started just after it (pre-call checks and searches) (3 to 5). The same rule serves the
converter and the JSON-log exporter, which holds each trace's spans until it can apply it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts import semconv as sc
from .spans import SpanData

if TYPE_CHECKING:
    from .calls import CallView

__all__ = ["attach", "call_ancestor", "sub_span_role"]


def sub_span_role(span: SpanData) -> str | None:
    """``"guardrail"``, ``"retrieval"`` or None: what the attachment rule sees in a span that is not a call."""
    op = span.attributes.get(sc.OPERATION_NAME)
    if op == "apply_guardrail":
        return "guardrail"
    if op == "retrieval" or span.attributes.get("openinference.span.kind") == "RETRIEVER":
        return "retrieval"
    return None


def attach(spans: list[SpanData], calls: dict[str, CallView]) -> list[SpanData]:
    """Give each call its guardrail and search spans; returns the sub-spans that found no call."""
    by_id = {s.span_id: s for s in spans}
    siblings: dict[str | None, list[CallView]] = {}
    for view in calls.values():
        siblings.setdefault(view.span.parent_span_id, []).append(view)
    unattached = []
    for s in spans:
        role = sub_span_role(s)
        if role is None:
            continue
        owners = _owners(s, by_id, calls, siblings.get(s.parent_span_id, []))
        if not owners:
            unattached.append(s)
        for view in owners:
            (view.guardrails if role == "guardrail" else view.searches).append(s)
    return unattached


def call_ancestor(s: SpanData, by_id: dict[str, SpanData], calls: dict[str, CallView]) -> CallView | None:
    """The nearest LLM call among the span's ancestors held in ``by_id``, or None."""
    parent = s.parent_span_id
    seen = set()
    while parent and parent in by_id and parent not in seen:
        seen.add(parent)
        if parent in calls:
            return calls[parent]
        parent = by_id[parent].parent_span_id
    return None


def _owners(s: SpanData, by_id: dict[str, SpanData], calls: dict[str, CallView], sibs: list[CallView]) -> list[CallView]:
    ancestor = call_ancestor(s, by_id, calls)
    if ancestor is not None:  # rule 1: nearest call ancestor
        return [ancestor]
    overlap = [v for v in sibs if v.span.start_ns < s.end_ns and s.start_ns < v.span.end_ns]
    if overlap:  # rule 2
        return overlap
    a = s.attributes
    post = "post_call" in str(a.get(sc.GUARDRAIL_MODE, "")) or a.get(sc.GUARDRAIL_TARGET_TYPE) == "llm_output"

    def before() -> list[CallView]:
        done = [v for v in sibs if v.span.end_ns <= s.start_ns]
        if not done:
            return []
        latest_start = max(v.span.start_ns for v in done)
        return [v for v in done if v.span.end_ns > latest_start or v.span.start_ns == latest_start]

    def after() -> list[CallView]:
        later = [v for v in sibs if v.span.start_ns >= s.end_ns]
        if not later:
            return []
        earliest_end = min(v.span.end_ns for v in later)
        return [v for v in later if v.span.start_ns < earliest_end]

    first, second = (before, after) if post else (after, before)  # rules 3, 4, then 5
    return first() or second()
