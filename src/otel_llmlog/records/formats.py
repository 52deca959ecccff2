"""What a file holds, from its first bytes: the one format detector of this package.

Two questions, asked by different commands of the same files:

* :func:`detect_format` - which span format (OTLP JSON lines, one OTLP JSON document, OTLP
  protobuf, Jaeger JSON)? Asked by the span readers (:mod:`.reading`, ``otel-llmlog convert``);
* :func:`detect_content` - log records (the standard record or the generation record) or spans?
  Asked by the log explorer, which reads records in place and converts span files first.

Both read at most :data:`HEAD_SIZE` bytes and never the file name. :func:`read_head` gives those
bytes with gzip undone (as far as the first 64 KiB of compressed data go), so a rotated ``.gz``
log is recognised like its plain original.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Literal

__all__ = ["HEAD_SIZE", "Content", "Format", "detect_content", "detect_format", "read_head"]

Format = Literal["otlp-json-lines", "otlp-json", "otlp-protobuf", "jaeger-json"]

#: bytes looked at by :func:`detect_format` (and read ahead by :func:`.reading.read_stream`)
HEAD_SIZE = 64 * 1024

BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
WIDE_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}

#: what the explorer finds in a file: records of either format, spans, or nothing (empty)
Content = Literal["standard", "generation", "spans"]

#: keys that only span exports have (OTLP JSON, Jaeger JSON): a file starting with one is converted
SPAN_KEYS = frozenset({"resourceSpans", "resource_spans", "data", "traceID", "result", "spans"})


def detect_format(head: bytes) -> Format:
    """The format of input beginning with ``head`` (the first :data:`HEAD_SIZE` bytes suffice).

    JSON (the first non-blank byte is ``{`` or ``[``) is Jaeger JSON or OTLP JSON by the first
    key that only one of them uses; OTLP JSON is a single document when its first line is a lone
    ``{`` or ``[`` (pretty-printed) or when its second line is indented, and JSON lines otherwise
    (a one-line document read as JSON lines gives the same spans). Input that does not begin like
    JSON is JSON lines when a later whole line in ``head`` is an OTLP JSON object (its first line
    is damaged, and only that line is reported), and is otherwise taken for protobuf, which its
    reader then checks. Empty or blank input is ``"otlp-json-lines"`` (no spans, no error).
    """
    text = head[len(BOM) :] if head.startswith(BOM) else head
    stripped = text.lstrip(b" \t\r\n")
    if not stripped:
        return "otlp-json-lines"
    if stripped[:1] not in (b"{", b"["):
        # a JSON-lines file whose first line is damaged from its first byte: the lines after it say so
        return "otlp-json-lines" if _json_line_after_first(stripped) else "otlp-protobuf"
    if _is_jaeger(stripped):
        return "jaeger-json"
    lines = [line for line in stripped.split(b"\n") if line.strip()]
    first = lines[0].strip()
    if first in (b"{", b"["):
        return "otlp-json"
    try:
        json.loads(first)
        return "otlp-json-lines"
    except ValueError:
        pass
    # the first line is not a whole JSON value: a damaged JSON-lines file (its lines start at
    # column 0) or a document laid out over lines (its later lines are indented)
    if len(lines) > 1 and lines[1][:1] in (b" ", b"\t"):
        return "otlp-json"
    return "otlp-json-lines"


OTLP_MARKERS = (b'"resourceSpans"', b'"resource_spans"', b'"scopeSpans"', b'"scope_spans"', b'"instrumentationLibrarySpans"')
JAEGER_MARKERS = (b'"traceID"', b'"spanID"', b'"operationName"', b'"processes"', b'"processID"')


def _json_line_after_first(text: bytes) -> bool:
    """Whether a whole line after the first is an OTLP JSON object. Protobuf carries no key names,
    so only a string attribute holding such a line whole, newlines around it, could fool this."""
    for line in text.split(b"\n")[1:-1]:  # the last piece may be cut off at the end of the head
        line = line.strip()
        if line[:1] == b"{" and any(marker in line for marker in OTLP_MARKERS):
            try:
                if isinstance(json.loads(line), dict):
                    return True
            except ValueError:
                continue
    return False


def _is_jaeger(text: bytes) -> bool:
    def first(markers: tuple[bytes, ...]) -> int:
        found = [i for i in (text.find(m) for m in markers) if i >= 0]
        return min(found) if found else -1

    otlp, jaeger = first(OTLP_MARKERS), first(JAEGER_MARKERS)
    if jaeger >= 0 and (otlp < 0 or jaeger < otlp):
        return True
    # an empty Jaeger answer: {"data": [], "total": 0, ...} or {"data": null, "errors": [...]}
    return otlp < 0 and re.match(rb'[\[{\s]*"data"\s*:', text) is not None


def read_head(path: str) -> tuple[bytes, bool]:
    """The first :data:`HEAD_SIZE` bytes of the file (decompressed when it is gzip), and whether it is.

    A damaged gzip file gives its raw bytes back (the span reader then says what is wrong with it,
    with file and line).
    """
    with open(path, "rb") as fh:
        head = fh.read(HEAD_SIZE)
    compressed = head.startswith(GZIP_MAGIC)
    if compressed:
        try:  # what the first 64 KiB decompress to, even when the file is cut short
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, HEAD_SIZE)
        except zlib.error:
            return head, True
    return head, compressed


def detect_content(head: bytes) -> Content | None:
    """Records (which format) or spans, from a file's first bytes (see :func:`read_head`); None when empty.

    The first line that parses as a JSON object decides; lines that do not parse are skipped (a
    log whose first line was cut by a crash is still a log). No parsable line: span files say so
    by their keys (a pretty-printed OTLP body, Jaeger JSON) or by not being JSON at all (protobuf,
    damaged gzip); anything else is taken for a log, whose bad lines are then reported one by one.
    """
    if head.startswith(GZIP_MAGIC):
        return "spans"  # gzip that did not decompress: the span reader reports it
    head = head[len(BOM):] if head.startswith(BOM) else head
    if not head.strip():
        return None
    for line in head.split(b"\n")[:200]:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if "generationId" in obj:
            return "generation"
        if "id" in obj and ("startTime" in obj or "trace_id" in obj):
            return "standard"
        if SPAN_KEYS & obj.keys():
            return "spans"
    if not head.lstrip().startswith((b"{", b"[")) or any(f'"{k}"'.encode() in head for k in SPAN_KEYS):
        return "spans"
    return "standard"
