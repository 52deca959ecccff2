"""Live OpenTelemetry SDK spans (``ReadableSpan``) as :class:`~.spans.SpanData`: the one conversion.

Two depths, built by the same code: :func:`span_data` copies everything the converter reads;
:func:`span_outline` only what places a span in its trace (ids, parent, times, name, kind,
status code, scope name) - what the JSON-log exporter keeps of the many spans that are neither
LLM calls nor their guardrail and vector-store sub-spans. :func:`add_details` turns an outline
into the full span.

Strings are taken as they are but for one thing: a lone surrogate (half of a UTF-16 pair, which
captured content can hold) becomes U+FFFD, as in every line this package writes
(:func:`~.jsonlines.replace_lone_surrogates`): no record, log body or span file made from a live
span then fails to encode as UTF-8 or protobuf.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .jsonlines import replace_lone_surrogates
from .spans import SpanData, SpanEvent

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

__all__ = ["add_details", "as_span_data", "from_readable_spans", "span_data", "span_outline"]

#: where :attr:`~.spans.SpanData.source` says a live span came from
LIVE = "<live>"


def span_outline(span: ReadableSpan) -> SpanData:
    """The span's place in its trace; its attributes are the span's own mapping, not a copy.

    Read the attributes (to decide whether the span matters), then either :func:`add_details`
    or drop them; events, resource, status message and scope version are left empty.
    """
    ctx = span.get_span_context()
    if ctx is None:
        raise ValueError(f"span {span.name!r} has no span context")
    if span.start_time is None or span.end_time is None:
        raise ValueError(f"span {span.name!r} has not ended")
    parent = span.parent
    scope = span.instrumentation_scope
    return SpanData(
        trace_id=f"{ctx.trace_id:032x}",
        span_id=f"{ctx.span_id:016x}",
        parent_span_id=f"{parent.span_id:016x}" if parent is not None and parent.span_id else None,
        name=replace_lone_surrogates(span.name),
        kind=span.kind.name,
        start_ns=span.start_time,
        end_ns=span.end_time,
        status_code=span.status.status_code.name,
        status_message=None,
        attributes=span.attributes or {},  # type: ignore[arg-type] - read-only until add_details copies it
        events=[],
        resource={},
        scope_name=(scope.name or None) if scope is not None else None,
        scope_version=None,
        source=LIVE,
    )


def add_details(data: SpanData, span: ReadableSpan) -> SpanData:
    """Complete the outline of ``span``: attributes as plain values, events, resource, status message, scope version."""
    scope = span.instrumentation_scope
    data.attributes = _plain_map(span.attributes)
    data.events = [SpanEvent(replace_lone_surrogates(e.name), e.timestamp, _plain_map(e.attributes)) for e in span.events]
    data.resource = _plain_map(span.resource.attributes) if span.resource is not None else {}
    data.status_message = replace_lone_surrogates(span.status.description or "") or None
    data.scope_version = (scope.version or None) if scope is not None else None
    return data


def span_data(span: ReadableSpan) -> SpanData:
    """Everything the converter reads of an ended SDK span."""
    return add_details(span_outline(span), span)


def from_readable_spans(spans: Iterable[ReadableSpan]) -> list[SpanData]:
    """Spans of live OTel SDK spans (e.g. from ``InMemorySpanExporter``); they must have ended."""
    return [span_data(span) for span in spans]


def as_span_data(spans: Iterable[Any]) -> list[SpanData]:
    """``SpanData`` as they are, live ``ReadableSpan`` s converted (the first item decides which)."""
    items = list(spans)
    if items and not isinstance(items[0], SpanData):
        return from_readable_spans(items)
    return items


def _plain(value: Any) -> Any:
    """SDK attribute value -> span value: tuples become lists, mappings dicts, recursively."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, bytes | bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return value


def _plain_map(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {replace_lone_surrogates(str(k)): _plain(v) for k, v in (attributes or {}).items()}
