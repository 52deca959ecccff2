"""The gateway's raw per-generation record as pydantic models (``generationId``, ``nativeFeeTokens``, ...).

With the camelCase keys of its published example. Why strict, and which shapes keep unknown keys:
:mod:`.base`. How spans fill it: :mod:`otel_llmlog.records.generation`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from ...facts.fees import FEE_CODES
from .base import Foreign, OmitAbsent, Owned

__all__ = [
    "AmountString",
    "CompletionTokensDetails",
    "CreatedAtString",
    "FeeItemCode",
    "GenerationRecord",
    "NativeFeeTokens",
    "NativeTokens",
    "PromptTokensDetails",
    "RatingDetail",
    "RatingResponses",
    "ThroughputString",
    "format_created_at",
    "format_throughput",
]


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


class NativeFeeTokens(OmitAbsent, Owned):
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


class CompletionTokensDetails(OmitAbsent, Foreign):
    """Upstream's breakdown of completion tokens; unreported counts are omitted, other keys kept."""

    reasoning_tokens: _Count | None = None


class PromptTokensDetails(OmitAbsent, Foreign):
    """Upstream's breakdown of prompt tokens (Anthropic's 1h/5m cache writes, cache reads)."""

    ephemeral_1h_input_tokens: _Count | None = None
    ephemeral_5m_input_tokens: _Count | None = None
    cached_tokens: _Count | None = None


class NativeTokens(OmitAbsent, Foreign):
    """The usage as the upstream reported it, in OpenAI's usage shape.

    Foreign (extra keys kept): it is the provider's object, not ours, and providers add counts.
    """

    completion_tokens: _Count
    prompt_tokens: _Count
    total_tokens: _Count
    completion_tokens_details: CompletionTokensDetails | None = None
    prompt_tokens_details: PromptTokensDetails | None = None


class RatingDetail(Owned):
    """The charge of one fee item. ``rate`` is USD per million units of the bucket."""

    billAmount: _Number
    discountAmount: _Number
    feeItemCode: FeeItemCode
    originAmount: _Number
    rate: _Number


class RatingResponses(Owned):
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


class GenerationRecord(Owned):
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
# formatting helpers for producers


def format_created_at(when: datetime) -> str:
    """``createdAt`` text: ISO-8601, milliseconds, numeric offset. Naive datetimes are refused,
    since a timestamp without an offset is ambiguous in a log."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("createdAt needs a timezone-aware datetime")
    return when.isoformat(timespec="milliseconds")


def format_throughput(completion_tokens: int, generation_time_ms: int) -> str | None:
    """Tokens per second with two decimals, rounded half up; ``None`` without time or tokens."""
    if generation_time_ms <= 0 or completion_tokens <= 0:
        return None
    value = Decimal(completion_tokens) * 1000 / Decimal(generation_time_ms)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
