"""Facts of Anthropic Messages calls (``messages`` and ``beta.messages``, streamed or not).

Only extraction lives here. Two Anthropic specifics matter for correct numbers:

* ``usage.input_tokens`` excludes cached tokens; the conventions' ``gen_ai.usage.input_tokens``
  includes them, so cache reads and cache writes are added back;
* in a stream, ``message_start`` carries the input side and ``message_delta`` carries cumulative
  totals (output always, input and cache counts in newer API versions): later values replace
  earlier ones, they are never added, so nothing is counted twice.

Besides extraction, this module holds the one Anthropic-specific hook: anthropic 2.x makes a call
span of its own (``anthropic.messages.create``) whenever it can get a tracer, and
:func:`sdk_call_span_wrapper` keeps it from duplicating ours (see ``docs/anthropic-tracing.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan

from ...facts import semconv as sc
from ...facts.messages import as_text, parse_arguments, text_part
from ...facts.providers import ANTHROPIC
from ..call import current_call
from ..call_facts import CallFacts
from ..protocol import Endpoint, Provider, StreamState
from .sdk_objects import as_int, as_number, read

logger = logging.getLogger(__name__)


class _UsageTotals:
    """Anthropic's usage numbers as reported (exclusive input), merged across stream events."""

    __slots__ = ("input", "output", "cache_read", "cache_write", "write_5m", "write_1h", "thinking")

    def __init__(self) -> None:
        self.input: int | None = None
        self.output: int | None = None
        self.cache_read: int | None = None
        self.cache_write: int | None = None
        self.write_5m: int | None = None
        self.write_1h: int | None = None
        self.thinking: int | None = None

    def merge(self, usage: Any) -> None:
        """Take every number the usage object reports; missing (None) numbers keep earlier values."""
        for attr, key in (("input", "input_tokens"), ("output", "output_tokens"),
                          ("cache_read", "cache_read_input_tokens"), ("cache_write", "cache_creation_input_tokens")):
            value = as_int(read(usage, key))
            if value is not None:
                setattr(self, attr, value)
        breakdown = read(usage, "cache_creation")
        if breakdown is not None:
            five, hour = as_int(read(breakdown, "ephemeral_5m_input_tokens")), as_int(read(breakdown, "ephemeral_1h_input_tokens"))
            if five is not None:
                self.write_5m = five
            if hour is not None:
                self.write_1h = hour
        details = read(usage, "output_tokens_details")
        if details is not None:
            thinking = as_int(read(details, "thinking_tokens"))
            if thinking is not None:
                self.thinking = thinking

    def apply(self, facts: CallFacts) -> None:
        u = facts.usage
        if self.input is not None:
            u.input_tokens = self.input + (self.cache_read or 0) + (self.cache_write or 0)
        u.output_tokens = self.output
        u.cache_read_tokens = self.cache_read
        u.cache_write_tokens = self.cache_write
        u.cache_write_5m_tokens = self.write_5m
        u.cache_write_1h_tokens = self.write_1h
        u.reasoning_tokens = self.thinking


def _block_part(block: Any) -> dict[str, Any]:
    kind = read(block, "type")
    if kind == "text":
        return text_part(read(block, "text", ""))
    if kind in ("tool_use", "server_tool_use"):
        return {"type": "tool_call", "id": read(block, "id"), "name": read(block, "name"), "arguments": read(block, "input")}
    if kind == "tool_result":
        return {"type": "tool_call_response", "id": read(block, "tool_use_id"), "response": _tool_result(read(block, "content"))}
    if kind == "thinking":
        return {"type": "reasoning", "content": read(block, "thinking", "")}
    if kind == "redacted_thinking":
        return {"type": "reasoning", "content": "[redacted]"}
    return {"type": kind or "unknown"}


def _tool_result(value: Any) -> Any:
    if isinstance(value, list):
        return "".join(read(b, "text", "") for b in value if read(b, "type") == "text") or as_text(value)
    return value


def _messages(messages: Any) -> list[dict[str, Any]]:
    out = []
    for m in messages or ():
        content = read(m, "content")
        parts = [text_part(content)] if isinstance(content, str) else [_block_part(b) for b in content or ()]
        role = read(m, "role") or "user"
        if role == "user" and parts and all(p["type"] == "tool_call_response" for p in parts):
            role = "tool"
        out.append({"role": role, "parts": parts})
    return out


class Messages(Endpoint):
    operation = "chat"

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        a = facts.request_attributes
        max_tokens = as_int(body.get("max_tokens"))
        if max_tokens is not None:
            a[sc.REQUEST_MAX_TOKENS] = max_tokens
        for key, attr in (("temperature", sc.REQUEST_TEMPERATURE), ("top_p", sc.REQUEST_TOP_P), ("top_k", sc.REQUEST_TOP_K)):
            value = as_number(body.get(key))
            if value is not None:
                a[attr] = float(value)
        stop = body.get("stop_sequences")
        if isinstance(stop, list) and stop:
            a[sc.REQUEST_STOP_SEQUENCES] = [s for s in stop if isinstance(s, str)]
        # structured outputs: ``output_config.format`` (``output_format`` is its deprecated form);
        # Anthropic has no explicit "text" format, so only JSON is ever stated
        formats = (read(body.get("output_config"), "format"), body.get("output_format"))
        if any(read(f, "type") == "json_schema" for f in formats if f is not None):
            a[sc.OUTPUT_TYPE] = "json"
        if capture:
            system = body.get("system")
            if isinstance(system, str) and system:
                facts.system_instructions = [text_part(system)]
            elif isinstance(system, list) and system:
                facts.system_instructions = [_block_part(b) for b in system]
            facts.input_messages = _messages(body.get("messages"))

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        facts.response_id = read(obj, "id") or facts.response_id
        facts.response_model = read(obj, "model") or facts.response_model
        reason = read(obj, "stop_reason")
        if reason:
            facts.native_finish_reasons = [reason]
        usage = read(obj, "usage")
        if usage is not None:
            totals = _UsageTotals()
            totals.merge(usage)
            totals.apply(facts)
            _service_tier(usage, facts)
        if capture:
            parts = [_block_part(b) for b in read(obj, "content") or ()]
            facts.output_messages = [{"role": "assistant", "parts": parts, "finish_reason": reason or ""}]

    def stream_state(self, facts: CallFacts, capture: bool) -> StreamState:
        return MessagesStream(facts, capture)


def _service_tier(usage: Any, facts: CallFacts) -> None:
    tier = read(usage, "service_tier")
    if isinstance(tier, str):
        facts.price_context["service_tier"] = tier


class MessagesStream(StreamState):
    """``message_start`` -> blocks (start/delta/stop) -> ``message_delta`` -> ``message_stop``."""

    __slots__ = ("totals", "reason", "blocks", "pieces")

    def __init__(self, facts: CallFacts, capture: bool) -> None:
        super().__init__(facts, capture)
        self.totals = _UsageTotals()
        self.reason: str | None = None
        self.blocks: dict[int, dict[str, Any]] = {}  # index -> part being built (capture only)
        #: index -> the block's text / thinking / tool-argument pieces, joined once at the end
        self.pieces: dict[int, list[str]] = {}

    def chunk(self, event: Any) -> None:
        # Runs once per event; the SDK's event models are read by attribute, anything else by ``read``.
        try:
            kind = event.type
        except AttributeError:
            kind = read(event, "type")
        if kind == "content_block_delta":
            if not self.capture:
                return
            try:
                index = event.index
                delta = event.delta
                kind = delta.type
            except AttributeError:
                index = read(event, "index", 0)
                delta = read(event, "delta")
                kind = read(delta, "type")
            pieces = self.pieces.get(index)
            if pieces is None:
                return
            if kind == "text_delta":
                try:
                    pieces.append(delta.text)
                except AttributeError:
                    pieces.append(read(delta, "text", ""))
            elif kind == "input_json_delta":
                pieces.append(read(delta, "partial_json", ""))
            elif kind == "thinking_delta":
                pieces.append(read(delta, "thinking", ""))
        elif kind == "message_start":
            message = read(event, "message")
            facts = self.facts
            facts.response_id = read(message, "id") or facts.response_id
            facts.response_model = read(message, "model") or facts.response_model
            usage = read(message, "usage")
            if usage is not None:
                self.totals.merge(usage)
                _service_tier(usage, facts)
        elif kind == "message_delta":
            reason = read(read(event, "delta"), "stop_reason")
            if reason:
                self.reason = reason
            usage = read(event, "usage")
            if usage is not None:
                self.totals.merge(usage)
        elif kind == "content_block_start" and self.capture:
            block = read(event, "content_block")
            part = _block_part(block)
            index = read(event, "index", 0)
            initial = part.get("content")
            self.pieces[index] = [initial] if isinstance(initial, str) and initial else []
            self.blocks[index] = part

    def finish(self) -> None:
        facts = self.facts
        self.totals.apply(facts)
        if self.reason:
            facts.native_finish_reasons = [self.reason]
        if facts.error is not None:
            _in_stream_error_type(facts)
        if self.capture:
            parts = []
            for index, part in sorted(self.blocks.items()):
                pieces = self.pieces[index]
                if part["type"] == "tool_call":
                    joined = "".join(pieces)
                    part["arguments"] = parse_arguments(joined) if joined else {}
                elif pieces:
                    part["content"] = "".join(pieces)
                parts.append(part)
            facts.output_messages = [{"role": "assistant", "parts": parts, "finish_reason": self.reason or ""}]


def _in_stream_error_type(facts: CallFacts) -> None:
    """``error.type`` of an ``event: error`` that arrived inside a stream whose HTTP status was 200.

    The SDK raises an ``APIStatusError`` carrying that 200, which would make ``error.type`` "200".
    No HTTP status describes this failure, so the error envelope's own type is used
    (``overloaded_error``, ``api_error``, ...): it is what the API said, it is low-cardinality, and
    it is what the SDK's own tracing reports. :meth:`~otel_llmlog.instrumentation.call.Call.fail`
    calls ``finish`` of a failed stream after it has set ``error_type``, so this replaces it.
    """
    exc = facts.error
    status = getattr(exc, "status_code", None)
    kind = getattr(exc, "type", None)
    if isinstance(status, int) and status < 400 and isinstance(kind, str) and kind:
        facts.error_type = kind


_MESSAGES = Messages()

PROVIDER = Provider.of(ANTHROPIC, endpoints={"/v1/messages": _MESSAGES, "/v1/messages?beta=true": _MESSAGES})


# --- coexistence with the SDK's own tracing ---


def sdk_call_span_wrapper(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    """Wraps ``anthropic._base_client.start_api_call_span``, which starts the SDK's own call span.

    When the request is one whose span we have started (ours is the current span, so the SDK's
    would become its child) and ours is recording, the SDK gets a non-recording span that carries
    our span's context instead of a second call span. The SDK then records nothing, and its trace
    propagation, when on, sends our span's ``traceparent`` - the same header it sends when no
    tracer provider is registered. Every other request (an endpoint we do not cover, our
    instrumentation suppressed or not recording) gets the SDK's own span, so no call is lost.
    """
    try:
        stand_in = _stand_in_for_sdk_span(args, kwargs)
    except Exception:  # noqa: BLE001 - never let instrumentation reach the caller
        logger.debug("otel-llmlog: failed to stand in for the SDK's call span", exc_info=True)
        stand_in = None
    return wrapped(*args, **kwargs) if stand_in is None else stand_in


def _stand_in_for_sdk_span(args: tuple, kwargs: dict) -> NonRecordingSpan | None:
    call = current_call()
    if call is None or call.ended or call.provider is not PROVIDER:
        return None
    span = call.span
    if trace.get_current_span() is not span or not span.is_recording():
        return None
    attributes = args[3] if len(args) > 3 else kwargs.get("attributes")
    conversation = read(attributes, sc.CONVERSATION_ID)
    # the client's ``open_telemetry={"conversation_id": ...}`` would have been on the SDK's span;
    # a request group's session, already on ours from its start, wins
    if isinstance(conversation, str) and conversation and sc.CONVERSATION_ID not in (getattr(span, "attributes", None) or {}):
        call.facts.response_attributes[sc.CONVERSATION_ID] = conversation
    return NonRecordingSpan(span.get_span_context())


#: (module, function, wrapper) hooked besides the base clients' ``request``; skipped when the
#: installed SDK has no such function (versions without their own tracing)
EXTRA_HOOKS: tuple[tuple[str, str, Any], ...] = (
    ("anthropic._base_client", "start_api_call_span", sdk_call_span_wrapper),
)
