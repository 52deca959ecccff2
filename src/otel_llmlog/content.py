"""Content capture policy: whether prompts and answers are recorded, and how they are cut.

Content is off by default because prompts carry personal data and secrets. When it is off,
providers never build message structures and nothing is JSON-encoded, so the policy costs
nothing on the hot path.
"""

from __future__ import annotations

import json
import os
from typing import Any

CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
MAX_LENGTH_ENV = "OTEL_LLMLOG_CONTENT_MAX_LENGTH"
DEFAULT_MAX_LENGTH = 16_384
TRUNCATION_MARK = "…[truncated]"

_ON_VALUES = frozenset({"true", "1", "yes", "span_only", "span_and_event"})


def capture_from_env() -> bool:
    """Read the conventions' opt-in variable (``true``/``SPAN_ONLY``/``SPAN_AND_EVENT``, any case).

    ``SPAN_AND_EVENT`` is honoured as "capture": this library writes content on the span only
    (one record per call), so the event half has nothing to add.
    """
    return os.environ.get(CAPTURE_ENV, "").strip().lower() in _ON_VALUES


def max_length_from_env() -> int:
    raw = os.environ.get(MAX_LENGTH_ENV, "").strip()
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_LENGTH
    return value if value > 0 else DEFAULT_MAX_LENGTH


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


#: Keys of a message or part that name things rather than carry content. They are never cut:
#: a cut ``type`` or ``role`` breaks the schema every renderer relies on, and a cut tool-call
#: ``id`` no longer links a call to its response. Inside content values (tool arguments, tool
#: responses) these names are ordinary data and are cut like any other string.
_STRUCTURAL_KEYS = frozenset({"role", "name", "finish_reason", "type", "id", "mime_type", "modality"})


class _Truncator:
    """Cuts content string leaves of a message structure so the JSON stays valid, noting whether it cut."""

    __slots__ = ("limit", "cut")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cut = False

    def item(self, value: Any) -> Any:
        """A message (``role``, ``parts``, ...) or a part (``type``, ...): keep its structural fields."""
        if not isinstance(value, dict):
            return self(value)
        out = {}
        for key, v in value.items():
            if key in _STRUCTURAL_KEYS and (v is None or isinstance(v, str)):
                out[key] = v
            elif key == "parts" and isinstance(v, list):
                out[key] = [self.item(p) for p in v]
            else:
                out[key] = self(v)
        return out

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            if len(value) > self.limit:
                self.cut = True
                return value[: self.limit] + TRUNCATION_MARK
            return value
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def encode(messages: Any, limit: int) -> tuple[str, bool]:
    """JSON-encode captured content with every content string leaf cut at ``limit`` characters.

    ``messages`` is a list of messages or of parts (system instructions). Cutting leaves (rather
    than the final JSON text) keeps the attribute parseable, and leaving structural fields whole
    keeps it valid under the conventions' schema, which the converter and every backend that
    renders messages rely on. Returns (json, was_cut).
    """
    truncate = _Truncator(limit)
    value = [truncate.item(m) for m in messages] if isinstance(messages, list) else truncate(messages)
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return text, truncate.cut
