"""Reading other conventions' names: one alias table, first name present wins, ours first.

The converter reads spans written by this library and by other instrumentations (older GenAI
names, OpenInference, OpenLLMetry, the ``anthropic`` SDK's own spans, the official openai-v2). Each
fact it needs has one list of the names it goes by (:data:`ALIASES`); :func:`first_named` reads
it. OpenInference's message lists, flattened into one attribute per field, are rebuilt into the
conventions' message shape. The table, fact by fact: ``docs/payload.md``, "Names read from other
instrumentations".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..facts import semconv as sc
from ..facts.messages import parse_arguments, text_part
from .values import decoded_json

__all__ = ["ALIASES", "FIRST_CHUNK_EVENTS", "first_named"]

# Names other instrumentations use for the same facts, first match wins (ours first). Which peer
# writes which name, measured on their real spans: docs/payload.md, "Spans from other
# instrumentations" (tests/test_peer_spans.py). ``attr#key`` reads one key of a JSON-object
# attribute: OpenInference keeps the requested model and the stream flag of an OpenAI call only in
# ``llm.invocation_parameters`` (its ``llm.model_name`` is the answering, dated model).
# ``prefix.*`` reads a message list flattened into one attribute per field
# (``llm.input_messages.0.message.role``, ...; see :func:`_flat_messages`).
# Finish reasons: ours are normalized; the others are native values (OpenInference's, the
# anthropic SDK's stop reason, otel-v2's ``gen_ai.response.finish_reasons``), normalized on reading.
ALIASES: dict[str, tuple[str, ...]] = {
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
FIRST_CHUNK_EVENTS = frozenset({"First Token Stream Event", "gen_ai.content.completion.chunk"})


def first_named(attrs: Mapping[str, Any], fact: str) -> Any:
    """The value of ``fact`` (a key of :data:`ALIASES`) under the first of its names present in ``attrs``; None if none is."""
    for name in ALIASES[fact]:
        if name.endswith(".*"):
            messages = _flat_messages(attrs, name[:-1])
            if messages:
                return messages
            continue
        attr, _, field_name = name.partition("#")
        value = attrs.get(attr)
        if field_name and value is not None:
            parsed = decoded_json(value)
            value = parsed.get(field_name) if isinstance(parsed, dict) else None
        if value is not None:
            return value
    return None


#: where one flattened message (OpenInference's ``llm.input_messages.{i}.message.*``) keeps its
#: parts, in reading order: plain text, a list of content items (text blocks, Anthropic's tool-use
#: blocks), the OpenAI-style tool-call list. OpenInference lists an Anthropic tool call both as a
#: content item and in the tool-call list; the second, identical copy is dropped.
_FLAT_PARTS = ("content", "contents", "tool_calls")


def _unflatten_prefixed(attrs: Mapping[str, Any], prefix: str) -> Any:
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
    flat = _unflatten_prefixed(attrs, prefix)
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
