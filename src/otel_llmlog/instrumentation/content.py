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


#: Keys of a message or part that name things rather than carry content. They are never cut:
#: a cut ``type`` or ``role`` breaks the schema every renderer relies on, and a cut tool-call
#: ``id`` no longer links a call to its response. Inside content values (tool arguments, tool
#: responses) these names are ordinary data and are cut like any other string.
_STRUCTURAL_KEYS = frozenset({"role", "name", "finish_reason", "type", "id", "mime_type", "modality"})


class _Truncator:
    """Cuts the string leaves of a content value (tool arguments, tool responses, ...), noting whether it cut."""

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


#: built once: ``json.dumps`` with keyword arguments builds a new encoder on every call
_encode_text = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode
_escape_text = json.encoder.encode_basestring
#: the same output for strings that are all printable ASCII, about a third faster
_escape_ascii = json.encoder.encode_basestring_ascii

#: strings at least this long are escaped once and kept, keyed by identity: a system prompt held in a
#: constant, or a conversation's earlier turns, are the very same ``str`` objects call after call
_KEEP_FROM = 512
#: how many characters of such strings are kept at most (with their escaped copies, about twice that)
_KEEP_CHARS = 1 << 20
_escaped: dict[int, tuple[str, str]] = {}
_kept_chars = 0


def _string(value: str) -> str:
    """``value`` as a JSON string, exactly as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    global _kept_chars
    size = len(value)
    if size >= _KEEP_FROM:
        found = _escaped.get(id(value))
        if found is not None and found[0] is value:  # the entry holds ``value``: its id is not reused
            return found[1]
    text = _escape_ascii(value) if value.isascii() and "\x7f" not in value else _escape_text(value)
    if size >= _KEEP_FROM and size <= _KEEP_CHARS:
        if _kept_chars + size > _KEEP_CHARS:
            _escaped.clear()
            _kept_chars = 0
        _escaped[id(value)] = (value, text)
        _kept_chars += size
    return text


#: '"key":' of the keys messages and parts use
_KEYS: dict[str, str] = {}


class _Writer:
    """Writes captured content as JSON in one pass, cutting content strings at the limit on the way.

    It follows :class:`_Truncator`'s rules (structural fields whole, content strings cut) and writes
    exactly the text ``json`` writes for the truncator's copy, without making that copy: messages and
    parts field by field, their strings through :func:`_string`, anything nested (tool arguments,
    tool responses) through the truncator and ``json``.
    """

    __slots__ = ("limit", "cut", "out")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cut = False
        self.out: list[str] = []

    def items(self, values: list[Any]) -> None:
        """A list of messages (or of parts): each written as a message."""
        out = self.out
        sep = "["
        for value in values:
            out.append(sep)
            sep = ","
            self.item(value)
        out.append("]" if sep == "," else "[]")

    def item(self, value: Any) -> None:
        """A message or a part: structural fields whole, ``parts`` as items, everything else as content."""
        if not isinstance(value, dict):
            self.content(value)
            return
        out = self.out
        sep = "{"
        for key, v in value.items():
            name = _KEYS.get(key) if type(key) is str else None
            if name is None:
                if type(key) is str:
                    name = _escape_text(key) + ":"
                    if len(_KEYS) < 256:
                        _KEYS[key] = name
                else:  # json's own rules for other keys (numbers, None; a TypeError for the rest)
                    name = _encode_text({key: None})[1:-5]
            out.append(sep)
            out.append(name)
            sep = ","
            if key in _STRUCTURAL_KEYS and (v is None or isinstance(v, str)):
                out.append("null" if v is None else _string(v))
            elif key == "parts" and isinstance(v, list):
                self.items(v)
            else:
                self.content(v)
        out.append("}" if sep == "," else "{}")

    def content(self, value: Any) -> None:
        if isinstance(value, str):
            if len(value) > self.limit:
                self.cut = True
                self.out.append(_escape_text(value[: self.limit] + TRUNCATION_MARK))
            else:
                self.out.append(_string(value))
        elif isinstance(value, (dict, list)):
            truncate = _Truncator(self.limit)
            self.out.append(_encode_text(truncate(value)))
            self.cut = self.cut or truncate.cut
        else:
            self.out.append(_encode_text(value))


def encode(messages: Any, limit: int) -> tuple[str, bool]:
    """JSON-encode captured content with every content string leaf cut at ``limit`` characters.

    ``messages`` is a list of messages or of parts (system instructions). Cutting leaves (rather
    than the final JSON text) keeps the attribute parseable, and leaving structural fields whole
    keeps it valid under the conventions' schema, which the converter and every backend that
    renders messages rely on. Returns (json, was_cut).

    The text is exactly what ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` writes
    for the cut structure; :class:`_Writer` writes it in one pass, long strings escaped once per
    string object (see :data:`_KEEP_FROM`).
    """
    if isinstance(messages, list):
        writer = _Writer(limit)
        writer.items(messages)
        return "".join(writer.out), writer.cut
    truncate = _Truncator(limit)
    value = truncate(messages)
    return _encode_text(value), truncate.cut
