"""Pydantic models of the two record shapes this library writes, and their JSON Schemas.

* ``StandardLoggingPayload`` and its parts: the ``StandardLoggingPayload`` specification (the
  standard per-call object LiteLLM logs under ``kwargs["standard_logging_object"]``), field for
  field - same names, same types, same optionality. ``Optional[...]`` fields default to ``None``;
  every field the specification types without ``Optional`` is required.
* :class:`GenerationRecord`: the gateway's raw per-generation record (``generationId``,
  ``nativeFeeTokens``, ``ratingResponses``, ...), with the camelCase keys of its published example.

Why these choices, once for the whole module:

* ``strict=True`` everywhere. In lax mode pydantic turns ``"12"`` into ``12`` and ``1`` into
  ``True``; a log record that silently changes type is what these models exist to catch. Strict
  mode still accepts an int where a float is expected and a plain dict where a nested model is.
* ``extra="forbid"`` on the records we own (the specification's types, :class:`GenerationRecord`
  and its fee/rating parts): a key outside the contract is a producer bug (``start_time`` for
  ``startTime``), and dropping it quietly would hide that bug. Shapes owned by someone else -
  :class:`ModelInfo` (a price-map entry), :class:`VectorStoreSearchResponse` (OpenAI's page) and
  :class:`NativeTokens` (the upstream's own usage object) - allow extra keys and keep them, since
  their owners add fields over time.
* ``protected_namespaces=()``: the specification has fields named ``model_id``, ``model_group``,
  ``model_map_information``...; older pydantic 2.x would warn about every one of them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_serializer, model_validator

from ..facts.fees import FEE_CODES

__all__ = [
    "AmountString",
    "CompletionTokensDetails",
    "FeeItemCode",
    "GenerationRecord",
    "GuardrailEventHooks",
    "ModelInfo",
    "NativeFeeTokens",
    "NativeTokens",
    "PromptTokensDetails",
    "RatingDetail",
    "RatingResponses",
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
    "format_amount",
    "format_created_at",
    "format_throughput",
    "json_schema",
]


class _Record(BaseModel):
    """A record whose shape we own: strict types, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=True, protected_namespaces=())


class _Foreign(BaseModel):
    """A shape owned by someone else: strict on the fields we know, unknown keys kept as they are."""

    model_config = ConfigDict(strict=True, extra="allow", validate_assignment=True, protected_namespaces=())


class _OmitAbsent:
    """Mixin: declared fields that are ``None`` are left out of the dump instead of written as null.

    Used where a missing key means "not reported / not a fee item for this model", which is not the
    same as 0 and not worth a ``null`` in every record. Extra keys are passed through untouched.
    """

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        declared = type(self).model_fields  # type: ignore[attr-defined]
        return {k: v for k, v in data.items() if not (v is None and k in declared)}


# --------------------------------------------------------------------------------------------
# StandardLoggingPayload specification
# --------------------------------------------------------------------------------------------

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


class ModelInfo(_Foreign):
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


class VectorStoreResultContent(_Foreign):
    """One content chunk of a vector-store search result (OpenAI: ``{"type": "text", "text": ...}``)."""

    type: str | None = None
    text: str | None = None


class VectorStoreSearchResult(_Foreign):
    """One item of a vector-store search page."""

    file_id: str | None = None
    filename: str | None = None
    score: float | None = None
    #: OpenAI: up to 16 keys, values string, number or boolean
    attributes: dict[str, str | int | float | bool] | None = None
    content: list[VectorStoreResultContent] | None = None


class VectorStoreSearchResponse(_Foreign):
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


class StandardLoggingUserAPIKeyMetadata(_Record):
    """Who called, as known from the (virtual) API key."""

    user_api_key_hash: str | None = None
    user_api_key_alias: str | None = None
    user_api_key_org_id: str | None = None
    user_api_key_team_id: str | None = None
    user_api_key_user_id: str | None = None
    user_api_key_team_alias: str | None = None


class StandardLoggingVectorStoreRequest(_Record):
    """One vector-store lookup made for the request."""

    vector_store_id: str | None = None
    custom_llm_provider: str | None = None
    query: str | None = None
    vector_store_search_response: VectorStoreSearchResponse | None = None
    start_time: float | None = None
    end_time: float | None = None


class StandardLoggingGuardrailInformation(_Record):
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


class StandardLoggingAdditionalHeaders(_Record):
    """Rate-limit headers of the provider's response. All four are required by the specification;
    a response without them gets ``additional_headers=None`` on the hidden params instead."""

    x_ratelimit_limit_requests: int
    x_ratelimit_limit_tokens: int
    x_ratelimit_remaining_requests: int
    x_ratelimit_remaining_tokens: int


class StandardLoggingHiddenParams(_Record):
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


class StandardLoggingModelInformation(_Record):
    """Which price-map entry was used."""

    model_map_key: str
    model_map_value: ModelInfo | None = None


class StandardLoggingModelCostFailureDebugInformation(_Record):
    """Why the cost could not be computed."""

    error_str: str
    traceback_str: str
    model: str
    cache_hit: bool | None = None
    custom_llm_provider: str | None = None
    base_model: str | None = None
    call_type: str
    custom_pricing: bool | None = None


class StandardLoggingPayloadErrorInformation(_Record):
    """The error of a failed call."""

    #: e.g. ``"429"``
    error_code: str | None = None
    #: e.g. ``"RateLimitError"``
    error_class: str | None = None
    #: e.g. ``"openai"``
    llm_provider: str | None = None


class StandardLoggingPayload(_Record):
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


# --------------------------------------------------------------------------------------------
# Gateway generation record
# --------------------------------------------------------------------------------------------

#: A money amount as a plain decimal string: ``"0.051006"``, ``"0"``. Strings, not floats, so a
#: micro-dollar amount survives JSON unchanged; no exponent, no ``+``, no leading zeros.
AmountString = Annotated[str, StringConstraints(pattern=r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")]
#: Tokens per second with exactly two decimals: ``"28.81"``.
ThroughputString = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]*)\.[0-9]{2}$")]
#: ISO-8601 with milliseconds and a numeric offset: ``"2025-08-22T02:49:18.000+00:00"``.
CreatedAtString = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}$")
]
_Count = Annotated[int, Field(ge=0)]
_Millis = Annotated[int, Field(ge=0)]
#: ``ratingResponses`` amounts and rates are JSON numbers in the record (``0``, ``0.051006``, ``15``).
#: int before float so that an integer stays an integer and the record re-serializes byte-identical.
_Number = Annotated[int, Field(ge=0)] | Annotated[float, Field(ge=0, allow_inf_nan=False)]

#: Fee buckets of ``nativeFeeTokens`` and codes of ``ratingDetails``.
FeeItemCode = Literal[FEE_CODES]  # type: ignore[valid-type] - the one list, facts/fees.py


class NativeFeeTokens(_OmitAbsent, _Record):
    """Billable quantity per fee bucket.

    Every bucket is optional and an absent one is left out of the dump, not written as 0 or null:
    the gateway's example lists only the buckets the model has a rate for (Claude Sonnet 4: no
    ``internal_reasoning``, ``audio``, ``web_search`` or ``image``) and has one ``ratingDetails``
    entry per listed bucket. Present-with-0 means "priced, none used"; absent means "not a fee item
    of this model" - defaulting to 0 would erase that difference and break the round trip.

    ``input_cache_write`` (no duration) is listed by the gateway's documentation next to the 5-minute
    and 1-hour buckets, for providers with a single cache-write price. ``web_search`` counts
    requests and ``image`` images, not tokens.
    """

    prompt: _Count | None = None
    completion: _Count | None = None
    input_cache_read: _Count | None = None
    input_cache_write: _Count | None = None
    input_cache_write_5_min: _Count | None = None
    input_cache_write_1_h: _Count | None = None
    internal_reasoning: _Count | None = None
    audio: _Count | None = None
    web_search: _Count | None = None
    image: _Count | None = None

    def present(self) -> dict[str, int]:
        """The buckets that are fee items of this record, with their quantities."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CompletionTokensDetails(_OmitAbsent, _Foreign):
    """Upstream's breakdown of completion tokens; unreported counts are omitted, other keys kept."""

    reasoning_tokens: _Count | None = None


class PromptTokensDetails(_OmitAbsent, _Foreign):
    """Upstream's breakdown of prompt tokens (Anthropic's 1h/5m cache writes, cache reads)."""

    ephemeral_1h_input_tokens: _Count | None = None
    ephemeral_5m_input_tokens: _Count | None = None
    cached_tokens: _Count | None = None


class NativeTokens(_OmitAbsent, _Foreign):
    """The usage as the upstream reported it, in OpenAI's usage shape.

    Foreign (extra keys kept): it is the provider's object, not ours, and providers add counts.
    """

    completion_tokens: _Count
    prompt_tokens: _Count
    total_tokens: _Count
    completion_tokens_details: CompletionTokensDetails | None = None
    prompt_tokens_details: PromptTokensDetails | None = None


class RatingDetail(_Record):
    """The charge of one fee item. ``rate`` is USD per million units of the bucket."""

    billAmount: _Number
    discountAmount: _Number
    feeItemCode: FeeItemCode
    originAmount: _Number
    rate: _Number


class RatingResponses(_Record):
    """The rating (pricing) result: totals, price-table version, one detail per fee item."""

    billAmount: _Number
    discountAmount: _Number
    originAmount: _Number
    priceVersion: str
    ratingDetails: list[RatingDetail]
    #: ``provider#endpoint#model`` that the price was looked up for
    serviceCode: str

    @field_validator("ratingDetails")
    @classmethod
    def _one_detail_per_fee_item(cls, details: list[RatingDetail]) -> list[RatingDetail]:
        codes = [d.feeItemCode for d in details]
        if len(codes) != len(set(codes)):
            raise ValueError(f"duplicate feeItemCode in ratingDetails: {codes}")
        return details


class GenerationRecord(_Record):
    """The gateway's raw record of one generation, with the keys of its published example.

    Every key is always written (``null`` when unknown), so consumers can rely on the shape; only
    inside ``nativeFeeTokens`` and ``nativeTokens`` are absent entries left out (see there).
    Nullable, with the reason:

    * ``accountId``, ``apiKeyId``, ``moderationLatency``: gateway-side facts a client-side producer
      may not have.
    * ``latency`` (ms to first token): no token ever arrived on a failed call.
    * ``throughput``: no output tokens or no generation time.
    * ``nativeTokens``, ``finishReason``, ``nativeFinishReason``: not reported on failure.
    * the five amounts and ``ratingResponses``: no known price. An unknown price is ``null``,
      never ``"0"`` - a made-up zero in a cost report is worse than a visible gap.

    Amount keys are decimal strings; ``ratingResponses`` has the same amounts as JSON numbers.
    That is how the gateway writes them, so both are kept as they are.
    """

    generationId: str
    accountId: str | None = None
    #: display name, e.g. ``"Anthropic: Claude Sonnet 4"``
    model: str
    #: e.g. ``"anthropic/claude-sonnet-4"``
    modelSlug: str
    apiKeyId: str | None = None
    providerSlug: str
    createdAt: CreatedAtString
    #: ms, whole response
    generationTime: _Millis
    #: ms to first token
    latency: _Millis | None = None
    moderationLatency: _Millis | None = None
    streamed: bool
    cancelled: bool
    #: completion tokens / generation time in seconds, two decimals (95 / 3.298 s -> "28.81")
    throughput: ThroughputString | None = None
    nativeFeeTokens: NativeFeeTokens
    nativeTokens: NativeTokens | None = None
    finishReason: str | None = None
    nativeFinishReason: str | None = None
    originAmount: AmountString | None = None
    billAmount: AmountString | None = None
    discountAmount: AmountString | None = None
    realAmount: AmountString | None = None
    nonpaymentAmount: AmountString | None = None
    ratingResponses: RatingResponses | None = None
    requestRetryTimes: _Count
    finalRetry: bool

    @field_validator("createdAt")
    @classmethod
    def _real_timestamp(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value)
        except ValueError as exc:  # pattern-shaped but impossible: month 13, 25 o'clock
            raise ValueError(f"createdAt is not a valid timestamp: {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _rated_items_are_fee_buckets(self) -> GenerationRecord:
        if self.ratingResponses is None:
            return self
        buckets = self.nativeFeeTokens.present()
        unknown = [d.feeItemCode for d in self.ratingResponses.ratingDetails if d.feeItemCode not in buckets]
        if unknown:
            raise ValueError(f"ratingDetails has fee items with no nativeFeeTokens quantity: {unknown}")
        return self


# --------------------------------------------------------------------------------------------
# Formatting helpers for producers, and the schemas
# --------------------------------------------------------------------------------------------


def format_created_at(when: datetime) -> str:
    """``createdAt`` text: ISO-8601, milliseconds, numeric offset. Naive datetimes are refused,
    since a timestamp without an offset is ambiguous in a log."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("createdAt needs a timezone-aware datetime")
    return when.isoformat(timespec="milliseconds")


def format_amount(amount: Decimal | int | str) -> str:
    """A money amount as the record writes it: plain decimal, no exponent, no trailing zeros
    (``Decimal("0.0510060")`` -> ``"0.051006"``, ``Decimal("0E-6")`` -> ``"0"``)."""
    text = format(Decimal(amount).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def format_throughput(completion_tokens: int, generation_time_ms: int) -> str | None:
    """Tokens per second with two decimals, rounded half up; ``None`` without time or tokens."""
    if generation_time_ms <= 0 or completion_tokens <= 0:
        return None
    value = Decimal(completion_tokens) * 1000 / Decimal(generation_time_ms)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def json_schema(kind: Literal["standard", "generation"]) -> dict[str, Any]:
    """JSON Schema (draft 2020-12, pydantic's validation mode) of one record kind:
    ``"standard"`` -> :class:`StandardLoggingPayload`, ``"generation"`` -> :class:`GenerationRecord`."""
    if kind == "standard":
        return StandardLoggingPayload.model_json_schema()
    if kind == "generation":
        return GenerationRecord.model_json_schema()
    raise ValueError(f"unknown record kind {kind!r}: expected 'standard' or 'generation'")
