"""What DuckDB does not do with a source's lines, done in Python.

* Which line is the record with this id, byte for byte (:func:`record_lines`)? ``logs --json``
  prints records exactly as they were written, and ``show`` finds a record by the start of its id
  before any scan. A regular expression finds the id, so this is faster than a second DuckDB scan.
* Why could this line not be read (:func:`find_bad_lines`)? DuckDB only says that a line could not
  be read (a row of NULLs); this pass, run only on a file where that happened, says
  ``file:line: reason``.
* Can the lines DuckDB rejects be read after all (:func:`repaired_copy`)? A record holding a lone
  surrogate as a ``\\ud800`` escape - which the JSON-log exporter wrote before it went through the
  one line writer - is valid JSON that DuckDB refuses; written again by that writer it is read.

Every line is parsed by the package's one reader, :func:`otel_llmlog.records.jsonlines.loads_line`,
so a line the explorer calls bad is one every other reader of the package calls bad, for the same
reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from ...records.formats import BOM
from ...records.jsonlines import LineError, dumps_line, loads_line
from .inputs import RecordFormat, Source, open_source, temp_file
from .view import MAX_OBJECT_BYTES

__all__ = ["LONE_SURROGATE", "find_bad_lines", "numbered_lines", "parsed_record", "record_lines", "repaired_copy"]

#: the id of a record whose first key it is (both record formats as this library writes them)
_FIRST_ID = re.compile(rb'\s*\{\s*"(?:id|generationId)"\s*:\s*"([^"\\]*)"')


def parsed_record(line: bytes) -> Any:
    """The JSON value of ``line``, or None for a line that is not JSON (reported with the bad lines)."""
    try:
        return loads_line(line)
    except LineError:
        return None


def numbered_lines(source: Source) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of ``source``, as DuckDB sees them: a byte-order mark before the first
    line is not part of it."""
    with open_source(source) as fh:
        first = fh.readline()
        if first:
            yield 1, first[len(BOM):] if first.startswith(BOM) else first
        yield from enumerate(fh, 2)


def record_lines(source: Source, match: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """(id, line) of each record of ``source`` whose id ``match`` accepts.

    The id is the first key of every record this library writes, so a regular expression finds
    it without parsing the line (a million lines in about 1.5 s); a line where it is not first is
    parsed. Unreadable lines are skipped (they are reported elsewhere).
    """
    for _, line in numbered_lines(source):
        m = _FIRST_ID.match(line)
        if m:
            rid = m.group(1).decode("utf-8", "replace")
        else:
            record = parsed_record(line)
            rid = record.get("id", record.get("generationId")) if isinstance(record, dict) else None
            if not isinstance(rid, str):
                continue
        if match(rid):
            yield rid, line.rstrip(b"\r\n")


#: the reason :func:`find_bad_lines` gives for a record DuckDB rejects only for a lone surrogate,
#: which :func:`repaired_copy` makes readable
LONE_SURROGATE = "a lone surrogate as a \\ud800 escape, which DuckDB cannot read (older versions of the exporter wrote it)"

#: a ``\\ud800``-style escape (a lone surrogate, or half of a pair): only such lines are checked
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _required(record_format: RecordFormat) -> tuple[tuple[str, type | tuple[type, ...]], ...]:
    """The keys (and their JSON types) without which DuckDB's row of a record is not valid."""
    if record_format == "generation":
        return (("generationId", str), ("createdAt", str))
    return (("id", str), ("startTime", (int, float)))


def find_bad_lines(source: Source) -> Iterator[str]:
    """``file:line: reason`` for each line of ``source`` that is not a record of its format.

    Only run on a file in which DuckDB found an unreadable line, so a million good lines never
    pay for it.
    """
    for number, line in numbered_lines(source):
        reason = _why_not_a_record(line, source.record_format) if line.strip() else None
        if reason:
            yield f"{source.name}:{number}: {reason}"


def _why_not_a_record(line: bytes, record_format: RecordFormat) -> str | None:
    if len(line) > MAX_OBJECT_BYTES:
        return f"the line is longer than {MAX_OBJECT_BYTES >> 20} MiB"
    try:
        # without its newline: a JSON error at the end of the line is then reported at its column
        # there, not at column 1 of the "next line"
        record = loads_line(line.rstrip(b"\r\n"))
    except LineError as exc:
        text = line.strip()
        cut = text.startswith(b"{") and not text.endswith(b"}")
        return f"{exc}" + (" (the line ends inside the record: a write cut short?)" if cut else "")
    if not isinstance(record, dict):
        return f"not a log record (a JSON {type(record).__name__}, not an object)"
    for key, json_type in _required(record_format):
        value = record.get(key)
        if not isinstance(value, json_type) or isinstance(value, bool):
            what = "missing" if key not in record else f"not a {'string' if json_type is str else 'number'}"
            return f"not a log record ({key} {what})"
    if record_format == "generation":
        try:
            datetime.fromisoformat(record["createdAt"])
        except ValueError:
            return "not a log record (createdAt is not a time)"
    if _SURROGATE_ESCAPE.search(line) and _holds_lone_surrogate(record):
        return LONE_SURROGATE
    return None


def _holds_lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a surrogate code point: JSON decoding joins the halves of
    a pair into one character, so any that is left stands alone."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_lone_surrogate(v) for v in value)
    return False


def repaired_copy(source: Source, workdir: str) -> Source | None:
    """A copy of ``source`` (same line numbers, uncompressed) in which every line holding a lone
    surrogate is written again by :func:`~otel_llmlog.records.jsonlines.dumps_line`, which puts
    U+FFFD in its place, as the exporter now writes it; None when no line holds one.

    Only asked of a file in which :func:`find_bad_lines` found such a line. Other lines are copied
    byte for byte.
    """
    out = temp_file(workdir, "repaired-")
    repaired = 0
    with open(out, "wb") as dst:
        for _, line in numbered_lines(source):
            if _SURROGATE_ESCAPE.search(line):
                record = parsed_record(line)
                if record is not None and _holds_lone_surrogate(record):
                    line = dumps_line(record)
                    repaired += 1
            dst.write(line if line.endswith(b"\n") else line + b"\n")
    return Source(out, source.name, source.record_format) if repaired else None
