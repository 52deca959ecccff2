"""Readers: spans from any source as one neutral :class:`SpanRecord`.

The converter reads :class:`SpanRecord` and nothing else, so it needs neither the LLM SDKs nor
knowledge of where a span came from. Sources:

* live OpenTelemetry SDK spans (:func:`from_readable_spans`);
* OTLP JSON: the Collector ``file`` exporter's output (one ``{"resourceSpans": [...]}`` object per
  line) and a single OTLP/HTTP JSON body (one object, possibly pretty-printed; several concatenated
  objects are read one after the other). Ids may be hex (the OTLP/JSON spec) or base64 (protobuf's
  own JSON mapping), decided per id; keys may be camelCase or snake_case; enums may be numbers or
  names; 64-bit integers may be numbers or decimal strings. A Jaeger ``/api/v3`` answer
  (``{"result": {"resourceSpans": ...}}``) and the pre-1.0 ``instrumentationLibrarySpans`` layout
  are read too. Lines holding only logs, metrics or profiles (``resourceLogs`` ...) are skipped:
  the Collector may write every signal to the same file;
* OTLP protobuf: the bytes of one ``ExportTraceServiceRequest`` as POSTed to ``/v1/traces``; a
  file holds ONE message. The Collector ``file`` exporter's ``format: proto`` output (each message
  after a 4-byte big-endian length) is read too. Needs the ``opentelemetry-proto`` package (the
  ``otlp`` extra), imported only when such a file is read;
* Jaeger JSON: the query API's answer / the UI's "Download JSON" (``{"data": [trace, ...]}``), or a
  single trace object (``{"traceID", "spans", "processes"}``).

The format is found from the content (:func:`detect_format`), never from the file name. gzip
input is decompressed on the fly. Text must be UTF-8 (a leading byte-order mark is skipped).

What the Jaeger model cannot carry back, and the rules used here:

* times are microseconds (nanoseconds are truncated by whoever wrote the Jaeger data);
* span kind is the ``span.kind`` tag (absent: ``INTERNAL``); status is ``error=true`` (then
  ``ERROR``) else ``otel.status_code``, with ``otel.status_description`` as message; no status
  is inferred from ``http.status_code``. The scope is ``otel.scope.name``/``.version`` (or the old
  ``otel.library.*``). These tags, ``w3c.tracestate`` and Jaeger's own ``internal.span.format``
  are removed from the attributes;
* Jaeger flattens array attributes to JSON strings. A ``string`` tag whose value starts with
  ``[`` and parses as a JSON array of scalars of one type (ints mixed with floats count as floats)
  is turned back into a list; anything else (objects, mixed types, nested arrays) stays a string.
  A genuine string attribute that looks like such an array is therefore read as a list, and a
  float array whose values are all whole numbers, written by Go as ``[1,2]``, comes back as ints;
* map (kvlist) attributes stay the JSON string Jaeger holds; binary tags are base64 -> ``bytes``;
* an event's name is its ``event`` field.

Errors: every problem with the input is a :class:`ReadError` naming the file and line (JSON lines:
the line; a JSON document: the line of the decode error, or the line where the document starts
for a problem with its content, which the reason locates with a path such as
``resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano``; protobuf: line 1). With an
``errors`` list the error is appended and reading goes on with the next span, line or message;
without one it is raised. Readers are generators: spans read before a bad one are already yielded.
JSON lines are read one line at a time (memory stays flat whatever the file size); the whole-file
formats (one JSON document, protobuf, Jaeger JSON) are read into memory.

Span links, trace state, flags and dropped counts are not part of the record.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .formats import BOM, GZIP_MAGIC, HEAD_SIZE, WIDE_BOMS, ZSTD_MAGIC, Format, detect_format

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

__all__ = [
    "Format",
    "ReadError",
    "SpanEvent",
    "SpanRecord",
    "detect_format",
    "from_readable_spans",
    "read_path",
    "read_stream",
]

@dataclass(slots=True)
class SpanEvent:
    name: str
    time_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpanRecord:
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


# --------------------------------------------------------------------------------------------
# live spans

_KINDS = ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
_STATUSES = ("UNSET", "OK", "ERROR")


def _plain(value: Any) -> Any:
    """SDK attribute value -> record value: tuples become lists, mappings dicts, recursively."""
    if isinstance(value, str | bytes | bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return value


def _plain_map(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {str(k): _plain(v) for k, v in (attributes or {}).items()}


def from_readable_spans(spans: Iterable[ReadableSpan]) -> list[SpanRecord]:
    """Records of live OTel SDK spans (e.g. from ``InMemorySpanExporter``); they must have ended."""
    out = []
    for span in spans:
        ctx = span.get_span_context()
        if ctx is None:
            raise ValueError(f"span {span.name!r} has no span context")
        if span.start_time is None or span.end_time is None:
            raise ValueError(f"span {span.name!r} has not ended")
        scope = span.instrumentation_scope
        out.append(
            SpanRecord(
                trace_id=f"{ctx.trace_id:032x}",
                span_id=f"{ctx.span_id:016x}",
                parent_span_id=f"{span.parent.span_id:016x}" if span.parent is not None and span.parent.span_id else None,
                name=span.name,
                kind=span.kind.name,
                start_ns=span.start_time,
                end_ns=span.end_time,
                status_code=span.status.status_code.name,
                status_message=span.status.description or None,
                attributes=_plain_map(span.attributes),
                events=[SpanEvent(e.name, e.timestamp, _plain_map(e.attributes)) for e in span.events],
                resource=_plain_map(span.resource.attributes) if span.resource is not None else {},
                scope_name=(scope.name or None) if scope is not None else None,
                scope_version=(scope.version or None) if scope is not None else None,
                source="<live>",
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# entry points


def read_path(path: str | Path, *, errors: list[ReadError] | None = None) -> Iterator[SpanRecord]:
    """Records of the file at ``path``, in file order; see the module docstring for formats and errors.

    The file is opened when iteration starts (so ``OSError`` such as a missing file is raised
    then, and is not a :class:`ReadError`), and closed when it ends.
    """
    name = str(path)
    with open(path, "rb") as stream:
        yield from read_stream(stream, name, errors=errors)


def read_stream(stream: IO[bytes], name: str, *, errors: list[ReadError] | None = None) -> Iterator[SpanRecord]:
    """Records of a binary stream (e.g. ``sys.stdin.buffer``); ``name`` is used in errors and ``source``.

    The stream need not be seekable. It is read, never closed.
    """
    sink = _Sink(name, errors)
    head, pending = _read_head(stream)
    if head.startswith(GZIP_MAGIC):
        stream = _Gunzip(gzip.GzipFile(fileobj=_buffered(head, stream, pending), mode="rb"))
        head, pending = _read_head(stream)
        if pending is not None and not head:
            sink.fail(1, _gzip_reason(pending))
            return
    for bom, encoding in WIDE_BOMS.items():
        if head.startswith(bom):
            sink.fail(1, f"the text is {encoding} (byte-order mark {bom.hex(' ')}); it must be UTF-8")
            return
    fmt = detect_format(head)
    buffered = _buffered(head, stream, pending)
    if fmt == "otlp-json-lines":
        yield from _read_json_lines(buffered, sink)
    elif fmt == "otlp-protobuf":
        yield from _read_protobuf(buffered, sink)
    else:
        data = _read_all(buffered, sink)
        if data is not None:
            convert = _otlp_document if fmt == "otlp-json" else _jaeger_document
            yield from _read_json_documents(data, sink, convert)


# --------------------------------------------------------------------------------------------
# plumbing


class _Bad(Exception):
    """A problem with one part of the input; the reason says where (a JSON path) and what."""


class _Sink:
    """Where errors go: raised, or appended to the caller's list."""

    def __init__(self, path: str, errors: list[ReadError] | None) -> None:
        self.path = path
        self.errors = errors

    def fail(self, line: int, reason: str) -> None:
        err = ReadError(self.path, line, reason)
        if self.errors is None:
            raise err
        self.errors.append(err)


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


_GZIP_ERRORS = (_GzipBroken,)


def _gzip_reason(exc: BaseException) -> str:
    return f"gzip data is corrupt or truncated ({exc})"


def _read_head(stream: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """Up to :data:`HEAD_SIZE` bytes, and the gzip error that cut them short, if any."""
    parts: list[bytes] = []
    size = 0
    while size < HEAD_SIZE:
        try:
            chunk = stream.read(HEAD_SIZE - size)
        except _GZIP_ERRORS as exc:
            return b"".join(parts), exc
        if isinstance(chunk, str):
            raise TypeError("read_stream() needs a binary stream (e.g. sys.stdin.buffer), not a text stream")
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), None


def _read_all(buffered: io.BufferedReader, sink: _Sink) -> bytes | None:
    try:
        return buffered.read()
    except _GZIP_ERRORS as exc:
        sink.fail(1, _gzip_reason(exc))
        return None


def _got(value: Any) -> str:
    """How a wrong value is shown in an error."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_reason(exc: json.JSONDecodeError, text: str) -> str:
    truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
    return f"{'truncated' if truncated else 'invalid'} JSON: {exc.msg} (column {exc.colno})"


# --------------------------------------------------------------------------------------------
# JSON lines and JSON documents


def _read_json_lines(buffered: io.BufferedReader, sink: _Sink) -> Iterator[SpanRecord]:
    lineno = 0
    lines = iter(buffered)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except _GZIP_ERRORS as exc:
            sink.fail(lineno + 1, _gzip_reason(exc))
            return
        lineno += 1
        if lineno == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            sink.fail(lineno, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}")
            continue
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            sink.fail(lineno, _json_reason(exc, text))
            continue
        yield from _guarded(_otlp_document(doc, f"{sink.path}:{lineno}"), sink, lineno)


def _read_json_documents(
    data: bytes, sink: _Sink, convert: Callable[[Any, str], Iterator[SpanRecord | _Bad]]
) -> Iterator[SpanRecord]:
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        sink.fail(line, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column}")
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
            sink.fail(exc.lineno, _json_reason(exc, text))
            return
        yield from _guarded(convert(doc, sink.path), sink, line)
        line += text.count("\n", start, end)
        pos = end


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _guarded(items: Iterator[SpanRecord | _Bad], sink: _Sink, line: int) -> Iterator[SpanRecord]:
    """Records from a converter; the problems it reports become errors at ``line``."""
    for item in items:
        if isinstance(item, _Bad):
            sink.fail(line, str(item))
        else:
            yield item


# --------------------------------------------------------------------------------------------
# OTLP JSON (and protobuf, through protobuf's own JSON mapping of each part)

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _get(obj: dict[str, Any], camel: str) -> tuple[str, Any]:
    """(key as spelled in the input, value) of a field that may be camelCase or snake_case."""
    if camel in obj:
        return camel, obj[camel]
    snake = _SNAKE.sub("_", camel).lower()
    return (snake, obj[snake]) if snake in obj else (camel, None)


def _obj(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Bad(f"{where}: expected an object, got {_got(value)}")
    return value


def _arr(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(f"{where}: expected an array, got {_got(value)}")
    return value


def _str(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{where}: expected a string, got {_got(value)}")
    return value


_INT = re.compile(r"-?[0-9]+")


def _int(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    raise _Bad(f"{where}: expected an integer (a number or a decimal string), got {_got(value)}")


def _time(value: Any, where: str) -> int:
    if value is None:
        return 0
    ns = _int(value, where)
    if not 0 <= ns < 2**64:
        raise _Bad(f"{where}: {ns} is not a time in nanoseconds since the epoch")
    return ns


def _float(value: Any, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)  # protobuf's JSON mapping writes "NaN", "Infinity", "-Infinity"
        except ValueError:
            pass
    raise _Bad(f"{where}: expected a number, got {_got(value)}")


def _b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise _Bad(f"{where}: expected a base64 string, got {_got(value)}")
    decoded = _b64decode(value)
    if decoded is None:
        raise _Bad(f"{where}: {_got(value)} is not base64")
    return decoded


def _b64decode(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not (protobuf's JSON mapping accepts all four)."""
    text = text.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_HEX = re.compile(r"[0-9a-fA-F]+")


def _otlp_id(value: Any, where: str, size: int, *, optional: bool = False) -> str | None:
    """An OTLP id as lower-case hex: hex of ``2*size`` digits, else base64 of ``size`` bytes."""
    if value is None or value == "":
        if optional:
            return None
        raise _Bad(f"{where}: missing")
    if not isinstance(value, str):
        raise _Bad(f"{where}: expected a string, got {_got(value)}")
    if len(value) == 2 * size and _HEX.fullmatch(value):
        out = value.lower()
    else:
        decoded = _b64decode(value)
        if decoded is not None and len(decoded) == size:
            out = decoded.hex()
        elif _HEX.fullmatch(value):
            raise _Bad(f"{where}: {_got(value)} has {len(value)} hex digits, expected {2 * size}")
        elif decoded is not None:
            raise _Bad(f"{where}: {_got(value)} is base64 of {len(decoded)} bytes, expected {size}")
        else:
            raise _Bad(f"{where}: {_got(value)} is neither {2 * size} hex digits nor base64 of {size} bytes")
    if out.count("0") == len(out):
        if optional:
            return None
        raise _Bad(f"{where}: all zeros, which is not a valid id")
    return out


def _enum(value: Any, where: str, names: tuple[str, ...], prefix: str, *, zero: str) -> str:
    """An OTLP enum given as number or name (with or without its prefix); 0 (UNSPECIFIED) -> ``zero``."""
    if value is None:
        return zero
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0:
            return zero
        if 1 <= value <= len(names):
            return names[value - 1]
    elif isinstance(value, str):
        name = value.strip().upper().removeprefix(prefix)
        if name == "UNSPECIFIED":
            return zero
        if name in names or name == zero:
            return name
    raise _Bad(f"{where}: {_got(value)} is not a {prefix.lower().rstrip('_').replace('_', ' ')}")


def _kind(value: Any, where: str) -> str:
    # SPAN_KIND_UNSPECIFIED reads as INTERNAL, which the spec says it means
    return _enum(value, where, _KINDS, "SPAN_KIND_", zero="INTERNAL")


def _status(value: Any, where: str) -> str:
    return _enum(value, where, _STATUSES[1:], "STATUS_CODE_", zero="UNSET")


_ANY_KINDS = {
    "stringValue": "string",
    "boolValue": "bool",
    "intValue": "int",
    "doubleValue": "double",
    "bytesValue": "bytes",
    "arrayValue": "array",
    "kvlistValue": "kvlist",
}
_ANY_KINDS.update({_SNAKE.sub("_", k).lower(): v for k, v in list(_ANY_KINDS.items())})


def _any(value: Any, where: str) -> Any:
    """An OTLP ``AnyValue`` as a plain value; an empty one is ``None``."""
    value = _obj(value, where)
    if not value:
        return None
    for key, inner in value.items():
        kind = _ANY_KINDS.get(key)
        if kind is None:
            continue
        at = f"{where}.{key}"
        if kind == "string":
            return _str(inner, at)
        if kind == "bool":
            if not isinstance(inner, bool):
                raise _Bad(f"{at}: expected true or false, got {_got(inner)}")
            return inner
        if kind == "int":
            return _int(inner, at)
        if kind == "double":
            return _float(inner, at)
        if kind == "bytes":
            return _b64(inner, at)
        _, items = _get(_obj(inner, at), "values")
        if kind == "array":
            return [_any(item, f"{at}.values[{i}]") for i, item in enumerate(_arr(items, f"{at}.values"))]
        return _attributes(items, f"{at}.values")
    raise _Bad(f"{where}: no known value type among its keys ({', '.join(map(str, value))})")


def _attributes(items: Any, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(_arr(items, where)):
        at = f"{where}[{i}]"
        item = _obj(item, at)
        key = item.get("key")
        if not isinstance(key, str):
            raise _Bad(f"{at}.key: expected a string, got {_got(key)}")
        out[key] = _any(item.get("value"), f"{at}.value")
    return out


def _otlp_span(span: Any, where: str, resource: dict[str, Any], scope: tuple[str | None, str | None], source: str) -> SpanRecord:
    span = _obj(span, where)

    def get(obj: dict[str, Any], name: str, at: str) -> tuple[Any, str]:
        key, value = _get(obj, name)
        return value, f"{at}.{key}"

    events = []
    raw_events, events_at = get(span, "events", where)
    for i, event in enumerate(_arr(raw_events, events_at)):
        event_at = f"{events_at}[{i}]"
        event = _obj(event, event_at)
        events.append(
            SpanEvent(
                name=_str(*get(event, "name", event_at)),
                time_ns=_time(*get(event, "timeUnixNano", event_at)),
                attributes=_attributes(*get(event, "attributes", event_at)),
            )
        )
    status, status_at = get(span, "status", where)
    status = _obj(status, status_at)
    message = _str(status.get("message"), f"{status_at}.message")
    return SpanRecord(
        trace_id=_otlp_id(*get(span, "traceId", where), 16) or "",
        span_id=_otlp_id(*get(span, "spanId", where), 8) or "",
        parent_span_id=_otlp_id(*get(span, "parentSpanId", where), 8, optional=True),
        name=_str(*get(span, "name", where)),
        kind=_kind(*get(span, "kind", where)),
        start_ns=_time(*get(span, "startTimeUnixNano", where)),
        end_ns=_time(*get(span, "endTimeUnixNano", where)),
        status_code=_status(status.get("code"), f"{status_at}.code"),
        status_message=message or None,
        attributes=_attributes(*get(span, "attributes", where)),
        events=events,
        resource=dict(resource),
        scope_name=scope[0],
        scope_version=scope[1],
        source=source,
    )


def _scope(scope: Any, where: str) -> tuple[str | None, str | None]:
    scope = _obj(scope, where)
    name = _str(scope.get("name"), f"{where}.name")
    version = _str(scope.get("version"), f"{where}.version")
    return name or None, version or None


_OTHER_SIGNALS = ("resourceLogs", "resource_logs", "resourceMetrics", "resource_metrics", "resourceProfiles", "resource_profiles")


def _otlp_document(doc: Any, source: str, prefix: str = "") -> Iterator[SpanRecord | _Bad]:
    """Records (and problems, as :class:`_Bad` items) of one OTLP ``ExportTraceServiceRequest`` in JSON."""
    if isinstance(doc, list):  # several requests in one array
        for i, item in enumerate(doc):
            yield from _otlp_document(item, source, f"{prefix}[{i}]")
        return
    if not isinstance(doc, dict):
        yield _Bad(f"{prefix or 'the document'}: expected an OTLP JSON object with resourceSpans, got {_got(doc)}")
        return
    if "resourceSpans" not in doc and "resource_spans" not in doc and isinstance(doc.get("result"), dict):
        doc, prefix = doc["result"], f"{prefix}result."  # Jaeger /api/v3 answers wrap the request
    if prefix.endswith("]"):
        prefix += "."
    key, resource_spans = _get(doc, "resourceSpans")
    if resource_spans is None:
        if doc and not any(k in doc for k in _OTHER_SIGNALS):
            keys = ", ".join(sorted(map(str, doc))[:5])
            yield _Bad(f"{prefix}resourceSpans: missing; not an OTLP trace export (its keys: {keys})")
        return
    try:
        rs_list = _arr(resource_spans, f"{prefix}{key}")
    except _Bad as bad:
        yield bad
        return
    for i, rs in enumerate(rs_list):
        rs_at = f"{prefix}{key}[{i}]"
        try:
            rs = _obj(rs, rs_at)
            res_key, res = _get(rs, "resource")
            res = _obj(res, f"{rs_at}.{res_key}")
            resource = _attributes(res.get("attributes"), f"{rs_at}.{res_key}.attributes")
            ss_key, scope_spans = _get(rs, "scopeSpans")
            legacy = scope_spans is None
            if legacy:
                ss_key, scope_spans = _get(rs, "instrumentationLibrarySpans")
            ss_list = _arr(scope_spans, f"{rs_at}.{ss_key}")
        except _Bad as bad:
            yield bad
            continue
        for j, ss in enumerate(ss_list):
            ss_at = f"{rs_at}.{ss_key}[{j}]"
            try:
                ss = _obj(ss, ss_at)
                scope_key, scope = _get(ss, "instrumentationLibrary" if legacy else "scope")
                name_version = _scope(scope, f"{ss_at}.{scope_key}")
                spans_key, spans = _get(ss, "spans")
                spans = _arr(spans, f"{ss_at}.{spans_key}")
            except _Bad as bad:
                yield bad
                continue
            for k, span in enumerate(spans):
                try:
                    yield _otlp_span(span, f"{ss_at}.{spans_key}[{k}]", resource, name_version, source)
                except _Bad as bad:
                    yield bad


# --------------------------------------------------------------------------------------------
# OTLP protobuf


def _read_protobuf(buffered: io.BufferedReader, sink: _Sink) -> Iterator[SpanRecord]:
    try:
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "reading OTLP protobuf needs the opentelemetry-proto package: pip install 'otel-llmlog[otlp]'",
            name=exc.name,
        ) from exc

    def records(msg: Any, where: str) -> Iterator[SpanRecord | _Bad]:
        for i, rs in enumerate(msg.resource_spans):
            rs_at = f"{where}resourceSpans[{i}]"
            try:
                resource = _attributes(MessageToDict(rs.resource).get("attributes"), f"{rs_at}.resource.attributes")
            except _Bad as bad:
                yield bad
                continue
            for j, ss in enumerate(rs.scope_spans):
                ss_at = f"{rs_at}.scopeSpans[{j}]"
                scope = (ss.scope.name or None, ss.scope.version or None)
                for k, span in enumerate(ss.spans):
                    try:
                        yield _otlp_span(MessageToDict(span), f"{ss_at}.spans[{k}]", resource, scope, sink.path)
                    except _Bad as bad:
                        yield bad

    def parse(data: bytes, where: str) -> Any:
        try:
            msg = ExportTraceServiceRequest.FromString(data)
        except DecodeError:
            raise _Bad(f"{where}{_not_protobuf(data)} (the protobuf wire format is corrupt)") from None
        if not msg.resource_spans:
            raise _Bad(f"{where}{_not_protobuf(data)} (it holds no resourceSpans)")
        return msg

    try:
        first = buffered.peek(4)[:4]
    except _GZIP_ERRORS as exc:
        sink.fail(1, _gzip_reason(exc))
        return
    if first[:1] != b"\x00":
        data = _read_all(buffered, sink)
        if data is None:
            return
        try:
            msg = parse(data, "")
        except _Bad as bad:
            sink.fail(1, str(bad))
            return
        yield from _guarded(records(msg, ""), sink, 1)
        return
    # the Collector file exporter's format: proto - each message after its 4-byte big-endian size
    index, offset = 0, 0
    while True:
        try:
            size_bytes = buffered.read(4)
            if not size_bytes:
                return
            size = int.from_bytes(size_bytes, "big")
            data = buffered.read(size) if len(size_bytes) == 4 else b""
        except _GZIP_ERRORS as exc:
            sink.fail(1, _gzip_reason(exc))
            return
        where = f"message {index + 1} (byte {offset}): "
        if len(size_bytes) < 4 or len(data) < size:
            if index == 0:  # no frame was whole: likely not the Collector's proto file at all
                where = "not JSON, and not OTLP protobuf read as length-prefixed messages (it starts with a zero byte): " + where
            sink.fail(1, f"{where}truncated: expected {size if len(size_bytes) == 4 else 4} bytes, the file ends")
            return
        if data.startswith(ZSTD_MAGIC):
            sink.fail(1, f"{where}zstd-compressed (Collector file exporter compression: zstd); decompress it first")
            return
        try:
            msg = parse(data, where)
        except _Bad as bad:
            sink.fail(1, str(bad))
            return  # a bad frame leaves the framing itself in doubt
        yield from _guarded(records(msg, where), sink, 1)
        index += 1
        offset += 4 + size


def _not_protobuf(data: bytes) -> str:
    """Why ``data`` was taken for protobuf and is not: said so that text reads as text."""
    snippet = data[:24]
    try:
        text = snippet.decode("utf-8")
        printable = all(ch.isprintable() or ch in "\t\r\n" for ch in text)
    except UnicodeDecodeError:
        printable = False
    if printable and data:
        return f"not JSON (it starts with {text!r}) and not an OTLP protobuf ExportTraceServiceRequest"
    return "not JSON and not an OTLP protobuf ExportTraceServiceRequest"


# --------------------------------------------------------------------------------------------
# Jaeger JSON

#: tags the OTel -> Jaeger translation adds, which are not span attributes
_JAEGER_RESERVED = ("span.kind", "w3c.tracestate", "internal.span.format")
_JAEGER_KINDS = {"client": "CLIENT", "server": "SERVER", "producer": "PRODUCER", "consumer": "CONSUMER", "internal": "INTERNAL"}
#: the service name the Collector gives a resource without attributes
_NO_SERVICE_NAME = "OTLPResourceNoServiceName"


def _jaeger_id(value: Any, where: str, size: int) -> str:
    """A Jaeger id: hex, written without leading zeros by some clients; left-padded to ``2*size``."""
    if not isinstance(value, str) or not value:
        raise _Bad(f"{where}: expected a hex string, got {_got(value)}")
    if not _HEX.fullmatch(value) or len(value) > 2 * size:
        raise _Bad(f"{where}: {_got(value)} is not at most {2 * size} hex digits")
    out = value.lower().rjust(2 * size, "0")
    if out.count("0") == len(out):
        raise _Bad(f"{where}: all zeros, which is not a valid id")
    return out


def _unflatten(text: str) -> Any:
    """A JSON array of scalars of one type, as Jaeger flattens OTel arrays, back to a list."""
    if not text.startswith("["):
        return text
    try:
        items = json.loads(text)
    except ValueError:
        return text
    if not isinstance(items, list):
        return text
    kinds = {bool if isinstance(v, bool) else float if isinstance(v, int | float) else type(v) for v in items}
    if len(kinds) > 1 or not kinds <= {str, bool, float}:
        return text
    if kinds == {float} and any(isinstance(v, float) for v in items):
        return [float(v) for v in items]  # Go writes 2.0 as 2: one float among them makes all floats
    return items


def _jaeger_tags(tags: Any, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, tag in enumerate(_arr(tags, where)):
        at = f"{where}[{i}]"
        tag = _obj(tag, at)
        key = tag.get("key")
        if not isinstance(key, str):
            raise _Bad(f"{at}.key: expected a string, got {_got(key)}")
        value = tag.get("value")
        vtype = tag.get("type")
        vtype = vtype.lower() if isinstance(vtype, str) else None
        if vtype == "string" or (vtype is None and isinstance(value, str)):
            out[key] = _unflatten(_str(value, f"{at}.value"))
        elif vtype == "bool" or (vtype is None and isinstance(value, bool)):
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise _Bad(f"{at}.value: expected true or false, got {_got(value)}")
            out[key] = value
        elif vtype == "int64" or (vtype is None and isinstance(value, int)):
            out[key] = _int(value, f"{at}.value")
        elif vtype == "float64" or (vtype is None and isinstance(value, float)):
            out[key] = _float(value, f"{at}.value")
        elif vtype == "binary":
            out[key] = _b64(value, f"{at}.value")
        else:
            raise _Bad(f"{at}.type: unknown tag type {_got(tag.get('type'))}")
    return out


def _jaeger_resource(process: Any, where: str) -> dict[str, Any]:
    process = _obj(process, where)
    service = _str(process.get("serviceName"), f"{where}.serviceName")
    resource: dict[str, Any] = {}
    if service and service != _NO_SERVICE_NAME:
        resource["service.name"] = service
    resource.update(_jaeger_tags(process.get("tags"), f"{where}.tags"))
    return resource


def _jaeger_span(span: Any, where: str, process_of: Callable[[Any, str], dict[str, Any]], source: str) -> SpanRecord:
    span = _obj(span, where)
    trace_id = _jaeger_id(span.get("traceID"), f"{where}.traceID", 16)
    parent = None
    for i, ref in enumerate(_arr(span.get("references"), f"{where}.references")):
        at = f"{where}.references[{i}]"
        ref = _obj(ref, at)
        if ref.get("refType") != "CHILD_OF":
            continue
        ref_trace = ref.get("traceID")
        if ref_trace is not None and _jaeger_id(ref_trace, f"{at}.traceID", 16) != trace_id:
            continue
        parent = _jaeger_id(ref.get("spanID"), f"{at}.spanID", 8)
        break
    if parent is None and span.get("parentSpanID") not in (None, "", "0"):  # older Jaeger JSON
        parent = _jaeger_id(span["parentSpanID"], f"{where}.parentSpanID", 8)
    start_us = _int(span.get("startTime"), f"{where}.startTime")
    duration_us = _int(span.get("duration", 0), f"{where}.duration")
    if start_us < 0:
        raise _Bad(f"{where}.startTime: {start_us} is not a time in microseconds since the epoch")

    attrs = _jaeger_tags(span.get("tags"), f"{where}.tags")
    kind_tag = attrs.pop("span.kind", None)
    kind = _JAEGER_KINDS.get(kind_tag, "INTERNAL") if isinstance(kind_tag, str) else "INTERNAL"
    for key in _JAEGER_RESERVED:
        attrs.pop(key, None)
    # status as the Collector's Jaeger translator reads it: error=true first, then otel.status_code
    status, message = "UNSET", None
    if attrs.get("error") is True:
        status = "ERROR"
        del attrs["error"]
        message = attrs.pop("otel.status_description", None)
        attrs.pop("otel.status_code", None)
    elif "otel.status_code" in attrs:
        code = str(attrs.pop("otel.status_code")).upper()
        status = code if code in ("OK", "ERROR") else "UNSET"
        message = attrs.pop("otel.status_description", None)
    scope_name, scope_version = attrs.pop("otel.scope.name", None), attrs.pop("otel.scope.version", None)
    library_name, library_version = attrs.pop("otel.library.name", None), attrs.pop("otel.library.version", None)
    if scope_name is None:
        scope_name, scope_version = library_name, library_version

    events = []
    for i, log in enumerate(_arr(span.get("logs"), f"{where}.logs")):
        at = f"{where}.logs[{i}]"
        log = _obj(log, at)
        fields = _jaeger_tags(log.get("fields"), f"{at}.fields")
        name = fields.pop("event", "")
        events.append(SpanEvent(str(name), _int(log.get("timestamp"), f"{at}.timestamp") * 1000, fields))

    if "process" in span:
        resource = _jaeger_resource(span["process"], f"{where}.process")
    else:
        resource = process_of(span.get("processID"), f"{where}.processID")
    return SpanRecord(
        trace_id=trace_id,
        span_id=_jaeger_id(span.get("spanID"), f"{where}.spanID", 8),
        parent_span_id=parent,
        name=_str(span.get("operationName"), f"{where}.operationName"),
        kind=kind,
        start_ns=start_us * 1000,
        end_ns=(start_us + duration_us) * 1000,
        status_code=status,
        status_message=str(message) if message else None,
        attributes=attrs,
        events=events,
        resource=resource,
        scope_name=str(scope_name) if scope_name else None,
        scope_version=str(scope_version) if scope_version else None,
        source=source,
    )


class _ProcessTable:
    """A trace's processes as resources, each converted once."""

    def __init__(self, processes: dict[str, Any], where: str) -> None:
        self.processes = processes
        self.where = where
        self.cache: dict[str, dict[str, Any]] = {}

    def __call__(self, pid: Any, where: str) -> dict[str, Any]:
        if pid is None and not self.processes:
            return {}
        if not isinstance(pid, str) or pid not in self.processes:
            raise _Bad(f"{where}: {_got(pid)} is not a key of {self.where}")
        if pid not in self.cache:
            self.cache[pid] = _jaeger_resource(self.processes[pid], f"{self.where}.{pid}")
        return dict(self.cache[pid])


def _jaeger_document(doc: Any, source: str) -> Iterator[SpanRecord | _Bad]:
    """Records (and problems) of a Jaeger query answer, a list of traces, or one trace."""
    if isinstance(doc, dict) and "data" in doc:
        if doc["data"] is None and doc.get("errors"):
            msgs = [e.get("msg", e) if isinstance(e, dict) else e for e in _arr(doc.get("errors"), "errors")]
            yield _Bad(f"errors: the Jaeger answer holds no data, only errors: {'; '.join(map(str, msgs))}")
            return
        try:
            traces = [(f"data[{t}].", trace) for t, trace in enumerate(_arr(doc["data"], "data"))]
        except _Bad as bad:
            yield bad
            return
    elif isinstance(doc, dict) and "spans" in doc:
        traces = [("", doc)]
    elif isinstance(doc, list):
        traces = [(f"[{t}].", trace) for t, trace in enumerate(doc)]
    else:
        yield _Bad(f"the document: expected a Jaeger JSON object with data or spans, got {_got(doc)}")
        return
    for at, trace in traces:
        try:
            trace = _obj(trace, at.rstrip(".") or "the document")
            processes = _obj(trace.get("processes"), f"{at}processes")
            spans = _arr(trace.get("spans"), f"{at}spans")
        except _Bad as bad:
            yield bad
            continue
        process_of = _ProcessTable(processes, f"{at}processes")
        for s, span in enumerate(spans):
            try:
                yield _jaeger_span(span, f"{at}spans[{s}]", process_of, source)
            except _Bad as bad:
                yield bad
