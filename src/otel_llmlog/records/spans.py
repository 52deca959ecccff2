"""The neutral span every reader gives: :class:`SpanData`, and :class:`ReadError` for bad input.

The converter reads :class:`SpanData` and nothing else, so it needs neither the LLM SDKs nor
knowledge of where a span came from (a live SDK span, an OTLP JSON or protobuf file, Jaeger JSON).
Span links, trace state, flags and dropped counts are not part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReadError", "SpanData", "SpanEvent"]


@dataclass(slots=True)
class SpanEvent:
    name: str
    time_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpanData:
    """One span, whatever its source.

    Attribute values are ``str``, ``bool``, ``int``, ``float`` or lists of those (arrays are lists,
    never tuples). OpenTelemetry's extended values pass through as they are: ``bytes``, ``None``,
    ``dict`` (kvlist) and nested lists. ``source`` says where the span was read: ``"path:line"``
    for JSON lines, ``"path"`` for whole-file formats, ``"<live>"`` for live SDK spans.
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    status_code: str
    status_message: str | None
    attributes: dict[str, Any]
    events: list[SpanEvent]
    resource: dict[str, Any]
    scope_name: str | None
    scope_version: str | None
    source: str | None = None


#: characters that end a line for ``str.splitlines`` (and other control characters)
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


class ReadError(Exception):
    """Bad input: ``str(err) == f"{path}:{line}: {reason}"``, always one line.

    Reasons quote the input (an unknown key, a backend's error message), which may hold newlines
    and other control characters; they are shown escaped (``\\n``, ``\\x1e``), so that one error
    is one line of a report whoever splits it.
    """

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(path, line, reason)
        self.path = path
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.reason}"
        return _LINE_BREAKING.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
