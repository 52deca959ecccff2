"""The ``StandardLoggingPayload`` specification as pydantic models: the standard record and its parts.

The standard per-call object LiteLLM logs under ``kwargs["standard_logging_object"]``, field for
field - same names, same types, same optionality. ``Optional[...]`` fields default to ``None``;
every field the specification types without ``Optional`` is required. Why strict, and which
shapes keep unknown keys: :mod:`.base`. How spans fill it: :mod:`otel_llmlog.records.standard`.
"""

from __future__ import annotations

from typing import Literal

from .base import Foreign, Owned

__all__ = [
    "GuardrailEventHooks",
    "ModelInfo",
    "StandardLoggingAdditionalHeaders",
    "StandardLoggingGuardrailInformation",
    "StandardLoggingHiddenParams",
    "StandardLoggingMetadata",
    "StandardLoggingModelCostFailureDebugInformation",
    "StandardLoggingModelInformation",
    "StandardLoggingPayload",
    "StandardLoggingPayloadErrorInformation",
    "StandardLoggingPayloadStatus",
    "StandardLoggingUserAPIKeyMetadata",
    "StandardLoggingVectorStoreRequest",
    "VectorStoreResultContent",
    "VectorStoreSearchResponse",
    "VectorStoreSearchResult",
]


#: ``StandardLoggingPayloadStatus``: a literal type with two possible values.
StandardLoggingPayloadStatus = Literal["success", "failure"]

#: When a guardrail runs. The specification names the type without listing it; these are the
#: members of LiteLLM's ``GuardrailEventHooks`` enum (a ``str`` enum, so they log as these
#: strings): the four LLM-call hooks, plus the two MCP tool-call hooks later LiteLLM versions add.
GuardrailEventHooks = Literal[
    "pre_call",
    "post_call",
    "during_call",
    "logging_only",
    "pre_mcp_call",
    "during_mcp_call",
]


class ModelInfo(Foreign):
    """The price-map entry of the model used (``model_map_value``).

    Only the commonly used keys are typed; a price map carries many more (``supports_vision``,
    tiered rates, ...), and those are kept as extra keys rather than rejected.
    """

    key: str | None = None
    max_tokens: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None
    cache_read_input_token_cost: float | None = None
    cache_creation_input_token_cost: float | None = None
    litellm_provider: str | None = None
    mode: str | None = None
    supported_openai_params: list[str] | None = None


class VectorStoreResultContent(Foreign):
    """One content chunk of a vector-store search result (OpenAI: ``{"type": "text", "text": ...}``)."""

    type: str | None = None
    text: str | None = None


class VectorStoreSearchResult(Foreign):
    """One item of a vector-store search page."""

    file_id: str | None = None
    filename: str | None = None
    score: float | None = None
    #: OpenAI: up to 16 keys, values string, number or boolean
    attributes: dict[str, str | int | float | bool] | None = None
    content: list[VectorStoreResultContent] | None = None


class VectorStoreSearchResponse(Foreign):
    """A vector-store search result page in OpenAI's shape (``vector_store.search_results.page``).

    Every field is optional because providers other than OpenAI fill only part of the page.
    ``search_query`` is a list of strings in OpenAI's API reference and a single string in
    LiteLLM's own type; both are accepted.
    """

    object: Literal["vector_store.search_results.page"] | None = None
    search_query: str | list[str] | None = None
    data: list[VectorStoreSearchResult] | None = None
    has_more: bool | None = None
    next_page: str | None = None


class StandardLoggingUserAPIKeyMetadata(Owned):
    """Who called, as known from the (virtual) API key."""

    user_api_key_hash: str | None = None
    user_api_key_alias: str | None = None
    user_api_key_org_id: str | None = None
    user_api_key_team_id: str | None = None
    user_api_key_user_id: str | None = None
    user_api_key_team_alias: str | None = None


class StandardLoggingVectorStoreRequest(Owned):
    """One vector-store lookup made for the request."""

    vector_store_id: str | None = None
    custom_llm_provider: str | None = None
    query: str | None = None
    vector_store_search_response: VectorStoreSearchResponse | None = None
    start_time: float | None = None
    end_time: float | None = None


class StandardLoggingGuardrailInformation(Owned):
    """What a guardrail did. ``guardrail_status`` is the only required field."""

    guardrail_name: str | None = None
    guardrail_mode: GuardrailEventHooks | list[GuardrailEventHooks] | None = None
    guardrail_request: dict | None = None
    guardrail_response: dict | str | list[dict] | None = None
    guardrail_status: Literal["success", "failure"]
    start_time: float | None = None
    end_time: float | None = None
    #: seconds
    duration: float | None = None
    #: e.g. ``{"CREDIT_CARD": 2, "PHONE": 1}``
    masked_entity_count: dict[str, int] | None = None


class StandardLoggingMetadata(StandardLoggingUserAPIKeyMetadata):
    """The request's metadata: the API-key fields, plus these."""

    spend_logs_metadata: dict | None = None
    requester_ip_address: str | None = None
    requester_metadata: dict | None = None
    vector_store_request_metadata: list[StandardLoggingVectorStoreRequest] | None = None
    #: any custom (``x-``) headers the client sent; required by the specification (may be ``{}``)
    requester_custom_headers: dict[str, str]
    # One guardrail, exactly as the specification types it. A request that runs more than one
    # guardrail (e.g. a pre_call and a post_call hook, or two named guardrails) would need
    # ``list[StandardLoggingGuardrailInformation] | None`` here - which is what later LiteLLM
    # versions did, moving the list to ``StandardLoggingPayload.guardrail_information``. Until the
    # specification says so, a producer with several results has to pick one (the last to run).
    guardrail_information: StandardLoggingGuardrailInformation | None = None


class StandardLoggingAdditionalHeaders(Owned):
    """Rate-limit headers of the provider's response. All four are required by the specification;
    a response without them gets ``additional_headers=None`` on the hidden params instead."""

    x_ratelimit_limit_requests: int
    x_ratelimit_limit_tokens: int
    x_ratelimit_remaining_requests: int
    x_ratelimit_remaining_tokens: int


class StandardLoggingHiddenParams(Owned):
    """Response-side facts not shown to the caller."""

    model_id: str | None = None
    cache_key: str | None = None
    api_base: str | None = None
    #: a string in the specification (not a float, unlike ``StandardLoggingPayload.response_cost``)
    response_cost: str | None = None
    additional_headers: StandardLoggingAdditionalHeaders | None = None
    #: only set for the Batches API: the models used for cost calculation
    batch_models: list[str] | None = None
    litellm_model_name: str | None = None


class StandardLoggingModelInformation(Owned):
    """Which price-map entry was used."""

    model_map_key: str
    model_map_value: ModelInfo | None = None


class StandardLoggingModelCostFailureDebugInformation(Owned):
    """Why the cost could not be computed."""

    error_str: str
    traceback_str: str
    model: str
    cache_hit: bool | None = None
    custom_llm_provider: str | None = None
    base_model: str | None = None
    call_type: str
    custom_pricing: bool | None = None


class StandardLoggingPayloadErrorInformation(Owned):
    """The error of a failed call."""

    #: e.g. ``"429"``
    error_code: str | None = None
    #: e.g. ``"RateLimitError"``
    error_class: str | None = None
    #: e.g. ``"openai"``
    llm_provider: str | None = None


class StandardLoggingPayload(Owned):
    """The standard payload, one per successful or failed call.

    Two deliberate departures from the specification's types, both so that an unknown price is
    never written as a made-up number (DESIGN: "unknown price is not free"):

    * ``response_cost`` is ``float | None``: ``None`` when no price is known (the spec types it
      ``float``, which would force a fake ``0.0``);
    * ``response_cost_failure_debug_info`` is optional (as in LiteLLM's own source): set exactly
      when ``response_cost`` is ``None``, saying why.
    """

    id: str
    #: ties together several LLM calls of one overall request (fallbacks, retries)
    trace_id: str
    call_type: str
    #: USD
    response_cost: float | None = None
    response_cost_failure_debug_info: StandardLoggingModelCostFailureDebugInformation | None = None
    status: StandardLoggingPayloadStatus
    total_tokens: int
    prompt_tokens: int
    completion_tokens: int
    startTime: float
    endTime: float
    #: first token of a streamed response
    completionStartTime: float
    #: total response time; time to first token when streamed
    response_time: float
    model_map_information: StandardLoggingModelInformation
    #: the model name sent in the request
    model: str
    model_id: str | None = None
    model_group: str | None = None
    api_base: str
    metadata: StandardLoggingMetadata
    cache_hit: bool | None = None
    cache_key: str | None = None
    saved_cache_cost: float
    request_tags: list
    end_user: str | None = None
    requester_ip_address: str | None = None
    messages: str | list | dict | None = None
    response: str | list | dict | None = None
    error_str: str | None = None
    error_information: StandardLoggingPayloadErrorInformation | None = None
    model_parameters: dict
    hidden_params: StandardLoggingHiddenParams
