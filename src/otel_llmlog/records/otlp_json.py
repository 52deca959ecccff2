"""OTLP/JSON: spans read from it, and live spans written as it.

Reading (:func:`spans_of_document`, called by :mod:`.reading` for each JSON line or document):

* the Collector ``file`` exporter's output (one ``{"resourceSpans": [...]}`` object per line) and
  a single OTLP/HTTP JSON body (one object, possibly pretty-printed; several concatenated objects
  are read one after the other). Ids may be hex (the OTLP/JSON spec) or base64 (protobuf's own JSON
  mapping), decided per id; keys may be camelCase or snake_case; enums may be numbers or names;
  64-bit integers may be numbers or decimal strings. A Jaeger ``/api/v3`` answer
  (``{"result": {"resourceSpans": ...}}``) and the pre-1.0 ``instrumentationLibrarySpans`` layout
  are read too. Lines holding only logs, metrics or profiles (``resourceLogs`` ...) are skipped:
  the Collector may write every signal to the same file. The protobuf reader (:mod:`.otlp_proto`)
  reads each span through protobuf's own JSON mapping with :func:`span_of`.

Writing (:func:`otlp_json`, :func:`otlp_json_line`): spans as the OpenTelemetry Collector's ``file``
exporter writes them. The tests, the benchmarks and the peer-span generator need span files in the
form a Collector produces; so may a user who wants to keep live spans in a file that
``otel-llmlog convert`` (or any OTLP/JSON reader) reads. Protobuf's own JSON mapping is almost that
form: OTLP/JSON departs from it only in writing trace and span ids as hex (not base64) and enums as
integers. Needs the ``opentelemetry-exporter-otlp-proto-common`` package (the ``otlp`` extra).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from typing import Any

from .jsonlines import dumps_line, replace_lone_surrogates
from .parsing import (
    HEX,
    Bad,
    check_array,
    check_object,
    check_string,
    decode_base64,
    describe,
    keyed_items,
    parse_base64,
    parse_float,
    parse_int,
)
from .spans import SpanData, SpanEvent

__all__ = ["attributes_of", "otlp_json", "otlp_json_line", "span_of", "spans_of_document"]

# --------------------------------------------------------------------------------------------
# reading

_KINDS = ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
_STATUSES = ("UNSET", "OK", "ERROR")
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _key_and_value(obj: dict[str, Any], camel: str) -> tuple[str, Any]:
    """(key as spelled in the input, value) of a field that may be camelCase or snake_case."""
    if camel in obj:
        return camel, obj[camel]
    snake = _SNAKE.sub("_", camel).lower()
    return (snake, obj[snake]) if snake in obj else (camel, None)


def _time_ns(value: Any, where: str) -> int:
    if value is None:
        return 0
    ns = parse_int(value, where)
    if not 0 <= ns < 2**64:
        raise Bad(f"{where}: {ns} is not a time in nanoseconds since the epoch")
    return ns


def _otlp_id(value: Any, where: str, size: int, *, optional: bool = False) -> str | None:
    """An OTLP id as lower-case hex: hex of ``2*size`` digits, else base64 of ``size`` bytes."""
    if value is None or value == "":
        if optional:
            return None
        raise Bad(f"{where}: missing")
    if not isinstance(value, str):
        raise Bad(f"{where}: expected a string, got {describe(value)}")
    if len(value) == 2 * size and HEX.fullmatch(value):
        out = value.lower()
    else:
        decoded = decode_base64(value)
        if decoded is not None and len(decoded) == size:
            out = decoded.hex()
        elif HEX.fullmatch(value):
            raise Bad(f"{where}: {describe(value)} has {len(value)} hex digits, expected {2 * size}")
        elif decoded is not None:
            raise Bad(f"{where}: {describe(value)} is base64 of {len(decoded)} bytes, expected {size}")
        else:
            raise Bad(f"{where}: {describe(value)} is neither {2 * size} hex digits nor base64 of {size} bytes")
    if out.count("0") == len(out):
        if optional:
            return None
        raise Bad(f"{where}: all zeros, which is not a valid id")
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
    raise Bad(f"{where}: {describe(value)} is not a {prefix.lower().rstrip('_').replace('_', ' ')}")


def _span_kind(value: Any, where: str) -> str:
    # SPAN_KIND_UNSPECIFIED reads as INTERNAL, which the spec says it means
    return _enum(value, where, _KINDS, "SPAN_KIND_", zero="INTERNAL")


def _status_code(value: Any, where: str) -> str:
    return _enum(value, where, _STATUSES[1:], "STATUS_CODE_", zero="UNSET")


_VALUE_TYPES = {
    "stringValue": "string",
    "boolValue": "bool",
    "intValue": "int",
    "doubleValue": "double",
    "bytesValue": "bytes",
    "arrayValue": "array",
    "kvlistValue": "kvlist",
}
_VALUE_TYPES.update({_SNAKE.sub("_", k).lower(): v for k, v in list(_VALUE_TYPES.items())})


def _any_value(value: Any, where: str) -> Any:
    """An OTLP ``AnyValue`` as a plain value; an empty one is ``None``."""
    value = check_object(value, where)
    if not value:
        return None
    for key, inner in value.items():
        value_type = _VALUE_TYPES.get(key)
        if value_type is None:
            continue
        at = f"{where}.{key}"
        if value_type == "string":
            return check_string(inner, at)
        if value_type == "bool":
            if not isinstance(inner, bool):
                raise Bad(f"{at}: expected true or false, got {describe(inner)}")
            return inner
        if value_type == "int":
            return parse_int(inner, at)
        if value_type == "double":
            return parse_float(inner, at)
        if value_type == "bytes":
            return parse_base64(inner, at)
        _, items = _key_and_value(check_object(inner, at), "values")
        if value_type == "array":
            return [_any_value(item, f"{at}.values[{i}]") for i, item in enumerate(check_array(items, f"{at}.values"))]
        return attributes_of(items, f"{at}.values")
    raise Bad(f"{where}: no known value type among its keys ({', '.join(map(str, value))})")


def attributes_of(items: Any, where: str) -> dict[str, Any]:
    return {key: _any_value(item.get("value"), f"{at}.value") for at, key, item in keyed_items(items, where)}


def span_of(span: Any, where: str, resource: dict[str, Any], scope: tuple[str | None, str | None], source: str) -> SpanData:
    span = check_object(span, where)

    def value_and_path(obj: dict[str, Any], name: str, at: str) -> tuple[Any, str]:
        key, value = _key_and_value(obj, name)
        return value, f"{at}.{key}"

    events = []
    raw_events, events_at = value_and_path(span, "events", where)
    for i, event in enumerate(check_array(raw_events, events_at)):
        event_at = f"{events_at}[{i}]"
        event = check_object(event, event_at)
        events.append(
            SpanEvent(
                name=check_string(*value_and_path(event, "name", event_at)),
                time_ns=_time_ns(*value_and_path(event, "timeUnixNano", event_at)),
                attributes=attributes_of(*value_and_path(event, "attributes", event_at)),
            )
        )
    status, status_at = value_and_path(span, "status", where)
    status = check_object(status, status_at)
    message = check_string(status.get("message"), f"{status_at}.message")
    return SpanData(
        trace_id=_otlp_id(*value_and_path(span, "traceId", where), 16) or "",
        span_id=_otlp_id(*value_and_path(span, "spanId", where), 8) or "",
        parent_span_id=_otlp_id(*value_and_path(span, "parentSpanId", where), 8, optional=True),
        name=check_string(*value_and_path(span, "name", where)),
        kind=_span_kind(*value_and_path(span, "kind", where)),
        start_ns=_time_ns(*value_and_path(span, "startTimeUnixNano", where)),
        end_ns=_time_ns(*value_and_path(span, "endTimeUnixNano", where)),
        status_code=_status_code(status.get("code"), f"{status_at}.code"),
        status_message=message or None,
        attributes=attributes_of(*value_and_path(span, "attributes", where)),
        events=events,
        resource=dict(resource),
        scope_name=scope[0],
        scope_version=scope[1],
        source=source,
    )


def _scope(scope: Any, where: str) -> tuple[str | None, str | None]:
    scope = check_object(scope, where)
    name = check_string(scope.get("name"), f"{where}.name")
    version = check_string(scope.get("version"), f"{where}.version")
    return name or None, version or None


_OTHER_SIGNALS = ("resourceLogs", "resource_logs", "resourceMetrics", "resource_metrics", "resourceProfiles", "resource_profiles")


def spans_of_document(doc: Any, source: str, prefix: str = "") -> Iterator[SpanData | Bad]:
    """Spans (and problems, as :class:`~.parsing.Bad` items) of one OTLP ``ExportTraceServiceRequest`` in JSON."""
    if isinstance(doc, list):  # several requests in one array
        for i, item in enumerate(doc):
            yield from spans_of_document(item, source, f"{prefix}[{i}]")
        return
    if not isinstance(doc, dict):
        yield Bad(f"{prefix or 'the document'}: expected an OTLP JSON object with resourceSpans, got {describe(doc)}")
        return
    if "resourceSpans" not in doc and "resource_spans" not in doc and isinstance(doc.get("result"), dict):
        doc, prefix = doc["result"], f"{prefix}result."  # Jaeger /api/v3 answers wrap the request
    if prefix.endswith("]"):
        prefix += "."
    key, resource_spans = _key_and_value(doc, "resourceSpans")
    if resource_spans is None:
        if doc and not any(k in doc for k in _OTHER_SIGNALS):
            keys = ", ".join(sorted(map(str, doc))[:5])
            yield Bad(f"{prefix}resourceSpans: missing; not an OTLP trace export (its keys: {keys})")
        return
    try:
        rs_list = check_array(resource_spans, f"{prefix}{key}")
    except Bad as bad:
        yield bad
        return
    for i, rs in enumerate(rs_list):
        rs_at = f"{prefix}{key}[{i}]"
        try:
            rs = check_object(rs, rs_at)
            res_key, res = _key_and_value(rs, "resource")
            res = check_object(res, f"{rs_at}.{res_key}")
            resource = attributes_of(res.get("attributes"), f"{rs_at}.{res_key}.attributes")
            ss_key, scope_spans = _key_and_value(rs, "scopeSpans")
            legacy = scope_spans is None
            if legacy:
                ss_key, scope_spans = _key_and_value(rs, "instrumentationLibrarySpans")
            ss_list = check_array(scope_spans, f"{rs_at}.{ss_key}")
        except Bad as bad:
            yield bad
            continue
        for j, ss in enumerate(ss_list):
            ss_at = f"{rs_at}.{ss_key}[{j}]"
            try:
                ss = check_object(ss, ss_at)
                scope_key, scope = _key_and_value(ss, "instrumentationLibrary" if legacy else "scope")
                name_version = _scope(scope, f"{ss_at}.{scope_key}")
                spans_key, spans = _key_and_value(ss, "spans")
                spans = check_array(spans, f"{ss_at}.{spans_key}")
            except Bad as bad:
                yield bad
                continue
            for k, span in enumerate(spans):
                try:
                    yield span_of(span, f"{ss_at}.{spans_key}[{k}]", resource, name_version, source)
                except Bad as bad:
                    yield bad


# --------------------------------------------------------------------------------------------
# writing

_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def otlp_json(spans: Sequence[Any]) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest`` of ``spans`` (``ReadableSpan``s) as an OTLP/JSON document.

    A lone surrogate in a string of a span becomes U+FFFD (:func:`~.jsonlines.replace_lone_surrogates`):
    the OTLP encoder cannot write one, and would drop the whole attribute holding it.
    """
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc = MessageToDict(encode_spans([_encodable(span) for span in spans]), use_integers_for_enums=True)
    _hex_ids(doc)
    return doc


def otlp_json_line(spans: Sequence[Any]) -> str:
    """:func:`otlp_json` as one compact line (no newline), as a line of the Collector's file.

    Written by the package's one line writer (:mod:`.jsonlines`): UTF-8, NUL escaped, a lone
    surrogate in an attribute U+FFFD.
    """
    return dumps_line(otlp_json(spans), compact=True)[:-1].decode("utf-8")


def _encodable(span: Any) -> Any:
    """The span itself, or a copy whose strings hold no lone surrogate when one of them does."""
    strings = [span.name, span.status.description or "", *_strings(span.attributes), *_strings(span.resource.attributes)]
    for event in span.events:
        strings += [event.name, *_strings(event.attributes)]
    for link in span.links:
        strings += _strings(link.attributes)
    if all(replace_lone_surrogates(text) is text for text in strings):
        return span
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import Link, Status

    return ReadableSpan(
        name=replace_lone_surrogates(span.name),
        context=span.context,
        parent=span.parent,
        resource=Resource(_replaced(span.resource.attributes), span.resource.schema_url),
        attributes=_replaced(span.attributes),
        events=[Event(replace_lone_surrogates(e.name), _replaced(e.attributes), e.timestamp) for e in span.events],
        links=[Link(link.context, _replaced(link.attributes)) for link in span.links],
        kind=span.kind,
        status=Status(span.status.status_code, replace_lone_surrogates(span.status.description) if span.status.description else None),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _strings(attributes: Any) -> list[str]:
    """The keys and string values (array items included) of an attribute mapping."""
    out: list[str] = []
    for key, value in (attributes or {}).items():
        out.append(key)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple | list):
            out += [item for item in value if isinstance(item, str)]
    return out


def _replaced(attributes: Any) -> dict[str, Any]:
    def replaced(value: Any) -> Any:
        if isinstance(value, str):
            return replace_lone_surrogates(value)
        if isinstance(value, tuple | list):
            return type(value)(replaced(item) for item in value)
        return value

    return {replace_lone_surrogates(key): replaced(value) for key, value in (attributes or {}).items()}


def _hex_ids(node: Any) -> None:
    """Ids of spans and of their links, base64 in protobuf's mapping, to hex."""
    if isinstance(node, dict):
        for key in _ID_KEYS:
            if isinstance(node.get(key), str):
                node[key] = base64.b64decode(node[key]).hex()
        for value in node.values():
            _hex_ids(value)
    elif isinstance(node, list):
        for value in node:
            _hex_ids(value)
