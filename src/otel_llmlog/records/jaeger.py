"""Jaeger JSON: the query API's answer / the UI's "Download JSON", read into spans.

The input is ``{"data": [trace, ...]}`` or a single trace object (``{"traceID", "spans",
"processes"}``). What the Jaeger model cannot carry back, and the rules used here:

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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from .parsing import (
    HEX,
    Bad,
    check_array,
    check_object,
    check_string,
    describe,
    keyed_items,
    parse_base64,
    parse_float,
    parse_int,
)
from .spans import SpanData, SpanEvent

__all__ = ["spans_of_document"]

#: tags the OTel -> Jaeger translation adds, which are not span attributes
_JAEGER_RESERVED = ("span.kind", "w3c.tracestate", "internal.span.format")
_JAEGER_KINDS = {"client": "CLIENT", "server": "SERVER", "producer": "PRODUCER", "consumer": "CONSUMER", "internal": "INTERNAL"}
#: the service name the Collector gives a resource without attributes
_NO_SERVICE_NAME = "OTLPResourceNoServiceName"


def _jaeger_id(value: Any, where: str, size: int) -> str:
    """A Jaeger id: hex, written without leading zeros by some clients; left-padded to ``2*size``."""
    if not isinstance(value, str) or not value:
        raise Bad(f"{where}: expected a hex string, got {describe(value)}")
    if not HEX.fullmatch(value) or len(value) > 2 * size:
        raise Bad(f"{where}: {describe(value)} is not at most {2 * size} hex digits")
    out = value.lower().rjust(2 * size, "0")
    if out.count("0") == len(out):
        raise Bad(f"{where}: all zeros, which is not a valid id")
    return out


def _unflatten_array(text: str) -> Any:
    """A JSON array of scalars of one type, as Jaeger flattens OTel arrays, back to a list."""
    if not text.startswith("["):
        return text
    try:
        items = json.loads(text)
    except ValueError:
        return text
    if not isinstance(items, list):
        return text
    item_types = {bool if isinstance(v, bool) else float if isinstance(v, int | float) else type(v) for v in items}
    if len(item_types) > 1 or not item_types <= {str, bool, float}:
        return text
    if item_types == {float} and any(isinstance(v, float) for v in items):
        return [float(v) for v in items]  # Go writes 2.0 as 2: one float among them makes all floats
    return items


def _jaeger_tags(tags: Any, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for at, key, tag in keyed_items(tags, where):
        value = tag.get("value")
        vtype = tag.get("type")
        vtype = vtype.lower() if isinstance(vtype, str) else None
        if vtype == "string" or (vtype is None and isinstance(value, str)):
            out[key] = _unflatten_array(check_string(value, f"{at}.value"))
        elif vtype == "bool" or (vtype is None and isinstance(value, bool)):
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise Bad(f"{at}.value: expected true or false, got {describe(value)}")
            out[key] = value
        elif vtype == "int64" or (vtype is None and isinstance(value, int)):
            out[key] = parse_int(value, f"{at}.value")
        elif vtype == "float64" or (vtype is None and isinstance(value, float)):
            out[key] = parse_float(value, f"{at}.value")
        elif vtype == "binary":
            out[key] = parse_base64(value, f"{at}.value")
        else:
            raise Bad(f"{at}.type: unknown tag type {describe(tag.get('type'))}")
    return out


def _jaeger_resource(process: Any, where: str) -> dict[str, Any]:
    process = check_object(process, where)
    service = check_string(process.get("serviceName"), f"{where}.serviceName")
    resource: dict[str, Any] = {}
    if service and service != _NO_SERVICE_NAME:
        resource["service.name"] = service
    resource.update(_jaeger_tags(process.get("tags"), f"{where}.tags"))
    return resource


def _jaeger_span(span: Any, where: str, process_of: Callable[[Any, str], dict[str, Any]], source: str) -> SpanData:
    span = check_object(span, where)
    trace_id = _jaeger_id(span.get("traceID"), f"{where}.traceID", 16)
    parent = None
    for i, ref in enumerate(check_array(span.get("references"), f"{where}.references")):
        at = f"{where}.references[{i}]"
        ref = check_object(ref, at)
        if ref.get("refType") != "CHILD_OF":
            continue
        ref_trace = ref.get("traceID")
        if ref_trace is not None and _jaeger_id(ref_trace, f"{at}.traceID", 16) != trace_id:
            continue
        parent = _jaeger_id(ref.get("spanID"), f"{at}.spanID", 8)
        break
    if parent is None and span.get("parentSpanID") not in (None, "", "0"):  # older Jaeger JSON
        parent = _jaeger_id(span["parentSpanID"], f"{where}.parentSpanID", 8)
    start_us = parse_int(span.get("startTime"), f"{where}.startTime")
    duration_us = parse_int(span.get("duration", 0), f"{where}.duration")
    if start_us < 0:
        raise Bad(f"{where}.startTime: {start_us} is not a time in microseconds since the epoch")

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
    for i, log in enumerate(check_array(span.get("logs"), f"{where}.logs")):
        at = f"{where}.logs[{i}]"
        log = check_object(log, at)
        fields = _jaeger_tags(log.get("fields"), f"{at}.fields")
        name = fields.pop("event", "")
        events.append(SpanEvent(str(name), parse_int(log.get("timestamp"), f"{at}.timestamp") * 1000, fields))

    if "process" in span:
        resource = _jaeger_resource(span["process"], f"{where}.process")
    else:
        resource = process_of(span.get("processID"), f"{where}.processID")
    return SpanData(
        trace_id=trace_id,
        span_id=_jaeger_id(span.get("spanID"), f"{where}.spanID", 8),
        parent_span_id=parent,
        name=check_string(span.get("operationName"), f"{where}.operationName"),
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
            raise Bad(f"{where}: {describe(pid)} is not a key of {self.where}")
        if pid not in self.cache:
            self.cache[pid] = _jaeger_resource(self.processes[pid], f"{self.where}.{pid}")
        return dict(self.cache[pid])


def spans_of_document(doc: Any, source: str) -> Iterator[SpanData | Bad]:
    """Spans (and problems, as :class:`~.parsing.Bad` items) of a Jaeger query answer, a list of traces, or one trace."""
    if isinstance(doc, dict) and "data" in doc:
        if doc["data"] is None and doc.get("errors"):
            msgs = [e.get("msg", e) if isinstance(e, dict) else e for e in check_array(doc.get("errors"), "errors")]
            yield Bad(f"errors: the Jaeger answer holds no data, only errors: {'; '.join(map(str, msgs))}")
            return
        try:
            traces = [(f"data[{t}].", trace) for t, trace in enumerate(check_array(doc["data"], "data"))]
        except Bad as bad:
            yield bad
            return
    elif isinstance(doc, dict) and "spans" in doc:
        traces = [("", doc)]
    elif isinstance(doc, list):
        traces = [(f"[{t}].", trace) for t, trace in enumerate(doc)]
    else:
        yield Bad(f"the document: expected a Jaeger JSON object with data or spans, got {describe(doc)}")
        return
    for at, trace in traces:
        try:
            trace = check_object(trace, at.rstrip(".") or "the document")
            processes = check_object(trace.get("processes"), f"{at}processes")
            spans = check_array(trace.get("spans"), f"{at}spans")
        except Bad as bad:
            yield bad
            continue
        process_of = _ProcessTable(processes, f"{at}processes")
        for s, span in enumerate(spans):
            try:
                yield _jaeger_span(span, f"{at}spans[{s}]", process_of, source)
            except Bad as bad:
                yield bad
