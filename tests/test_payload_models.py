"""The payload models against their two sources, written out here literally.

``SPEC`` is the field tables of the ``StandardLoggingPayload`` specification, copied row by row
(name, type exactly as the table writes it). ``GATEWAY_EXAMPLE`` is the gateway's published
generation-record example, copied as is. Nothing here is derived from the models under test.
"""

from __future__ import annotations

import copy
import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal, Optional, Union, get_args, get_origin

import pydantic
import pytest

from otel_llmlog.records.models import generation, json_schema, standard
from otel_llmlog.records.models.base import format_amount
from otel_llmlog.records.models.generation import (
    GenerationRecord,
    NativeFeeTokens,
    NativeTokens,
    format_created_at,
    format_throughput,
)
from otel_llmlog.records.models.standard import (
    ModelInfo,
    StandardLoggingMetadata,
    StandardLoggingPayload,
    StandardLoggingUserAPIKeyMetadata,
    VectorStoreSearchResponse,
)

# ------------------------------------------------------------------------------------------
# The specification, table by table: (field, type as written in the specification)
# ------------------------------------------------------------------------------------------

SPEC: dict[str, list[tuple[str, str]]] = {
    "StandardLoggingPayload": [
        ("id", "str"),
        ("trace_id", "str"),
        ("call_type", "str"),
        ("response_cost", "float"),
        ("response_cost_failure_debug_info", "StandardLoggingModelCostFailureDebugInformation"),
        ("status", "StandardLoggingPayloadStatus"),
        ("total_tokens", "int"),
        ("prompt_tokens", "int"),
        ("completion_tokens", "int"),
        ("startTime", "float"),
        ("endTime", "float"),
        ("completionStartTime", "float"),
        ("response_time", "float"),
        ("model_map_information", "StandardLoggingModelInformation"),
        ("model", "str"),
        ("model_id", "Optional[str]"),
        ("model_group", "Optional[str]"),
        ("api_base", "str"),
        ("metadata", "StandardLoggingMetadata"),
        ("cache_hit", "Optional[bool]"),
        ("cache_key", "Optional[str]"),
        ("saved_cache_cost", "float"),
        ("request_tags", "list"),
        ("end_user", "Optional[str]"),
        ("requester_ip_address", "Optional[str]"),
        ("messages", "Optional[Union[str, list, dict]]"),
        ("response", "Optional[Union[str, list, dict]]"),
        ("error_str", "Optional[str]"),
        ("error_information", "Optional[StandardLoggingPayloadErrorInformation]"),
        ("model_parameters", "dict"),
        ("hidden_params", "StandardLoggingHiddenParams"),
    ],
    "StandardLoggingUserAPIKeyMetadata": [
        ("user_api_key_hash", "Optional[str]"),
        ("user_api_key_alias", "Optional[str]"),
        ("user_api_key_org_id", "Optional[str]"),
        ("user_api_key_team_id", "Optional[str]"),
        ("user_api_key_user_id", "Optional[str]"),
        ("user_api_key_team_alias", "Optional[str]"),
    ],
    # "inherits StandardLoggingUserAPIKeyMetadata and adds" - only the added rows here
    "StandardLoggingMetadata": [
        ("spend_logs_metadata", "Optional[dict]"),
        ("requester_ip_address", "Optional[str]"),
        ("requester_metadata", "Optional[dict]"),
        ("vector_store_request_metadata", "Optional[List[StandardLoggingVectorStoreRequest]]"),
        ("requester_custom_headers", "Dict[str, str]"),
        ("guardrail_information", "Optional[StandardLoggingGuardrailInformation]"),
    ],
    "StandardLoggingVectorStoreRequest": [
        ("vector_store_id", "Optional[str]"),
        ("custom_llm_provider", "Optional[str]"),
        ("query", "Optional[str]"),
        ("vector_store_search_response", "Optional[VectorStoreSearchResponse]"),
        ("start_time", "Optional[float]"),
        ("end_time", "Optional[float]"),
    ],
    "StandardLoggingAdditionalHeaders": [
        ("x_ratelimit_limit_requests", "int"),
        ("x_ratelimit_limit_tokens", "int"),
        ("x_ratelimit_remaining_requests", "int"),
        ("x_ratelimit_remaining_tokens", "int"),
    ],
    "StandardLoggingHiddenParams": [
        ("model_id", "Optional[str]"),
        ("cache_key", "Optional[str]"),
        ("api_base", "Optional[str]"),
        ("response_cost", "Optional[str]"),
        ("additional_headers", "Optional[StandardLoggingAdditionalHeaders]"),
        ("batch_models", "Optional[List[str]]"),
        ("litellm_model_name", "Optional[str]"),
    ],
    "StandardLoggingModelInformation": [
        ("model_map_key", "str"),
        ("model_map_value", "Optional[ModelInfo]"),
    ],
    "StandardLoggingModelCostFailureDebugInformation": [
        ("error_str", "str"),
        ("traceback_str", "str"),
        ("model", "str"),
        ("cache_hit", "Optional[bool]"),
        ("custom_llm_provider", "Optional[str]"),
        ("base_model", "Optional[str]"),
        ("call_type", "str"),
        ("custom_pricing", "Optional[bool]"),
    ],
    "StandardLoggingPayloadErrorInformation": [
        ("error_code", "Optional[str]"),
        ("error_class", "Optional[str]"),
        ("llm_provider", "Optional[str]"),
    ],
    "StandardLoggingGuardrailInformation": [
        ("guardrail_name", "Optional[str]"),
        ("guardrail_mode", "Optional[Union[GuardrailEventHooks, List[GuardrailEventHooks]]]"),
        ("guardrail_request", "Optional[dict]"),
        ("guardrail_response", "Optional[Union[dict, str, List[dict]]]"),
        ("guardrail_status", 'Literal["success", "failure"]'),
        ("start_time", "Optional[float]"),
        ("end_time", "Optional[float]"),
        ("duration", "Optional[float]"),
        ("masked_entity_count", "Optional[Dict[str, int]]"),
    ],
}

#: Where the models deliberately depart from the specification (see StandardLoggingPayload's
#: docstring): an unknown price is None with the reason in the debug info, never a made-up 0.0.
#: The table above stays as the specification writes it; the tests check the models against it
#: with these two entries replaced.
DEPARTURES = {
    ("StandardLoggingPayload", "response_cost"): "Optional[float]",
    ("StandardLoggingPayload", "response_cost_failure_debug_info"): "Optional[StandardLoggingModelCostFailureDebugInformation]",
}
SPEC = {name: [(f, DEPARTURES.get((name, f), t)) for f, t in fields] for name, fields in SPEC.items()}

#: "StandardLoggingPayloadStatus: a literal type with two possible values"
SPEC_STATUS = Literal["success", "failure"]
#: the hooks the task requires at least
REQUIRED_HOOKS = {"pre_call", "post_call", "during_call", "logging_only"}


def spec_fields(name: str) -> list[tuple[str, str]]:
    if name == "StandardLoggingMetadata":
        return SPEC["StandardLoggingUserAPIKeyMetadata"] + SPEC["StandardLoggingMetadata"]
    return SPEC[name]


def spec_type(text: str) -> Any:
    """Evaluate a type as the specification writes it, with the spec's own names in scope."""
    scope: dict[str, Any] = {
        "Optional": Optional,
        "Union": Union,
        # typing.List / typing.Dict and list / dict are the same type for canonical()
        "List": list,
        "Dict": dict,
        "Literal": Literal,
        "StandardLoggingPayloadStatus": SPEC_STATUS,
        "GuardrailEventHooks": standard.GuardrailEventHooks,
    }
    scope.update({n: getattr(standard, n) for n in SPEC})
    scope.update({n: getattr(standard, n) for n in ("ModelInfo", "VectorStoreSearchResponse")})
    return eval(text, scope)  # noqa: S307 - literal strings of this file only


def canonical(tp: Any) -> Any:
    """A comparable form of a type: ``Optional[List[str]]`` == ``list[str] | None``."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return canonical(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return ("union", frozenset(canonical(a) for a in get_args(tp)))
    if origin is Literal:
        return ("literal", frozenset(get_args(tp)))
    if origin is not None:
        return (origin, tuple(canonical(a) for a in get_args(tp)))
    return tp


# ------------------------------------------------------------------------------------------
# The gateway's example, as published
# ------------------------------------------------------------------------------------------

GATEWAY_EXAMPLE_TEXT = """
{
  "generationId": "2534CCEDTKJR00217635",
  "accountId": "2533AC0Q5MIe14613672",
  "model": "Anthropic: Claude Sonnet 4",
  "modelSlug": "anthropic/claude-sonnet-4",
  "apiKeyId": "2534AKkA4Nqn14642786",
  "providerSlug": "anthropic",
  "createdAt": "2025-08-22T02:49:18.000+00:00",
  "generationTime": 3298,
  "latency": 2177,
  "moderationLatency": 2169,
  "streamed": true,
  "cancelled": false,
  "throughput": "28.81",
  "nativeFeeTokens": {
    "input_cache_write_5_min": 0,
    "completion": 95,
    "input_cache_read": 0,
    "input_cache_write_1_h": 0,
    "prompt": 16527
  },
  "nativeTokens": {
    "completion_tokens": 95,
    "prompt_tokens": 16527,
    "total_tokens": 16622,
    "completion_tokens_details": { "reasoning_tokens": 0 },
    "prompt_tokens_details": {
      "ephemeral_1h_input_tokens": 0,
      "ephemeral_5m_input_tokens": 0,
      "cached_tokens": 0
    }
  },
  "finishReason": "tool_calls",
  "nativeFinishReason": "tool_calls",
  "originAmount": "0.051006",
  "billAmount": "0.051006",
  "discountAmount": "0",
  "realAmount": "0.051006",
  "nonpaymentAmount": "0",
  "ratingResponses": {
    "billAmount": 0.051006,
    "discountAmount": 0,
    "originAmount": 0.051006,
    "priceVersion": "0.0.3",
    "ratingDetails": [
      {
        "billAmount": 0,
        "discountAmount": 0,
        "feeItemCode": "input_cache_write_5_min",
        "originAmount": 0,
        "rate": 3.75
      },
      {
        "billAmount": 0.001425,
        "discountAmount": 0,
        "feeItemCode": "completion",
        "originAmount": 0.001425,
        "rate": 15
      },
      {
        "billAmount": 0,
        "discountAmount": 0,
        "feeItemCode": "input_cache_read",
        "originAmount": 0,
        "rate": 0.3
      },
      {
        "billAmount": 0,
        "discountAmount": 0,
        "feeItemCode": "input_cache_write_1_h",
        "originAmount": 0,
        "rate": 6
      },
      {
        "billAmount": 0.049581,
        "discountAmount": 0,
        "feeItemCode": "prompt",
        "originAmount": 0.049581,
        "rate": 3
      }
    ],
    "serviceCode": "anthropic#anthropic/ahtnropic_endpoint#anthropic/claude-sonnet-4"
  },
  "requestRetryTimes": 0,
  "finalRetry": true
}
"""

GENERATION_KEYS = [
    "generationId", "accountId", "model", "modelSlug", "apiKeyId", "providerSlug", "createdAt",
    "generationTime", "latency", "moderationLatency", "streamed", "cancelled", "throughput",
    "nativeFeeTokens", "nativeTokens", "finishReason", "nativeFinishReason", "originAmount",
    "billAmount", "discountAmount", "realAmount", "nonpaymentAmount", "ratingResponses",
    "requestRetryTimes", "finalRetry",
]  # fmt: skip
FEE_BUCKETS = [
    "prompt", "completion", "input_cache_read", "input_cache_write", "input_cache_write_5_min",
    "input_cache_write_1_h", "internal_reasoning", "audio", "web_search", "image",
]  # fmt: skip


def example() -> dict[str, Any]:
    return json.loads(GATEWAY_EXAMPLE_TEXT)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def full_payload() -> dict[str, Any]:
    """A StandardLoggingPayload with every field of every part filled."""
    return {
        "id": "chatcmpl-1",
        "trace_id": "trace-1",
        "call_type": "acompletion",
        "response_cost": 0.051006,
        "response_cost_failure_debug_info": {
            "error_str": "",
            "traceback_str": "",
            "model": "claude-sonnet-4",
            "cache_hit": False,
            "custom_llm_provider": "anthropic",
            "base_model": None,
            "call_type": "acompletion",
            "custom_pricing": False,
        },
        "status": "success",
        "total_tokens": 16622,
        "prompt_tokens": 16527,
        "completion_tokens": 95,
        "startTime": 1755830958.0,
        "endTime": 1755830961.298,
        "completionStartTime": 1755830960.177,
        "response_time": 2.177,
        "model_map_information": {
            "model_map_key": "claude-sonnet-4-20250514",
            "model_map_value": {
                "max_tokens": 64000,
                "input_cost_per_token": 3e-06,
                "output_cost_per_token": 1.5e-05,
                "cache_read_input_token_cost": 3e-07,
                "cache_creation_input_token_cost": 3.75e-06,
                "litellm_provider": "anthropic",
                "mode": "chat",
                "supports_vision": True,
            },
        },
        "model": "claude-sonnet-4",
        "model_id": "deploy-1",
        "model_group": "sonnet",
        "api_base": "https://api.anthropic.com/v1/messages",
        "metadata": {
            "user_api_key_hash": "ab12",
            "user_api_key_alias": "ci",
            "user_api_key_org_id": None,
            "user_api_key_team_id": "t1",
            "user_api_key_user_id": "u1",
            "user_api_key_team_alias": "team",
            "spend_logs_metadata": {"project": "p"},
            "requester_ip_address": "10.0.0.1",
            "requester_metadata": {"k": "v"},
            "vector_store_request_metadata": [
                {
                    "vector_store_id": "vs_1",
                    "custom_llm_provider": "openai",
                    "query": "return policy",
                    "vector_store_search_response": {
                        "object": "vector_store.search_results.page",
                        "search_query": ["return policy"],
                        "data": [
                            {
                                "file_id": "file_1",
                                "filename": "policy.txt",
                                "score": 0.87,
                                "attributes": {"region": "eu", "year": 2025, "public": True},
                                "content": [{"type": "text", "text": "30 days"}],
                            }
                        ],
                        "has_more": False,
                        "next_page": None,
                    },
                    "start_time": 1755830958.0,
                    "end_time": 1755830958.2,
                }
            ],
            "requester_custom_headers": {"x-team": "a"},
            "guardrail_information": {
                "guardrail_name": "pii",
                "guardrail_mode": ["pre_call", "post_call"],
                "guardrail_request": {"text": "..."},
                "guardrail_response": [{"entity": "PHONE"}],
                "guardrail_status": "success",
                "start_time": 1.0,
                "end_time": 1.5,
                "duration": 0.5,
                "masked_entity_count": {"PHONE": 1},
            },
        },
        "cache_hit": False,
        "cache_key": None,
        "saved_cache_cost": 0.0,
        "request_tags": ["a", "b"],
        "end_user": "user-7",
        "requester_ip_address": "10.0.0.1",
        "messages": [{"role": "user", "content": "hi"}],
        "response": {"choices": []},
        "error_str": None,
        "error_information": {"error_code": None, "error_class": None, "llm_provider": None},
        "model_parameters": {"max_tokens": 1024},
        "hidden_params": {
            "model_id": "deploy-1",
            "cache_key": None,
            "api_base": "https://api.anthropic.com",
            "response_cost": "0.051006",
            "additional_headers": {
                "x_ratelimit_limit_requests": 4000,
                "x_ratelimit_limit_tokens": 400000,
                "x_ratelimit_remaining_requests": 3999,
                "x_ratelimit_remaining_tokens": 383473,
            },
            "batch_models": None,
            "litellm_model_name": "anthropic/claude-sonnet-4",
        },
    }


def set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


def del_path(data: dict[str, Any], path: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[key]
    del node[last]
    return out


# ------------------------------------------------------------------------------------------
# StandardLoggingPayload: the specification, field for field
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPEC))
def test_field_names_are_the_specifications_in_its_order(name: str) -> None:
    model = getattr(standard, name)
    assert list(model.model_fields) == [field for field, _ in spec_fields(name)]


@pytest.mark.parametrize("name", list(SPEC))
def test_field_types_are_the_specifications(name: str) -> None:
    model = getattr(standard, name)
    for field, text in spec_fields(name):
        assert canonical(model.model_fields[field].annotation) == canonical(spec_type(text)), (name, field, text)


@pytest.mark.parametrize("name", list(SPEC))
def test_optional_fields_default_to_none_and_the_others_are_required(name: str) -> None:
    model = getattr(standard, name)
    for field, text in spec_fields(name):
        info = model.model_fields[field]
        if text.startswith("Optional["):
            assert not info.is_required(), (name, field)
            assert info.default is None, (name, field)
        else:
            assert info.is_required(), (name, field)


def test_metadata_inherits_the_api_key_metadata() -> None:
    assert issubclass(StandardLoggingMetadata, StandardLoggingUserAPIKeyMetadata)
    metadata = StandardLoggingMetadata(user_api_key_alias="ci", requester_custom_headers={})
    assert isinstance(metadata, StandardLoggingUserAPIKeyMetadata)
    assert metadata.user_api_key_alias == "ci"


def test_status_is_the_two_value_literal() -> None:
    assert canonical(standard.StandardLoggingPayloadStatus) == canonical(SPEC_STATUS)
    assert set(get_args(standard.StandardLoggingPayloadStatus)) == {"success", "failure"}


def test_guardrail_event_hooks_cover_the_llm_call_hooks() -> None:
    hooks = set(get_args(standard.GuardrailEventHooks))
    assert REQUIRED_HOOKS <= hooks
    assert hooks - REQUIRED_HOOKS <= {"pre_mcp_call", "during_mcp_call"}


def test_guardrail_information_is_one_object_as_specified_not_a_list() -> None:
    data = set_path(full_payload(), "metadata.guardrail_information", [full_payload()["metadata"]["guardrail_information"]])
    with pytest.raises(pydantic.ValidationError):
        StandardLoggingPayload.model_validate(data)


def test_full_payload_round_trips_with_exactly_the_spec_names() -> None:
    data = full_payload()
    record = StandardLoggingPayload.model_validate(data)
    dumped = record.model_dump(mode="json")
    assert list(dumped) == [f for f, _ in SPEC["StandardLoggingPayload"]]
    assert list(dumped["metadata"]) == [f for f, _ in spec_fields("StandardLoggingMetadata")]
    assert list(dumped["hidden_params"]) == [f for f, _ in SPEC["StandardLoggingHiddenParams"]]
    assert list(dumped["metadata"]["guardrail_information"]) == [f for f, _ in SPEC["StandardLoggingGuardrailInformation"]]
    assert list(dumped["metadata"]["vector_store_request_metadata"][0]) == [
        f for f, _ in SPEC["StandardLoggingVectorStoreRequest"]
    ]
    assert canonical_json(
        StandardLoggingPayload.model_validate_json(json.dumps(dumped)).model_dump(mode="json")
    ) == canonical_json(dumped)
    # everything given comes back (ModelInfo fills its unset optional keys with null)
    model_map_value = dumped["model_map_information"]["model_map_value"]
    assert model_map_value["supports_vision"] is True
    assert {k: v for k, v in model_map_value.items() if v is not None} == data["model_map_information"]["model_map_value"]
    dumped["model_map_information"]["model_map_value"] = data["model_map_information"]["model_map_value"]
    assert canonical_json(dumped) == canonical_json(data)


def test_optional_fields_can_be_left_out_and_dump_as_null() -> None:
    data = full_payload()
    for field, text in SPEC["StandardLoggingPayload"]:
        if text.startswith("Optional["):
            del data[field]
    dumped = StandardLoggingPayload.model_validate(data).model_dump(mode="json")
    assert list(dumped) == [f for f, _ in SPEC["StandardLoggingPayload"]]
    assert all(dumped[f] is None for f, t in SPEC["StandardLoggingPayload"] if t.startswith("Optional["))


@pytest.mark.parametrize("field", [f for f, t in SPEC["StandardLoggingPayload"] if not t.startswith("Optional[")])
def test_a_missing_required_field_is_rejected(field: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=field):
        StandardLoggingPayload.model_validate(del_path(full_payload(), field))


@pytest.mark.parametrize(
    "path",
    [
        "metadata.requester_custom_headers",
        "model_map_information.model_map_key",
        "response_cost_failure_debug_info.error_str",
        "response_cost_failure_debug_info.traceback_str",
        "response_cost_failure_debug_info.model",
        "response_cost_failure_debug_info.call_type",
        "metadata.guardrail_information.guardrail_status",
        "hidden_params.additional_headers.x_ratelimit_remaining_tokens",
    ],
)
def test_a_missing_required_nested_field_is_rejected(path: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        StandardLoggingPayload.model_validate(del_path(full_payload(), path))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", 1),
        ("total_tokens", "16622"),
        ("total_tokens", 1.5),
        ("total_tokens", True),
        ("response_cost", "0.05"),
        ("startTime", "1755830958.0"),
        ("status", "ok"),
        ("status", "SUCCESS"),
        ("cache_hit", "false"),
        ("cache_hit", 0),
        ("request_tags", ("a",)),
        ("request_tags", "a,b"),
        ("model_parameters", []),
        ("messages", 5),
        ("metadata", None),
        ("metadata.requester_custom_headers", {"x-n": 1}),
        ("metadata.vector_store_request_metadata", {"vector_store_id": "vs_1"}),
        ("metadata.vector_store_request_metadata.0.vector_store_search_response.object", "list"),
        ("metadata.vector_store_request_metadata.0.vector_store_search_response.data.0.score", "0.9"),
        ("metadata.guardrail_information.guardrail_mode", "before_call"),
        ("metadata.guardrail_information.guardrail_mode", ["pre_call", "later"]),
        ("metadata.guardrail_information.guardrail_status", "blocked"),
        ("metadata.guardrail_information.masked_entity_count", {"PHONE": "1"}),
        ("metadata.guardrail_information.guardrail_response", 3),
        ("hidden_params.response_cost", 0.051006),
        ("hidden_params.batch_models", "gpt-4o"),
        ("hidden_params.additional_headers.x_ratelimit_limit_tokens", "400000"),
        ("model_map_information.model_map_value.input_cost_per_token", "3e-06"),
        ("error_information.error_code", 429),
        ("unknown_key", "x"),
        ("metadata.user_api_key_hashed", "x"),
        ("hidden_params.extra", 1),
    ],
)
def test_wrong_types_and_unknown_keys_are_rejected(path: str, value: Any) -> None:
    with pytest.raises(pydantic.ValidationError):
        StandardLoggingPayload.model_validate(set_path(full_payload(), path, value))


def test_an_int_is_a_valid_float() -> None:
    record = StandardLoggingPayload.model_validate(set_path(full_payload(), "response_cost", 0))
    assert record.response_cost == 0.0


def test_model_info_and_vector_store_page_keep_unknown_keys() -> None:
    info = ModelInfo.model_validate({"max_tokens": 8192, "supports_pdf_input": True})
    assert info.model_dump()["supports_pdf_input"] is True
    page = VectorStoreSearchResponse.model_validate(
        {"object": "vector_store.search_results.page", "search_query": "q", "usage": {}}
    )
    assert page.model_dump()["usage"] == {}
    assert page.search_query == "q"  # LiteLLM's single string, besides OpenAI's list
    with pytest.raises(pydantic.ValidationError):
        ModelInfo.model_validate({"max_tokens": "8192"})


# ------------------------------------------------------------------------------------------
# GenerationRecord: the gateway's example
# ------------------------------------------------------------------------------------------


def test_generation_record_fields_are_the_examples_keys() -> None:
    assert list(GenerationRecord.model_fields) == GENERATION_KEYS
    assert list(example()) == GENERATION_KEYS
    assert list(NativeFeeTokens.model_fields) == FEE_BUCKETS
    assert list(NativeTokens.model_fields) == list(example()["nativeTokens"])
    assert list(generation.RatingResponses.model_fields) == list(example()["ratingResponses"])
    assert list(generation.RatingDetail.model_fields) == list(example()["ratingResponses"]["ratingDetails"][0])
    assert set(get_args(generation.FeeItemCode)) == set(FEE_BUCKETS)


def test_the_example_round_trips_to_identical_json() -> None:
    original = example()
    record = GenerationRecord.model_validate(original)
    dumped = record.model_dump(mode="json")
    assert canonical_json(dumped) == canonical_json(original)  # same keys, values and JSON types (0 stays 0)
    assert list(dumped) == list(original)
    assert canonical_json(GenerationRecord.model_validate_json(GATEWAY_EXAMPLE_TEXT).model_dump(mode="json")) == canonical_json(
        original
    )
    assert json.loads(record.model_dump_json()) == original


def test_the_example_parses_to_the_intended_types() -> None:
    record = GenerationRecord.model_validate(example())
    assert record.originAmount == "0.051006" and Decimal(record.originAmount) == Decimal("0.051006")
    assert record.throughput == "28.81"
    assert record.nativeFeeTokens.present() == {
        "prompt": 16527,
        "completion": 95,
        "input_cache_read": 0,
        "input_cache_write_5_min": 0,
        "input_cache_write_1_h": 0,
    }
    assert record.nativeFeeTokens.internal_reasoning is None
    assert record.nativeTokens is not None and record.nativeTokens.prompt_tokens_details is not None
    assert record.nativeTokens.prompt_tokens_details.ephemeral_5m_input_tokens == 0
    assert record.ratingResponses is not None
    assert type(record.ratingResponses.discountAmount) is int
    assert type(record.ratingResponses.billAmount) is float
    assert [d.rate for d in record.ratingResponses.ratingDetails] == [3.75, 15, 0.3, 6, 3]


def test_absent_fee_buckets_are_omitted_and_zero_ones_kept() -> None:
    assert NativeFeeTokens(prompt=10, audio=0).model_dump(mode="json") == {"prompt": 10, "audio": 0}
    assert NativeFeeTokens().model_dump(mode="json") == {}


def test_native_tokens_keep_the_upstreams_extra_counts() -> None:
    usage = {
        "completion_tokens": 5,
        "prompt_tokens": 7,
        "total_tokens": 12,
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0},
        "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": 0},
    }
    assert NativeTokens.model_validate(usage).model_dump(mode="json") == usage


def test_unknown_values_dump_as_null_with_every_key_present() -> None:
    minimal = {
        "generationId": "g1",
        "model": "gpt-4o-mini",
        "modelSlug": "openai/gpt-4o-mini",
        "providerSlug": "openai",
        "createdAt": "2025-08-22T10:49:18.123+08:00",
        "generationTime": 0,
        "streamed": False,
        "cancelled": False,
        "nativeFeeTokens": {},
        "requestRetryTimes": 0,
        "finalRetry": True,
    }
    dumped = GenerationRecord.model_validate(minimal).model_dump(mode="json")
    assert list(dumped) == GENERATION_KEYS
    assert {k for k, v in dumped.items() if v is None} == set(GENERATION_KEYS) - set(minimal)


@pytest.mark.parametrize(
    "field",
    ["generationId", "model", "modelSlug", "providerSlug", "createdAt", "generationTime", "streamed", "cancelled",
     "nativeFeeTokens", "requestRetryTimes", "finalRetry"],
)  # fmt: skip
def test_generation_record_required_fields(field: str) -> None:
    assert GenerationRecord.model_fields[field].is_required()
    with pytest.raises(pydantic.ValidationError, match=field):
        GenerationRecord.model_validate(del_path(example(), field))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("originAmount", 0.051006),
        ("billAmount", "1e-3"),
        ("billAmount", "0.05 USD"),
        ("realAmount", "+0.05"),
        ("discountAmount", "00"),
        ("nonpaymentAmount", ""),
        ("throughput", 28.81),
        ("throughput", "28.8"),
        ("throughput", "28.810"),
        ("createdAt", "2025-08-22T02:49:18+00:00"),
        ("createdAt", "2025-08-22T02:49:18.000"),
        ("createdAt", "2025-08-22T02:49:18.000Z"),
        ("createdAt", "2025-13-22T02:49:18.000+00:00"),
        ("createdAt", 1755830958000),
        ("generationTime", "3298"),
        ("generationTime", 3298.0),
        ("latency", -1),
        ("streamed", "true"),
        ("cancelled", 0),
        ("finalRetry", None),
        ("requestRetryTimes", True),
        ("finishReason", ["tool_calls"]),
        ("nativeFeeTokens.prompt", "16527"),
        ("nativeFeeTokens.prompt", -1),
        ("nativeFeeTokens.cache_read", 0),
        ("nativeTokens.total_tokens", "16622"),
        ("nativeTokens.completion_tokens_details.reasoning_tokens", "0"),
        ("ratingResponses.billAmount", "0.051006"),
        ("ratingResponses.discountAmount", False),
        ("ratingResponses.priceVersion", 3),
        ("ratingResponses.ratingDetails.0.rate", "3.75"),
        ("ratingResponses.ratingDetails.0.rate", -3.75),
        ("ratingResponses.ratingDetails.0.feeItemCode", "tokens"),
        ("ratingResponses.ratingDetails.0.feeItemCode", "audio"),  # no audio quantity in nativeFeeTokens
        ("ratingResponses.ratingDetails.1.feeItemCode", "prompt"),  # prompt twice
        ("ratingResponses.ratingDetails.0.unit", "token"),
        ("ratingResponses.currency", "USD"),
        ("cost", 0.05),
    ],
)
def test_generation_record_rejects_wrong_types(path: str, value: Any) -> None:
    with pytest.raises(pydantic.ValidationError):
        GenerationRecord.model_validate(set_path(example(), path, value))


def test_assignment_is_validated_too() -> None:
    record = GenerationRecord.model_validate(example())
    with pytest.raises(pydantic.ValidationError):
        record.billAmount = 0.05  # type: ignore[assignment]


# ------------------------------------------------------------------------------------------
# Helpers and schemas
# ------------------------------------------------------------------------------------------


def test_format_helpers_reproduce_the_examples_values() -> None:
    assert format_created_at(datetime(2025, 8, 22, 2, 49, 18, tzinfo=UTC)) == "2025-08-22T02:49:18.000+00:00"
    assert format_created_at(datetime(2025, 8, 22, 10, 49, 18, 123456, tzinfo=timezone(timedelta(hours=8)))) == (
        "2025-08-22T10:49:18.123+08:00"
    )
    with pytest.raises(ValueError):
        format_created_at(datetime(2025, 8, 22, 2, 49, 18))
    assert format_throughput(95, 3298) == "28.81"  # the example: 95 completion tokens in 3298 ms
    assert format_throughput(0, 3298) is None and format_throughput(95, 0) is None
    assert format_amount(Decimal("0.0510060")) == "0.051006"
    assert format_amount(Decimal("0E-6")) == "0"
    assert format_amount(Decimal("-0")) == "0"
    assert format_amount(Decimal("1E+2")) == "100"
    assert format_amount(16527 * Decimal(3) / Decimal(1_000_000)) == "0.049581"


def test_json_schema_of_both_kinds() -> None:
    standard = json_schema("standard")
    assert list(standard["properties"]) == [f for f, _ in SPEC["StandardLoggingPayload"]]
    assert set(standard["required"]) == {f for f, t in SPEC["StandardLoggingPayload"] if not t.startswith("Optional[")}
    assert standard["additionalProperties"] is False
    assert standard["properties"]["status"]["enum"] == ["success", "failure"]
    for name in SPEC:
        if name not in ("StandardLoggingPayload", "StandardLoggingUserAPIKeyMetadata"):  # the latter only as a base
            assert list(standard["$defs"][name]["properties"]) == [f for f, _ in spec_fields(name)]

    generation = json_schema("generation")
    assert list(generation["properties"]) == GENERATION_KEYS
    assert generation["additionalProperties"] is False
    assert set(generation["required"]) == {
        "generationId", "model", "modelSlug", "providerSlug", "createdAt", "generationTime", "streamed",
        "cancelled", "nativeFeeTokens", "requestRetryTimes", "finalRetry",
    }  # fmt: skip
    assert list(generation["$defs"]["NativeFeeTokens"]["properties"]) == FEE_BUCKETS
    assert "pattern" in json.dumps(generation["properties"]["originAmount"])

    json.dumps(standard)
    json.dumps(generation)
    with pytest.raises(ValueError):
        json_schema("other")  # type: ignore[arg-type]
