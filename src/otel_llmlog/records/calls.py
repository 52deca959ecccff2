"""The call view: one LLM call span read once, names of every instrumentation resolved, priced.

Three steps per trace, the first two here:

1. :func:`call_view` reads one span into a :class:`CallView` through the alias table
   (:mod:`.peer_names`) and prices it (:func:`cost_of`: the span's own cost, else the price table);
2. :func:`trace_views` keeps one view per call (an LLM span inside a span of the same call is a
   second instrumentation of it, :func:`is_inner_copy`: ``docs/payload.md``, "One record per call")
   and applies the attachment rule (:mod:`.attachment`) to give each call its guardrail and
   vector-store spans;
3. the records are built from the views: :mod:`.standard`, :mod:`.generation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..facts import semconv as sc
from ..facts.pricing import Cost, FeeItem, PriceBook
from ..facts.providers import normalize_finish_reason
from ..facts.usage import Usage
from .attachment import attach, call_ancestor, sub_span_role
from .live import as_span_data
from .peer_names import FIRST_CHUNK_EVENTS, first_named
from .spans import SpanData
from .values import as_list, int_or_none

__all__ = [
    "LLM_OPERATIONS",
    "CallView",
    "call_view",
    "call_views",
    "cost_of",
    "is_inner_copy",
    "is_llm_call",
    "span_role_of",
    "trace_views",
]

LLM_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})


def is_llm_call(span: SpanData) -> bool:
    """Whether a span is an LLM call, by this library's marks or any supported instrumentation's."""
    a = span.attributes
    op = a.get(sc.OPERATION_NAME)
    if op in LLM_OPERATIONS:
        return True
    if op is not None:
        return False
    if a.get("openinference.span.kind") in ("LLM", "EMBEDDING"):
        return True
    if a.get("llm.request.type") in ("chat", "completion", "embedding"):
        return True
    return span.scope_name == "com.anthropic.sdk.python" and first_named(a, "request_model") is not None


def span_role_of(span: SpanData) -> str | None:
    """``"llm"``, ``"guardrail"``, ``"retrieval"`` or None: the part a span plays for the records."""
    return sub_span_role(span) or ("llm" if is_llm_call(span) else None)


@dataclass
class CallView:
    """One LLM call span, read once, with the names of every supported instrumentation resolved."""

    span: SpanData
    provider: str
    request_model: str | None
    response_model: str | None
    usage: Usage
    cost: Cost
    stream: bool
    ttfc: float | None
    #: normalized (``stop``, ``length``, ``tool_call``, ...), one per choice
    finish_reasons: list[str] = field(default_factory=list)
    #: as the provider sent them; the normalized ones when the span does not keep the native
    native_finish_reasons: list[str] = field(default_factory=list)
    guardrails: list[SpanData] = field(default_factory=list)
    searches: list[SpanData] = field(default_factory=list)
    others_in_trace: list[str] = field(default_factory=list)

    @property
    def attrs(self) -> Mapping[str, Any]:
        return self.span.attributes

    @property
    def duration(self) -> float:
        return max(self.span.end_ns - self.span.start_ns, 0) / 1e9

    @property
    def failed(self) -> bool:
        return self.span.status_code == "ERROR" or sc.ERROR_TYPE in self.attrs


def call_view(span: SpanData, prices: PriceBook) -> CallView:
    """Read one LLM call span through the alias table into a :class:`CallView`, priced.

    Input tokens are made inclusive of cache reads and writes (our ``Usage`` convention): an
    inclusive count is never below its cached part, so a count that is must be Anthropic's raw,
    exclusive ``input_tokens`` and gets the cached tokens added. Every peer measured so far already
    reports inclusive counts; this covers older releases and other producers that pass the raw
    number through, without a per-peer rule.
    """
    a = span.attributes
    provider = str(first_named(a, "provider") or "unknown").lower()
    cache_read, cache_write = int_or_none(first_named(a, "cache_read")), int_or_none(first_named(a, "cache_write"))
    input_tokens = int_or_none(first_named(a, "input"))
    cached = (cache_read or 0) + (cache_write or 0)
    if input_tokens is not None and input_tokens < cached:
        input_tokens += cached
    usage = Usage(
        input_tokens=input_tokens,
        output_tokens=int_or_none(first_named(a, "output")),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        cache_write_5m_tokens=int_or_none(first_named(a, "write_5m")),
        cache_write_1h_tokens=int_or_none(first_named(a, "write_1h")),
        reasoning_tokens=int_or_none(first_named(a, "reasoning")),
        audio_input_tokens=int_or_none(a.get(sc.AUDIO_INPUT_TOKENS)),
        audio_output_tokens=int_or_none(a.get(sc.AUDIO_OUTPUT_TOKENS)),
    )
    request_model = first_named(a, "request_model")
    response_model = first_named(a, "response_model")
    reasons = [str(r) for r in as_list(first_named(a, "finish_reasons"))]
    ttfc = a.get(sc.RESPONSE_TIME_TO_FIRST_CHUNK)
    if not isinstance(ttfc, (int, float)) or isinstance(ttfc, bool):
        first_chunk = min((e.time_ns for e in span.events if e.name in FIRST_CHUNK_EVENTS), default=None)
        ttfc = max(first_chunk - span.start_ns, 0) / 1e9 if first_chunk is not None else None
    view = CallView(
        span=span,
        provider=provider,
        request_model=str(request_model) if request_model is not None else None,
        response_model=str(response_model) if response_model is not None else None,
        usage=usage,
        cost=Cost(None),
        stream=first_named(a, "stream") is True or ttfc is not None,
        ttfc=float(ttfc) if ttfc is not None else None,
        finish_reasons=[normalize_finish_reason(provider, r) for r in reasons],
        native_finish_reasons=[str(r) for r in as_list(a.get(sc.NATIVE_FINISH_REASONS))] or reasons,
    )
    view.cost = cost_of(view, prices)
    return view


def cost_of(view: CallView, prices: PriceBook) -> Cost:
    """The span's own cost when it has one (with its fee items), else the price table's."""
    a = view.attrs
    amount = a.get(sc.USAGE_COST_AMOUNT)
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        codes, tokens = as_list(a.get(sc.COST_FEE_ITEMS)), as_list(a.get(sc.COST_FEE_TOKENS))
        rates, amounts = as_list(a.get(sc.COST_FEE_RATES)), as_list(a.get(sc.COST_FEE_AMOUNTS))
        items = tuple(FeeItem(str(c), int(t), float(r), float(m)) for c, t, r, m in zip(codes, tokens, rates, amounts, strict=False))
        return Cost(float(amount), items, str(a.get(sc.COST_PRICE_SOURCE) or a.get(sc.USAGE_COST_SOURCE) or "span"))
    if view.failed:
        return Cost(None, reason="the call failed; failed calls are not billed")
    context = {}
    tier = first_named(a, "service_tier")
    if isinstance(tier, str):
        context["service_tier"] = tier
    reason = a.get(sc.COST_UNKNOWN_REASON)
    cost = prices.cost(view.provider, view.response_model, view.request_model, view.usage, context)
    if cost.amount is None and isinstance(reason, str):
        return Cost(None, reason=reason)
    return cost


def is_inner_copy(view: CallView, by_id: dict[str, SpanData], calls: dict[str, CallView]) -> bool:
    """True for a call span nested in another span of the same call (``docs/payload.md``, "One
    record per call"): its nearest LLM-call ancestor has the same provider. Two instrumentations
    of one call nest this way (OpenLLMetry's or OpenInference's span around the anthropic SDK's
    own), and one call must make one record; the outermost is kept."""
    outer = call_ancestor(view.span, by_id, calls)
    return outer is not None and outer.provider == view.provider


def trace_views(trace_spans: list[SpanData], prices: PriceBook) -> list[CallView]:
    """The LLM calls of one trace's spans, with their sub-spans attached, in start order."""
    calls = {s.span_id: call_view(s, prices) for s in trace_spans if is_llm_call(s)}
    if not calls:
        return []
    by_id = {s.span_id: s for s in trace_spans}
    for span_id in [i for i, view in calls.items() if is_inner_copy(view, by_id, calls)]:
        del calls[span_id]
    attach(trace_spans, calls)
    views = sorted(calls.values(), key=lambda v: (v.span.start_ns, v.span.span_id))
    ids = [v.span.span_id for v in views]
    for view in views:
        view.others_in_trace = [i for i in ids if i != view.span.span_id]
    return views


def call_views(spans: Iterable[Any], prices: PriceBook | None = None) -> list[CallView]:
    """Read spans, group them by trace, attach sub-spans; one view per LLM call, in start order."""
    prices = prices or PriceBook()
    traces: dict[str, list[SpanData]] = {}
    for span in as_span_data(spans):
        traces.setdefault(span.trace_id, []).append(span)
    views = [view for trace_spans in traces.values() for view in trace_views(trace_spans, prices)]
    views.sort(key=lambda v: (v.span.start_ns, v.span.span_id))
    return views
