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


class _Truncator:
    """Cuts string leaves of a message structure so the JSON stays valid, noting whether it cut."""

    __slots__ = ("limit", "cut")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cut = False

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
    """JSON-encode captured content with every string leaf cut at ``limit`` characters.

    Cutting leaves (rather than the final JSON text) keeps the attribute parseable, which the
    converter and every backend that renders messages rely on. Returns (json, was_cut).
    """
    truncate = _Truncator(limit)
    text = json.dumps(truncate(messages), ensure_ascii=False, default=str, separators=(",", ":"))
    return text, truncate.cut
