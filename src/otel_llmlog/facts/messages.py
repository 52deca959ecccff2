"""The conventions' message shapes (``gen_ai.input.messages`` parts), built the same way on both sides.

The instrumentation builds message parts from SDK objects; the converter rebuilds them from other
instrumentations' flattened attributes. Both use these helpers, so a text part or a tool call's
arguments look the same whoever recorded them.
"""

from __future__ import annotations

import json
from typing import Any


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "content": text}


def as_text(value: Any) -> str:
    """Render any content value as text for a message part (strings pass through)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def parse_arguments(arguments: Any) -> Any:
    """Tool-call arguments arrive as a JSON string; the schema wants the object when it parses."""
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments
