"""Why a model stopped: each provider's native finish reasons mapped onto the conventions' values.

The GenAI conventions name five outcomes (``stop``, ``length``, ``content_filter``, ``tool_call``,
``error``); providers have their own words. One table per provider, used by the instrumentation
for its own spans and by the converter for spans other instrumentations wrote (which keep the
native values), so a peer's record says ``tool_call`` exactly where ours does.
"""

from __future__ import annotations

from collections.abc import Mapping

#: the conventions' finish reasons; every table maps native values onto these
NORMALIZED = frozenset({"stop", "length", "content_filter", "tool_call", "error"})

#: OpenAI Chat Completions and Responses values that differ from the conventions' (the Responses
#: API's ``incomplete_details.reason`` values are mapped by the provider module before they get here)
OPENAI: Mapping[str, str] = {"tool_calls": "tool_call", "function_call": "tool_call"}

#: Anthropic Messages ``stop_reason`` values
ANTHROPIC: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_call",
    "refusal": "content_filter",
}

def normalize(table: Mapping[str, str], native: str) -> str:
    """``native`` as the conventions' value through ``table``; a value it does not know stays as it is."""
    if native in NORMALIZED:
        return native
    return table.get(native, native)
