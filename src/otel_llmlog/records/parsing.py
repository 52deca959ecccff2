"""What the span readers share: checked access to decoded input, and where its problems go.

Each reader (:mod:`.otlp_json`, :mod:`.otlp_proto`, :mod:`.jaeger`) turns one part of the input
into spans and reports a problem with a part as a :class:`Bad` whose reason names the place with a
JSON path (``resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: expected an integer ...``).
:func:`guarded` turns those into :class:`~.spans.ReadError` s at a line of the file, through an
:class:`ErrorReport`: raised, or collected in the caller's list while reading goes on.

The checks here are strict (they raise :class:`Bad`), unlike the converter's lenient reading of
attribute values (:mod:`.values`), which takes whatever a producer wrote and never fails.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any

from .spans import ReadError, SpanData


class Bad(Exception):
    """A problem with one part of the input; the reason says where (a JSON path) and what."""


class ErrorReport:
    """Where a reader's errors go: raised, or appended to the caller's list."""

    def __init__(self, path: str, errors: list[ReadError] | None) -> None:
        self.path = path
        self.errors = errors

    def fail(self, line: int, reason: str) -> None:
        err = ReadError(self.path, line, reason)
        if self.errors is None:
            raise err
        self.errors.append(err)


def guarded(items: Iterator[SpanData | Bad], report: ErrorReport, line: int) -> Iterator[SpanData]:
    """Spans from a reader; the problems it reports become errors at ``line``."""
    for item in items:
        if isinstance(item, Bad):
            report.fail(line, str(item))
        else:
            yield item


def describe(value: Any) -> str:
    """How a wrong value is shown in an error."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_object(value: Any, where: str) -> dict[str, Any]:
    """An object (absent: empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Bad(f"{where}: expected an object, got {describe(value)}")
    return value


def check_array(value: Any, where: str) -> list[Any]:
    """An array (absent: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Bad(f"{where}: expected an array, got {describe(value)}")
    return value


def check_string(value: Any, where: str) -> str:
    """A string (absent: empty)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Bad(f"{where}: expected a string, got {describe(value)}")
    return value


_INT = re.compile(r"-?[0-9]+")


def keyed_items(items: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, key, item) of each ``{"key": ..., ...}`` object of an array (OTLP attributes, Jaeger tags)."""
    for i, item in enumerate(check_array(items, where)):
        at = f"{where}[{i}]"
        item = check_object(item, at)
        key = item.get("key")
        if not isinstance(key, str):
            raise Bad(f"{at}.key: expected a string, got {describe(key)}")
        yield at, key, item


def parse_int(value: Any, where: str) -> int:
    """An integer, given as a number or as a decimal string (protobuf's JSON mapping of 64-bit ints)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    raise Bad(f"{where}: expected an integer (a number or a decimal string), got {describe(value)}")


def parse_float(value: Any, where: str) -> float:
    """A number; protobuf's JSON mapping writes ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` as strings."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise Bad(f"{where}: expected a number, got {describe(value)}")


def parse_base64(value: Any, where: str) -> bytes:
    """Bytes written as base64 (see :func:`decode_base64`)."""
    if not isinstance(value, str):
        raise Bad(f"{where}: expected a base64 string, got {describe(value)}")
    decoded = decode_base64(value)
    if decoded is None:
        raise Bad(f"{where}: {describe(value)} is not base64")
    return decoded


def decode_base64(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not (protobuf's JSON mapping accepts all four); None if not base64."""
    text = text.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


HEX = re.compile(r"[0-9a-fA-F]+")
