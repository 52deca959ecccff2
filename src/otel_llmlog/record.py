"""The provider-neutral record of one LLM call.

Provider modules only fill a :class:`CallRecord` with facts (what was asked, what came back,
how many tokens of which kind). Everything that turns those facts into telemetry - timing,
cost, finish-reason normalization, attributes, metrics - reads this record and nothing
provider-specific, so a second provider never needs a second copy of that logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Usage:
    """Token counts of one call, in the conventions' inclusive sense.

    ``input_tokens`` includes cache reads and cache writes; ``output_tokens`` includes reasoning
    tokens. Providers that report exclusive counts (Anthropic) convert before filling this in.
    ``None`` means "not reported", which is different from 0.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cache_write_5m_tokens: int | None = None
    cache_write_1h_tokens: int | None = None
    reasoning_tokens: int | None = None
    audio_input_tokens: int | None = None
    audio_output_tokens: int | None = None

    def known(self) -> bool:
        return self.input_tokens is not None or self.output_tokens is not None


@dataclass(slots=True)
class CallRecord:
    """Everything known about one call; filled while the call runs, read once when it ends."""

    provider: str
    operation: str
    request_model: str | None
    #: the SDK's request path (``/chat/completions``, ``/vector_stores/vs_1/search``)
    path: str = ""
    server_address: str | None = None
    server_port: int | None = None
    stream: bool = False
    #: request parameters already keyed by their semconv attribute name
    request_attributes: dict[str, Any] = field(default_factory=dict)
    response_id: str | None = None
    response_model: str | None = None
    #: provider-native finish reasons, one per choice (or one for single-answer APIs)
    native_finish_reasons: list[str] = field(default_factory=list)
    #: normalized finish reasons, parallel to ``native_finish_reasons``
    finish_reasons: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    #: extra response facts already keyed by semconv attribute name (service tier, dimensions, ...)
    response_attributes: dict[str, Any] = field(default_factory=dict)
    #: price-relevant facts of the response (``service_tier``: ``flex``, ``priority``, ...)
    price_context: dict[str, str] = field(default_factory=dict)
    provider_request_id: str | None = None
    http_status: int | None = None
    resend_count: int = 0
    api_key_sha256: str | None = None
    #: content, only filled when capture is on (conventions' message schema, not yet JSON)
    input_messages: list[dict[str, Any]] | None = None
    system_instructions: list[dict[str, Any]] | None = None
    output_messages: list[dict[str, Any]] | None = None
    #: timings, epoch nanoseconds
    start_ns: int = 0
    first_chunk_ns: int | None = None
    end_ns: int | None = None
    chunks: int = 0
    cancelled: bool = False
    error: BaseException | None = None
    error_type: str | None = None
