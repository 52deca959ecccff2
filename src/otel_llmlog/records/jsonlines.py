"""The one JSON-lines writer and reader of this package: records, span files, demo output.

Every line this package writes - a record of the JSON-log exporter or of ``otel-llmlog convert``, a
span of an OTLP JSON file, a line of ``otel-llmlog demo --json`` - goes through :func:`dumps_line`,
and every line it reads back in Python through :func:`loads_line`. They agree on every string
Python can hold, with one documented exception:

* text is UTF-8, not ``\\uXXXX`` escapes (a prompt in Japanese stays readable in the file and half
  the size); control characters, NUL included, are JSON escapes (``\\u0000``), so a line is always
  one line and NUL survives every reader, DuckDB's included;
* characters outside the Basic Multilingual Plane (emoji, 4-byte UTF-8) are written as they are;
* a lone surrogate (``"\\ud800"``: a half of a UTF-16 pair, which Python strings can hold and
  captured content sometimes does) cannot be UTF-8 at all, and JSON readers - DuckDB's among them -
  reject its ``\\ud800`` escape. It becomes U+FFFD (the replacement character): the one lossy step,
  so that the line stays valid for every reader. Nothing else changes.

The replacement is only looked for when encoding fails, so the common case costs one
``json.dumps`` and one ``encode``.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "REPLACEMENT",
    "TOO_DEEP",
    "LineError",
    "dumps_line",
    "json_reason",
    "loads_line",
    "record_line",
    "replace_lone_surrogates",
    "utf8_reason",
]

#: what a lone surrogate becomes
REPLACEMENT = "\ufffd"

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class LineError(ValueError):
    """A line that is not one JSON value in UTF-8; ``str()`` is the reason, without file or line."""


def dumps_line(value: Any, *, compact: bool = False) -> bytes:
    """``value`` as one line of UTF-8 JSON, newline included (see the module docstring).

    ``compact`` drops the spaces after ``,`` and ``:`` (the Collector's file format does).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":") if compact else None)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (replace_lone_surrogates(text) + "\n").encode("utf-8")


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD (``text`` itself when it has none): the one lossy
    step, for whatever must be UTF-8.

    The OTLP encoder cannot write a lone surrogate either (it drops the attribute), so live spans
    are read (:mod:`.live`) and written as OTLP JSON (:mod:`.otlp_json`) through this too.
    """
    if text.isascii() or not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def record_line(record: Any) -> bytes:
    """A record model (``StandardLoggingPayload``, ``GenerationRecord``) as one line."""
    return dumps_line(record.model_dump(mode="json"))


def loads_line(line: bytes | str) -> Any:
    """The JSON value of one line (its newline, if any, is ignored); :class:`LineError` says why not.

    Bytes must be UTF-8 (a reason naming the first bad byte otherwise); a ``\\ud800`` escape decodes
    to the lone surrogate it names, as :func:`json.loads` does (this package never writes one).
    """
    if isinstance(line, bytes | bytearray):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(utf8_reason(line[exc.start], exc.start + 1)) from None
    else:
        text = line
    try:
        return json.loads(text)
    except RecursionError:
        raise LineError(TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise LineError(json_reason(exc, text)) from None


# The reasons, worded once: the span readers give the same ones for a whole JSON document.

#: why JSON that nests deeper than the decoder goes is not read
TOO_DEEP = "JSON nested too deeply"


def utf8_reason(byte: int, column: int) -> str:
    """Why text is not UTF-8: its first bad byte and where it is."""
    return f"not UTF-8 text: byte 0x{byte:02x} at column {column}"


def json_reason(exc: json.JSONDecodeError, text: str) -> str:
    """Why ``text`` is not JSON; *truncated* when it ends inside a value (a write cut short)."""
    truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
    return f"{'truncated' if truncated else 'invalid'} JSON: {exc.msg} (column {exc.colno})"
