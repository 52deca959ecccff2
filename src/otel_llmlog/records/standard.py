"""The standard record of one call (``StandardLoggingPayload``) from its :class:`~.calls.CallView`.

Field by field: ``docs/payload.md``. The models themselves: :mod:`.models.standard`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..facts import semconv as sc
from .calls import CallView
from .models.base import format_amount
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
from .peer_names import first_named
from .spans import SpanData
from .values import as_list, decoded_json

__all__ = ["payload_of"]

_MILLION = Decimal(1_000_000)


def _seconds(ns: int) -> float:
    return ns / 1e9


def _guardrail_info(s: SpanData) -> StandardLoggingGuardrailInformation:
    a = s.attributes
    modes = [m for m in str(a.get(sc.GUARDRAIL_MODE, "")).split(",") if m]
    valid = [m for m in modes if m in ("pre_call", "post_call", "during_call", "logging_only", "pre_mcp_call", "during_mcp_call")]
    request, response = decoded_json(a.get(sc.GUARDRAIL_INPUT)), decoded_json(a.get(sc.GUARDRAIL_OUTPUT))
    masked = dict(zip(as_list(a.get(sc.GUARDRAIL_MASKED_ENTITIES)), (int(c) for c in as_list(a.get(sc.GUARDRAIL_MASKED_COUNTS))), strict=False))
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
    docs = decoded_json(a.get(sc.RETRIEVAL_DOCUMENTS))
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
    metadata_json = decoded_json(a.get(sc.REQUEST_METADATA))
    messages = decoded_json(first_named(a, "input_messages"))
    system = decoded_json(a.get(sc.SYSTEM_INSTRUCTIONS)) if sc.SYSTEM_INSTRUCTIONS in a else None
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
        request_tags=[str(t) for t in as_list(a.get(sc.REQUEST_TAGS))],
        end_user=a.get(sc.END_USER),
        requester_ip_address=None,
        messages=messages,
        response=_with_finish_reasons(decoded_json(first_named(a, "output_messages")), view.finish_reasons),
        error_str=error_str,
        error_information=error_info,
        model_parameters={short: (list(v) if isinstance(v, tuple) else v) for name, short in _PARAMS.items() if (v := a.get(name)) is not None},
        hidden_params=StandardLoggingHiddenParams(
            api_base=_api_base(a) or None,
            response_cost=format_amount(Decimal(str(view.cost.amount))) if view.cost.amount is not None else None,
            litellm_model_name=view.response_model,
        ),
    )
