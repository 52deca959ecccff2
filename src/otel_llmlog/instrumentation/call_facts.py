"""The provider-neutral facts of one live LLM call.

Provider modules only fill a :class:`CallFacts` with facts (what was asked, what came back,
how many tokens of which kind). Everything that turns those facts into telemetry - timing,
cost, finish-reason normalization, attributes, metrics - reads these facts and nothing
provider-specific, so a second provider never needs a second copy of that logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..facts.usage import Usage


@dataclass(slots=True)
class CallFacts:
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
