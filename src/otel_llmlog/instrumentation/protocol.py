"""What a provider module gives the hooks: its endpoints, and how to read each one's facts.

Both supported SDKs send every endpoint through their base client's ``request`` method, so the
hooks route each request by its path to one :class:`Endpoint` of a :class:`Provider`. An endpoint
only extracts facts into a :class:`~otel_llmlog.instrumentation.call_facts.CallFacts`; spans,
clocks, prices and errors are :mod:`~otel_llmlog.instrumentation.call`'s. Provider modules
subclass :class:`Endpoint` and :class:`StreamState` and export one :class:`Provider`; nothing here
imports a provider module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..facts.finish_reasons import NORMALIZED as NORMALIZED_FINISH_REASONS
from ..facts.providers import ProviderInfo
from .call_facts import CallFacts


class Endpoint:
    """Fact extraction for one API endpoint. Provider modules subclass this; nothing else.

    Every method fills ``facts`` from SDK objects and must not touch spans, clocks or prices.
    """

    operation: str = "chat"
    #: what the call is for the span it becomes: "llm" calls get usage, cost, throughput, finish
    #: reasons and metrics; "guardrail" and "retrieval" calls (moderation, vector-store search)
    #: get the facts their extractor sets and no cost
    role: str = "llm"

    def span_name(self, facts: CallFacts) -> str:
        """``{operation} {request model}``, the conventions' name for model calls."""
        return f"{facts.operation} {facts.request_model}" if facts.request_model else facts.operation

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        """Read request parameters (and, when ``capture``, input content) from the JSON body."""

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        """Read a complete, non-streamed response object."""

    def stream_state(self, facts: CallFacts, capture: bool) -> StreamState:
        """A fresh accumulator for one streamed response."""
        return StreamState(facts, capture)


class StreamState:
    """Accumulates one stream's chunks into the call's facts; ``finish`` runs once at the end."""

    __slots__ = ("facts", "capture")

    def __init__(self, facts: CallFacts, capture: bool) -> None:
        self.facts = facts
        self.capture = capture

    def chunk(self, chunk: Any) -> None:  # pragma: no cover - overridden
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Provider:
    """What the hooks need to know about one SDK, beyond its endpoints."""

    name: str
    endpoints: Mapping[str, Endpoint]  # keyed by the SDK's options.url for a POST
    request_id_header: str
    finish_reasons: Mapping[str, str]  # native -> normalized
    #: endpoints whose path holds an id: (prefix, suffix, endpoint), tried only when no exact path matches
    patterns: tuple[tuple[str, str, Endpoint], ...] = ()

    def endpoint_for(self, url: str) -> Endpoint | None:
        found = self.endpoints.get(url)
        if found is None:
            for prefix, suffix, endpoint in self.patterns:
                if url.startswith(prefix) and url.endswith(suffix):
                    return endpoint
        return found

    def normalize(self, native: str) -> str:
        if native in NORMALIZED_FINISH_REASONS:
            return native
        return self.finish_reasons.get(native, native)

    @classmethod
    def of(cls, info: ProviderInfo, endpoints: Mapping[str, Endpoint],
           patterns: tuple[tuple[str, str, Endpoint], ...] = ()) -> Provider:
        """The hooks' view of a provider: its descriptor's facts plus the endpoints this SDK routes."""
        return cls(info.name, endpoints, info.request_id_header, info.finish_reasons, patterns)
