"""Spans -> the standard per-call record (``StandardLoggingPayload``) and the gateway record.

Works on :class:`~otel_llmlog.records.spans.SpanData` (or live ``ReadableSpan``), i.e. on attributes
only: no SDK is needed, and spans from any process, language or backend convert the same way.

Three steps per trace:

1. :func:`call_view` reads one span into a :class:`CallView`, accepting this library's names and
   the names other instrumentations use (older GenAI names, OpenInference, OpenLLMetry, the
   ``anthropic`` SDK's own spans);
2. :func:`trace_views` keeps one record per call (an LLM span inside a span of the same call is a
   second instrumentation of it: ``docs/payload.md``, "One record per call"), and :func:`attach`
   applies the attachment rule of ``docs/attachment.md`` to give each LLM call its guardrail and
   vector-store spans;
3. :func:`payload_of` / :func:`generation_of` build the two records, pricing the call from the
   price table when the span carries no cost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..facts import semconv as sc
from ..facts.messages import parse_arguments, text_part
from ..facts.pricing import Cost, FeeItem, PriceBook
from ..facts.providers import normalize_finish_reason
from ..facts.usage import Usage
from .live import as_span_data
from .models.base import format_amount
from .models.generation import GenerationRecord, format_created_at, format_throughput
from .models.standard import (
    ModelInfo,
    StandardLoggingGuardrailInformation,
    StandardLoggingHiddenParams,
    StandardLoggingMetadata,
    StandardLoggingModelCostFailureDebugInformation,
    StandardLoggingModelInformation,
    StandardLoggingPayload,
    StandardLoggingPayloadErrorInformation,
    StandardLoggingVectorStoreRequest,
)
from .spans import SpanData

LLM_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
_MILLION = Decimal(1_000_000)

# Names other instrumentations use for the same facts, first match wins (ours first). Which peer
# writes which name, measured on their real spans: docs/payload.md, "Spans from other
# instrumentations" (tests/test_peer_spans.py). ``attr#key`` reads one key of a JSON-object
# attribute: OpenInference keeps the requested model and the stream flag of an OpenAI call only in
# ``llm.invocation_parameters`` (its ``llm.model_name`` is the answering, dated model).
# ``prefix.*`` reads a message list flattened into one attribute per field
# (``llm.input_messages.0.message.role``, ...; see :func:`_flat_messages`).
# Finish reasons: ours are normalized; the others are native values (OpenInference's, the
# anthropic SDK's stop reason, otel-v2's ``gen_ai.response.finish_reasons``), normalized on reading.
_ALIASES: dict[str, tuple[str, ...]] = {
    "provider": (sc.PROVIDER_NAME, "gen_ai.system", "llm.provider", "llm.system"),
    "request_model": (
        sc.REQUEST_MODEL, "llm.request.model", "llm.request.model_name", "llm.invocation_parameters#model", "llm.model_name",
    ),
    "response_model": (sc.RESPONSE_MODEL, "llm.response.model", "llm.response.model_name", "llm.model_name"),
    "stream": (sc.REQUEST_STREAM, "gen_ai.is_streaming", "llm.is_streaming", "llm.invocation_parameters#stream"),
    "service_tier": (sc.OPENAI_RESPONSE_SERVICE_TIER, "gen_ai.openai.response.service_tier"),
    "input": (sc.USAGE_INPUT_TOKENS, "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.usage.prompt_tokens"),
    "output": (sc.USAGE_OUTPUT_TOKENS, "gen_ai.usage.completion_tokens", "llm.token_count.completion", "llm.usage.completion_tokens"),
    "cache_read": (
        sc.USAGE_CACHE_READ_INPUT_TOKENS, "gen_ai.usage.cache_read_input_tokens", "llm.token_count.prompt_details.cache_read",
    ),
    "cache_write": (
        sc.USAGE_CACHE_WRITE_INPUT_TOKENS, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
        "llm.token_count.prompt_details.cache_write",
    ),
    "write_5m": (sc.CACHE_WRITE_5M_INPUT_TOKENS, "anthropic.usage.cache_creation.ephemeral_5m_input_tokens"),
    "write_1h": (sc.CACHE_WRITE_1H_INPUT_TOKENS, "anthropic.usage.cache_creation.ephemeral_1h_input_tokens"),
    "reasoning": (sc.USAGE_REASONING_OUTPUT_TOKENS, "llm.token_count.completion_details.reasoning", "gen_ai.usage.reasoning_tokens"),
    "finish_reasons": (sc.RESPONSE_FINISH_REASONS, "llm.finish_reason", "anthropic.message.stop_reason"),
    "input_messages": (sc.INPUT_MESSAGES, "llm.input_messages.*"),
    "output_messages": (sc.OUTPUT_MESSAGES, "llm.output_messages.*"),
}
# Span events marking the first streamed chunk, for peers that record no time-to-first-chunk
# attribute: OpenInference's one event, OpenLLMetry's first per-chunk event.
_FIRST_CHUNK_EVENTS = frozenset({"First Token Stream Event", "gen_ai.content.completion.chunk"})


def _first(attrs: Mapping[str, Any], key: str) -> Any:
    for name in _ALIASES[key]:
        if name.endswith(".*"):
            messages = _flat_messages(attrs, name[:-1])
            if messages:
                return messages
            continue
        attr, _, field_name = name.partition("#")
        value = attrs.get(attr)
        if field_name and value is not None:
            parsed = _json(value)
            value = parsed.get(field_name) if isinstance(parsed, dict) else None
        if value is not None:
            return value
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
            return parsed if isinstance(parsed, list) else [value]
        except ValueError:
            return [value]
    return [value]


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


#: where one flattened message (OpenInference's ``llm.input_messages.{i}.message.*``) keeps its
#: parts, in reading order: plain text, a list of content items (text blocks, Anthropic's tool-use
#: blocks), the OpenAI-style tool-call list. OpenInference lists an Anthropic tool call both as a
#: content item and in the tool-call list; the second, identical copy is dropped.
_FLAT_PARTS = ("content", "contents", "tool_calls")


def _unflatten(attrs: Mapping[str, Any], prefix: str) -> Any:
    """``prefix0.a.b = v`` attributes back into nested lists and dicts: ``[{"a": {"b": v}}]``."""
    root: dict[str, Any] = {}
    for key, value in attrs.items():
        if not key.startswith(prefix):
            continue
        node: Any = root
        *path, leaf = key[len(prefix):].split(".")
        for step in path:
            node = node.setdefault(step, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(leaf, value)
    return _as_lists(root)


def _as_lists(node: Any) -> Any:
    """Dicts keyed by indexes only become lists in index order (recursively)."""
    if not isinstance(node, dict):
        return node
    items = {k: _as_lists(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def _flat_messages(attrs: Mapping[str, Any], prefix: str) -> list[dict[str, Any]]:
    """A message list flattened into one attribute per field, in the conventions' message shape
    (``gen_ai.input.messages``: ``{"role", "parts": [...]}``), so a peer's content reads as ours."""
    flat = _unflatten(attrs, prefix)
    messages = []
    for item in flat if isinstance(flat, list) else ():
        message = item.get("message") if isinstance(item, dict) else None
        if not isinstance(message, dict):
            continue
        parts: list[dict[str, Any]] = []
        for name in _FLAT_PARTS:
            value = message.get(name)
            for entry in value if isinstance(value, list) else (value,):
                part = _flat_part(entry)
                if part is not None and part not in parts:
                    parts.append(part)
        messages.append({"role": message.get("role"), "parts": parts})
    return messages


def _flat_part(entry: Any) -> dict[str, Any] | None:
    """One message part from a flattened entry: a string, a text content item or a tool call."""
    if isinstance(entry, str):
        return text_part(entry)
    if not isinstance(entry, dict):
        return None
    call = entry.get("tool_call")
    if isinstance(call, dict):
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        return {"type": "tool_call", "id": call.get("id"), "name": function.get("name"),
                "arguments": parse_arguments(function.get("arguments"))}
    content = entry.get("message_content")
    text = content.get("text") if isinstance(content, dict) else None
    return text_part(text) if isinstance(text, str) else None


def is_llm_call(span: SpanData) -> bool:
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
    return span.scope_name == "com.anthropic.sdk.python" and _first(a, "request_model") is not None


def span_kind_of(span: SpanData) -> str | None:
    """``"llm"``, ``"guardrail"``, ``"retrieval"`` or None: what the attachment rule sees in a span."""
    op = span.attributes.get(sc.OPERATION_NAME)
    if op == "apply_guardrail":
        return "guardrail"
    if op == "retrieval" or span.attributes.get("openinference.span.kind") == "RETRIEVER":
        return "retrieval"
    return "llm" if is_llm_call(span) else None


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
    provider = str(_first(a, "provider") or "unknown").lower()
    cache_read, cache_write = _int(_first(a, "cache_read")), _int(_first(a, "cache_write"))
    input_tokens = _int(_first(a, "input"))
    cached = (cache_read or 0) + (cache_write or 0)
    if input_tokens is not None and input_tokens < cached:
        input_tokens += cached
    usage = Usage(
        input_tokens=input_tokens,
        output_tokens=_int(_first(a, "output")),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        cache_write_5m_tokens=_int(_first(a, "write_5m")),
        cache_write_1h_tokens=_int(_first(a, "write_1h")),
        reasoning_tokens=_int(_first(a, "reasoning")),
        audio_input_tokens=_int(a.get(sc.AUDIO_INPUT_TOKENS)),
        audio_output_tokens=_int(a.get(sc.AUDIO_OUTPUT_TOKENS)),
    )
    request_model = _first(a, "request_model")
    response_model = _first(a, "response_model")
    reasons = [str(r) for r in _list(_first(a, "finish_reasons"))]
    ttfc = a.get(sc.RESPONSE_TIME_TO_FIRST_CHUNK)
    if not isinstance(ttfc, (int, float)) or isinstance(ttfc, bool):
        first_chunk = min((e.time_ns for e in span.events if e.name in _FIRST_CHUNK_EVENTS), default=None)
        ttfc = max(first_chunk - span.start_ns, 0) / 1e9 if first_chunk is not None else None
    view = CallView(
        span=span,
        provider=provider,
        request_model=str(request_model) if request_model is not None else None,
        response_model=str(response_model) if response_model is not None else None,
        usage=usage,
        cost=Cost(None),
        stream=_first(a, "stream") is True or ttfc is not None,
        ttfc=float(ttfc) if ttfc is not None else None,
        finish_reasons=[normalize_finish_reason(provider, r) for r in reasons],
        native_finish_reasons=[str(r) for r in _list(a.get(sc.NATIVE_FINISH_REASONS))] or reasons,
    )
    view.cost = _cost_of(view, prices)
    return view


def _cost_of(view: CallView, prices: PriceBook) -> Cost:
    """The span's own cost when it has one (with its fee items), else the price table's."""
    a = view.attrs
    amount = a.get(sc.USAGE_COST_AMOUNT)
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        codes, tokens = _list(a.get(sc.COST_FEE_ITEMS)), _list(a.get(sc.COST_FEE_TOKENS))
        rates, amounts = _list(a.get(sc.COST_FEE_RATES)), _list(a.get(sc.COST_FEE_AMOUNTS))
        items = tuple(FeeItem(str(c), int(t), float(r), float(m)) for c, t, r, m in zip(codes, tokens, rates, amounts, strict=False))
        return Cost(float(amount), items, str(a.get(sc.COST_PRICE_SOURCE) or a.get(sc.USAGE_COST_SOURCE) or "span"))
    if view.failed:
        return Cost(None, reason="the call failed; failed calls are not billed")
    context = {}
    tier = _first(a, "service_tier")
    if isinstance(tier, str):
        context["service_tier"] = tier
    reason = a.get(sc.COST_UNKNOWN_REASON)
    cost = prices.cost(view.provider, view.response_model, view.request_model, view.usage, context)
    if cost.amount is None and isinstance(reason, str):
        return Cost(None, reason=reason)
    return cost


# --- attachment rule (docs/attachment.md) ---


def attach(spans: list[SpanData], calls: dict[str, CallView]) -> list[SpanData]:
    """Give each call its guardrail and search spans; returns the sub-spans that found no call."""
    by_id = {s.span_id: s for s in spans}
    siblings: dict[str | None, list[CallView]] = {}
    for view in calls.values():
        siblings.setdefault(view.span.parent_span_id, []).append(view)
    unattached = []
    for s in spans:
        kind = span_kind_of(s)
        if kind not in ("guardrail", "retrieval"):
            continue
        owners = _owners(s, by_id, calls, siblings.get(s.parent_span_id, []))
        if not owners:
            unattached.append(s)
        for view in owners:
            (view.guardrails if kind == "guardrail" else view.searches).append(s)
    return unattached


def _call_ancestor(s: SpanData, by_id: dict[str, SpanData], calls: dict[str, CallView]) -> CallView | None:
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
    ancestor = _call_ancestor(s, by_id, calls)
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


# --- records ---


def _seconds(ns: int) -> float:
    return ns / 1e9


def _guardrail_info(s: SpanData) -> StandardLoggingGuardrailInformation:
    a = s.attributes
    modes = [m for m in str(a.get(sc.GUARDRAIL_MODE, "")).split(",") if m]
    valid = [m for m in modes if m in ("pre_call", "post_call", "during_call", "logging_only", "pre_mcp_call", "during_mcp_call")]
    request, response = _json(a.get(sc.GUARDRAIL_INPUT)), _json(a.get(sc.GUARDRAIL_OUTPUT))
    masked = dict(zip(_list(a.get(sc.GUARDRAIL_MASKED_ENTITIES)), (int(c) for c in _list(a.get(sc.GUARDRAIL_MASKED_COUNTS))), strict=False))
    status = a.get(sc.GUARDRAIL_STATUS)
    if status not in ("success", "failure"):
        status = "failure" if s.status_code == "ERROR" else "success"
    return StandardLoggingGuardrailInformation(
        guardrail_name=a.get(sc.GUARDRAIL_NAME) or s.name,
        guardrail_mode=(valid[0] if len(valid) == 1 else valid) if valid else None,
        guardrail_request=request if isinstance(request, dict) else ({"input": request} if request is not None else None),
        guardrail_response=response if isinstance(response, (dict, str, list)) else None,
        guardrail_status=status,
        start_time=_seconds(s.start_ns),
        end_time=_seconds(s.end_ns),
        duration=(s.end_ns - s.start_ns) / 1e9,
        masked_entity_count=masked or None,
    )


def _search_info(s: SpanData) -> StandardLoggingVectorStoreRequest:
    a = s.attributes
    docs = _json(a.get(sc.RETRIEVAL_DOCUMENTS))
    response = None
    if isinstance(docs, list):
        response = {"object": "vector_store.search_results.page", "data": [
            {"file_id": d.get("id"), "score": d.get("score")} for d in docs if isinstance(d, dict)
        ]}
    return StandardLoggingVectorStoreRequest(
        vector_store_id=a.get(sc.DATA_SOURCE_ID),
        custom_llm_provider=a.get(sc.PROVIDER_NAME),
        query=a.get(sc.RETRIEVAL_QUERY_TEXT),
        vector_store_search_response=response,
        start_time=_seconds(s.start_ns),
        end_time=_seconds(s.end_ns),
    )


def _class_name(value: str) -> str:
    """The bare class name of ``pkg.mod.Name`` or ``<class 'pkg.mod.Name'>``: newer
    ``opentelemetry-util-genai`` (official openai-v2) writes ``error.type`` as ``str(type(exc))``."""
    if value.startswith("<class '") and value.endswith("'>"):
        value = value[len("<class '"):-len("'>")]
    return value.rsplit(".", 1)[-1]


def _error(view: CallView) -> tuple[str | None, StandardLoggingPayloadErrorInformation | None]:
    if not view.failed:
        return None, None
    a = view.attrs
    event = next((e for e in view.span.events if e.name == "exception"), None)
    exc_type = str(event.attributes.get("exception.type")) if event and event.attributes.get("exception.type") else None
    message = (event.attributes.get("exception.message") if event else None) or view.span.status_message
    error_type = a.get(sc.ERROR_TYPE)
    code = str(a.get(sc.HTTP_STATUS_CODE)) if a.get(sc.HTTP_STATUS_CODE) else (str(error_type) if str(error_type).isdigit() else None)
    return (str(message) if message else str(error_type or "error")), StandardLoggingPayloadErrorInformation(
        error_code=code,
        error_class=_class_name(exc_type) if exc_type else (
            None if error_type is None or str(error_type).isdigit() else _class_name(str(error_type))
        ),
        llm_provider=view.provider,
    )


_PARAMS = {
    sc.REQUEST_MAX_TOKENS: "max_tokens", sc.REQUEST_TEMPERATURE: "temperature", sc.REQUEST_TOP_P: "top_p",
    sc.REQUEST_TOP_K: "top_k", sc.REQUEST_FREQUENCY_PENALTY: "frequency_penalty", sc.REQUEST_PRESENCE_PENALTY: "presence_penalty",
    sc.REQUEST_STOP_SEQUENCES: "stop", sc.REQUEST_SEED: "seed", sc.REQUEST_CHOICE_COUNT: "n", sc.REQUEST_STREAM: "stream",
    sc.OUTPUT_TYPE: "response_format",
}


def _api_base(a: Mapping[str, Any]) -> str:
    host, port = a.get(sc.SERVER_ADDRESS), a.get(sc.SERVER_PORT)
    if not host:
        return ""
    if port in (None, 443):
        return f"https://{host}"
    return f"http://{host}:{port}"


def _rates(view: CallView) -> dict[str, float]:
    return {item.code: item.rate for item in view.cost.items}


def _with_finish_reasons(messages: Any, reasons: list[str]) -> Any:
    """Output messages, each given the call's finish reason for its choice where the producer left
    it out: the conventions require one per output message, ours always has it, and the anthropic
    SDK's and OpenInference's messages carry none (the reason is a span attribute there)."""
    if isinstance(messages, list):
        for message, reason in zip(messages, reasons, strict=False):
            if isinstance(message, dict) and "finish_reason" not in message:
                message["finish_reason"] = reason
    return messages


def payload_of(view: CallView) -> StandardLoggingPayload:
    """The standard record of one call (field mapping: ``docs/payload.md``)."""
    s, a, u = view.span, view.attrs, view.usage
    start, end = _seconds(s.start_ns), _seconds(s.end_ns)
    first_chunk = start + view.ttfc if view.ttfc is not None else end
    model = view.request_model or view.response_model or ""
    rates = _rates(view)
    debug = None
    if view.cost.amount is None:
        debug = StandardLoggingModelCostFailureDebugInformation(
            error_str=view.cost.reason or "no price known", traceback_str="", model=view.response_model or model,
            custom_llm_provider=view.provider, call_type=str(a.get(sc.OPERATION_NAME, "chat")), custom_pricing=False,
        )
    saved = 0.0
    if "input_cache_read" in rates and "prompt" in rates and u.cache_read_tokens:
        saved = float(Decimal(u.cache_read_tokens) * (Decimal(str(rates["prompt"])) - Decimal(str(rates["input_cache_read"]))) / _MILLION)
    error_str, error_info = _error(view)
    metadata_json = _json(a.get(sc.REQUEST_METADATA))
    messages = _json(_first(a, "input_messages"))
    system = _json(a.get(sc.SYSTEM_INSTRUCTIONS)) if sc.SYSTEM_INSTRUCTIONS in a else None
    if system is not None and isinstance(messages, list):
        messages = [{"role": "system", "parts": system}, *messages]
    key = f"{view.provider}/{view.response_model or model}"
    return StandardLoggingPayload(
        id=s.span_id,
        trace_id=s.trace_id,
        call_type=str(a.get(sc.OPERATION_NAME, "chat")),
        response_cost=view.cost.amount,
        response_cost_failure_debug_info=debug,
        status="failure" if view.failed else "success",
        total_tokens=(u.input_tokens or 0) + (u.output_tokens or 0),
        prompt_tokens=u.input_tokens or 0,
        completion_tokens=u.output_tokens or 0,
        startTime=start,
        endTime=end,
        completionStartTime=first_chunk,
        response_time=view.ttfc if view.ttfc is not None else view.duration,
        model_map_information=StandardLoggingModelInformation(
            model_map_key=key,
            model_map_value=ModelInfo(
                key=key, litellm_provider=view.provider, mode=str(a.get(sc.OPERATION_NAME, "chat")),
                input_cost_per_token=rates["prompt"] / 1e6 if "prompt" in rates else None,
                output_cost_per_token=rates["completion"] / 1e6 if "completion" in rates else None,
                cache_read_input_token_cost=rates["input_cache_read"] / 1e6 if "input_cache_read" in rates else None,
                cache_creation_input_token_cost=rates["input_cache_write_5_min"] / 1e6 if "input_cache_write_5_min" in rates else None,
            ) if rates else None,
        ),
        model=model,
        model_id=None,
        model_group=None,
        api_base=_api_base(a),
        metadata=StandardLoggingMetadata(
            user_api_key_hash=a.get(sc.API_KEY_SHA256),
            requester_metadata=metadata_json if isinstance(metadata_json, dict) else None,
            requester_custom_headers={},
            vector_store_request_metadata=[_search_info(x) for x in view.searches] or None,
            guardrail_information=_guardrail_info(max(view.guardrails, key=lambda g: g.end_ns)) if view.guardrails else None,
        ),
        cache_hit=None,
        cache_key=None,
        saved_cache_cost=saved,
        request_tags=[str(t) for t in _list(a.get(sc.REQUEST_TAGS))],
        end_user=a.get(sc.END_USER),
        requester_ip_address=None,
        messages=messages,
        response=_with_finish_reasons(_json(_first(a, "output_messages")), view.finish_reasons),
        error_str=error_str,
        error_information=error_info,
        model_parameters={short: (list(v) if isinstance(v, tuple) else v) for name, short in _PARAMS.items() if (v := a.get(name)) is not None},
        hidden_params=StandardLoggingHiddenParams(
            api_base=_api_base(a) or None,
            response_cost=format_amount(Decimal(str(view.cost.amount))) if view.cost.amount is not None else None,
            litellm_model_name=view.response_model,
        ),
    )


def _display_name(provider: str, model: str | None) -> str:
    if not model:
        return provider
    try:
        from genai_prices import data_snapshot

        p, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
        return f"{p.name}: {info.name}"
    except Exception:  # noqa: BLE001 - an unknown model keeps its own name
        return model


def generation_of(view: CallView) -> GenerationRecord:
    """The gateway-style generation record of one call."""
    s, a, u = view.span, view.attrs, view.usage
    generation_ms = round((s.end_ns - s.start_ns) / 1e6)
    latency_ms = round(view.ttfc * 1000) if view.ttfc is not None else (None if view.failed else generation_ms)
    model = view.response_model or view.request_model
    items = view.cost.items
    exact = [(i.code, i.tokens, Decimal(str(i.rate)), Decimal(i.tokens) * Decimal(str(i.rate)) / _MILLION) for i in items]
    total = sum((x[3] for x in exact), Decimal(0)) if view.cost.amount is not None else None
    rating = None
    if total is not None:
        rating = {
            "billAmount": float(total), "discountAmount": 0, "originAmount": float(total),
            "priceVersion": view.cost.source or "unknown",
            "ratingDetails": [
                {"billAmount": float(amt), "discountAmount": 0, "feeItemCode": code, "originAmount": float(amt),
                 "rate": int(rate) if rate == rate.to_integral_value() else float(rate)}
                for code, _, rate, amt in exact
            ],
            "serviceCode": f"{view.provider}#{a.get(sc.SERVER_ADDRESS, '')}#{view.provider}/{model}",
        }
    native_tokens = None
    if u.input_tokens is not None or u.output_tokens is not None:
        native_tokens = {
            "completion_tokens": u.output_tokens or 0,
            "prompt_tokens": u.input_tokens or 0,
            "total_tokens": (u.input_tokens or 0) + (u.output_tokens or 0),
            "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens or 0},
            "prompt_tokens_details": {
                "ephemeral_1h_input_tokens": u.cache_write_1h_tokens or 0,
                "ephemeral_5m_input_tokens": u.cache_write_5m_tokens if u.cache_write_5m_tokens is not None
                else (u.cache_write_tokens or 0) - (u.cache_write_1h_tokens or 0),
                "cached_tokens": u.cache_read_tokens or 0,
            },
        }
    return GenerationRecord(
        generationId=s.span_id,
        accountId=None,
        model=_display_name(view.provider, model),
        modelSlug=f"{view.provider}/{model}",
        apiKeyId=a.get(sc.API_KEY_SHA256),
        providerSlug=view.provider,
        createdAt=format_created_at(datetime.fromtimestamp(s.start_ns / 1e9, UTC)),
        generationTime=generation_ms,
        latency=latency_ms,
        moderationLatency=sum(round((g.end_ns - g.start_ns) / 1e6) for g in view.guardrails) if view.guardrails else None,
        streamed=view.stream,
        cancelled=bool(a.get(sc.STREAM_CANCELLED)),
        throughput=format_throughput(u.output_tokens or 0, generation_ms) if not view.failed else None,
        nativeFeeTokens={code: tokens for code, tokens, _, _ in exact},
        nativeTokens=native_tokens,
        finishReason=view.finish_reasons[0] if view.finish_reasons else None,
        nativeFinishReason=view.native_finish_reasons[0] if view.native_finish_reasons else None,
        originAmount=format_amount(total) if total is not None else None,
        billAmount=format_amount(total) if total is not None else None,
        discountAmount="0" if total is not None else None,
        realAmount=format_amount(total) if total is not None else None,
        nonpaymentAmount="0" if total is not None else None,
        ratingResponses=rating,
        requestRetryTimes=_int(a.get(sc.HTTP_RESEND_COUNT)) or 0,
        finalRetry=True,
    )


# --- public entry points ---


def _is_inner_copy(view: CallView, by_id: dict[str, SpanData], calls: dict[str, CallView]) -> bool:
    """True for a call span nested in another span of the same call (``docs/payload.md``, "One
    record per call"): its nearest LLM-call ancestor has the same provider. Two instrumentations
    of one call nest this way (OpenLLMetry's or OpenInference's span around the anthropic SDK's
    own), and one call must make one record; the outermost is kept."""
    outer = _call_ancestor(view.span, by_id, calls)
    return outer is not None and outer.provider == view.provider


def trace_views(trace_spans: list[SpanData], prices: PriceBook) -> list[CallView]:
    """The LLM calls of one trace's spans, with their sub-spans attached, in start order."""
    calls = {s.span_id: call_view(s, prices) for s in trace_spans if is_llm_call(s)}
    if not calls:
        return []
    by_id = {s.span_id: s for s in trace_spans}
    for span_id in [i for i, view in calls.items() if _is_inner_copy(view, by_id, calls)]:
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


def to_payloads(spans: Iterable[Any], prices: PriceBook | None = None) -> list[StandardLoggingPayload]:
    """One ``StandardLoggingPayload`` per LLM call span (``SpanData``s or live ``ReadableSpan``s)."""
    return [payload_of(v) for v in call_views(spans, prices)]


def to_generation_records(spans: Iterable[Any], prices: PriceBook | None = None) -> list[GenerationRecord]:
    """One gateway-style generation record per LLM call span."""
    return [generation_of(v) for v in call_views(spans, prices)]
