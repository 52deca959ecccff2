"""Reading span files and streams: the format found from the content, each part to its reader.

Sources (one module each): OTLP JSON lines or documents (:mod:`.otlp_json`), OTLP protobuf
(:mod:`.otlp_proto`), Jaeger JSON (:mod:`.jaeger`); live SDK spans are :mod:`.live`. The format is
found from the content (:func:`~.formats.detect_format`), never from the file name. gzip input is
decompressed on the fly. Text must be UTF-8 (a leading byte-order mark is skipped). Every JSON line
is read by the package's one line reader (:func:`~.jsonlines.loads_line`).

Errors: every problem with the input is a :class:`~.spans.ReadError` naming the file and line (JSON
lines: the line; a JSON document: the line of the decode error, or the line where the document
starts for a problem with its content, which the reason locates with a path such as
``resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano``; protobuf: line 1). With an
``errors`` list the error is appended and reading goes on with the next span, line or message;
without one it is raised. Readers are generators: spans read before a bad one are already yielded.
JSON lines are read one line at a time (memory stays flat whatever the file size); the whole-file
formats (one JSON document, protobuf, Jaeger JSON) are read into memory.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from . import jaeger, otlp_json
from .formats import BOM, GZIP_MAGIC, HEAD_SIZE, WIDE_BOMS, detect_format
from .jsonlines import TOO_DEEP, LineError, json_reason, loads_line, utf8_reason
from .otlp_proto import read_protobuf
from .parsing import Bad, ErrorReport, guarded
from .spans import ReadError, SpanData

__all__ = ["ReadError", "read_path", "read_stream"]


def read_path(path: str | Path, *, errors: list[ReadError] | None = None) -> Iterator[SpanData]:
    """Spans of the file at ``path``, in file order; see the module docstring for formats and errors.

    The file is opened when iteration starts (so ``OSError`` such as a missing file is raised
    then, and is not a :class:`~.spans.ReadError`), and closed when it ends.
    """
    name = str(path)
    with open(path, "rb") as stream:
        yield from read_stream(stream, name, errors=errors)


def read_stream(stream: IO[bytes], name: str, *, errors: list[ReadError] | None = None) -> Iterator[SpanData]:
    """Spans of a binary stream (e.g. ``sys.stdin.buffer``); ``name`` is used in errors and ``source``.

    The stream need not be seekable. It is read, never closed.
    """
    report = ErrorReport(name, errors)
    head, pending = _read_head(stream)
    if head.startswith(GZIP_MAGIC):
        stream = _Gunzip(gzip.GzipFile(fileobj=_buffered(head, stream, pending), mode="rb"))
        head, pending = _read_head(stream)
        if pending is not None and not head:
            report.fail(1, _gzip_reason(pending))
            return
    for bom, encoding in WIDE_BOMS.items():
        if head.startswith(bom):
            report.fail(1, f"the text is {encoding} (byte-order mark {bom.hex(' ')}); it must be UTF-8")
            return
    fmt = detect_format(head)
    buffered = _buffered(head, stream, pending)
    try:
        if fmt == "otlp-json-lines":
            yield from _read_json_lines(buffered, report)
        elif fmt == "otlp-protobuf":
            yield from read_protobuf(buffered, report)
        else:
            data = buffered.read()
            convert = otlp_json.spans_of_document if fmt == "otlp-json" else jaeger.spans_of_document
            yield from _read_json_documents(data, report, convert)
    except _GzipBroken as exc:
        report.fail(1, _gzip_reason(exc))


# --------------------------------------------------------------------------------------------
# the stream: read ahead to find the format, gzip undone


class _Prefixed(io.RawIOBase):
    """Bytes already read (``head``), then the rest of ``stream``: lets a pipe be sniffed."""

    def __init__(self, head: bytes, stream: IO[bytes], pending: BaseException | None = None) -> None:
        self._head = memoryview(head)
        self._stream = stream
        self._pending = pending  # the error that stopped the read-ahead, raised when it is reached

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if self._pending is not None:
            raise self._pending
        data = self._stream.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        return n


def _buffered(head: bytes, stream: IO[bytes], pending: BaseException | None = None) -> io.BufferedReader:
    return io.BufferedReader(_Prefixed(head, stream, pending), buffer_size=HEAD_SIZE)


class _GzipBroken(Exception):
    """gzip data that is damaged or cut short (the input's fault, unlike other I/O errors)."""


class _Gunzip(io.RawIOBase):
    """A gzip stream whose decompression errors are :class:`_GzipBroken`."""

    def __init__(self, stream: gzip.GzipFile) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            # small reads: GzipFile gives nothing of a read that runs into the damage
            return self._stream.readinto(memoryview(buffer)[:8192])
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise _GzipBroken(str(exc)) from exc


def _gzip_reason(exc: BaseException) -> str:
    return f"gzip data is corrupt or truncated ({exc})"


def _read_head(stream: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """Up to :data:`~.formats.HEAD_SIZE` bytes, and the gzip error that cut them short, if any."""
    parts: list[bytes] = []
    size = 0
    while size < HEAD_SIZE:
        try:
            chunk = stream.read(HEAD_SIZE - size)
        except _GzipBroken as exc:
            return b"".join(parts), exc
        if isinstance(chunk, str):
            raise TypeError("read_stream() needs a binary stream (e.g. sys.stdin.buffer), not a text stream")
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), None


# --------------------------------------------------------------------------------------------
# JSON lines and JSON documents


def _read_json_lines(buffered: io.BufferedReader, report: ErrorReport) -> Iterator[SpanData]:
    lineno = 0
    lines = iter(buffered)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except _GzipBroken as exc:
            report.fail(lineno + 1, _gzip_reason(exc))
            return
        lineno += 1
        if lineno == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        try:
            doc = loads_line(raw)
        except LineError as exc:
            report.fail(lineno, str(exc))
            continue
        yield from guarded(otlp_json.spans_of_document(doc, f"{report.path}:{lineno}"), report, lineno)


def _read_json_documents(data: bytes, report: ErrorReport, convert: Callable[[Any, str], Iterator[SpanData | Bad]]) -> Iterator[SpanData]:
    """One JSON document, or several one after the other (each converted as it is decoded)."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        report.fail(line, utf8_reason(data[exc.start], column))
        return
    decoder = json.JSONDecoder()
    pos, line = 0, 1
    while True:
        start = _skip_space(text, pos)
        if start >= len(text):
            return
        line += text.count("\n", pos, start)
        try:
            doc, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            report.fail(exc.lineno, json_reason(exc, text))
            return
        except RecursionError:
            report.fail(line, TOO_DEEP)
            return
        yield from guarded(convert(doc, report.path), report, line)
        line += text.count("\n", start, end)
        pos = end


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
