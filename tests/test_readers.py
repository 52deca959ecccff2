"""Readers: every source gives the spans ``from_readable_spans`` gives for the same live spans.

Spans are made by the real OTel SDK and encoded by the real OTLP exporter's encoder
(``encode_spans``) and protobuf's own JSON mapping, so the inputs are what an SDK, a Collector or
an OTLP/HTTP body really hold. Only the Jaeger document is constructed here (see ``to_jaeger``).
Records are compared with their value types (``1`` is not ``1.0``, ``True`` is not ``1``).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import gzip
import io
import json
import math
import pickle
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry import trace as otel_trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from otel_llmlog.records.formats import detect_format
from otel_llmlog.records.live import from_readable_spans
from otel_llmlog.records.otlp_json import otlp_json
from otel_llmlog.records.reading import read_path, read_stream
from otel_llmlog.records.spans import ReadError, SpanData, SpanEvent

DATA = Path(__file__).parent / "data" / "readers"

#: a start time on a whole microsecond, so Jaeger (microseconds) loses nothing
T0 = 1_760_000_000_123_456_000


def at(us: int) -> int:
    return T0 + us * 1000


# --------------------------------------------------------------------------------------------
# real spans


def _provider(resource: Resource) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


STANDARD_ATTRIBUTES: dict[str, Any] = {
    "str": "héllo ✓ 🙂",
    "empty_str": "",
    "bool_true": True,
    "bool_false": False,
    "int": 42,
    "int_negative": -5,
    "int_max": 2**63 - 1,
    "float": 0.1,
    "float_whole": 2.0,
    "float_small": 1.5e-07,
    "strs": ["a", "b c", ""],
    "ints": [1, 2, 3],
    "floats": [0.5, 1.25],
    "bools": [True, False],
    "empty_array": [],
    "looks_like_json": '{"role": "user"}',
}


def make_standard_spans() -> list[ReadableSpan]:
    """Spans with only the values every format can carry: scalars and arrays of one scalar type."""
    app, app_spans = _provider(
        Resource.create({"service.name": "llm-app", "deployment.environment.name": "test", "host.cpus": 8, "team": ["a", "b"]})
    )
    worker, worker_spans = _provider(Resource.create({"service.name": "worker", "service.version": "1.2.3"}))
    lib = app.get_tracer("otel_llmlog", "0.9.0")
    plain = app.get_tracer("app")  # no version

    root = lib.start_span("POST /chat", kind=SpanKind.SERVER, attributes=STANDARD_ATTRIBUTES, start_time=at(0))
    root.set_status(Status(StatusCode.OK))
    root_ctx = otel_trace.set_span_in_context(root)

    other = worker.get_tracer("queue", "2.0").start_span("enqueue", kind=SpanKind.PRODUCER, start_time=at(5))
    other.end(end_time=at(6))

    child = lib.start_span(
        "chat gpt-4o",
        context=root_ctx,
        kind=SpanKind.CLIENT,
        attributes={"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 12, "llmlog.cost.fee_rates": [2.5, 10.0]},
        links=[Link(other.get_span_context(), {"link.kind": "cause"})],
        start_time=at(10),
    )
    child.add_event("gen_ai.choice", {"index": 0, "finish_reasons": ["stop"], "score": 0.75}, timestamp=at(20))
    child.add_event("empty", timestamp=at(21))
    try:
        raise ValueError("boom")
    except ValueError as exc:
        child.record_exception(exc, timestamp=at(22))
    child.set_status(Status(StatusCode.ERROR, "boom"))

    tool = plain.start_span("tool call", context=otel_trace.set_span_in_context(child), start_time=at(30))
    tool.set_attribute("tool.name", "search")
    tool.end(end_time=at(31))
    child.end(end_time=at(40))
    root.end(end_time=at(50))

    consumer = worker.get_tracer("queue", "2.0").start_span(
        "dequeue", kind=SpanKind.CONSUMER, start_time=at(60), attributes={"messaging.batch.message_count": 1}
    )
    consumer.end(end_time=at(61))
    return list(app_spans.get_finished_spans()) + list(worker_spans.get_finished_spans())


def make_extended_spans() -> list[ReadableSpan]:
    """Values only OTLP carries as they are: bytes, maps, empty values, nested arrays, NaN, infinities."""
    provider, exporter = _provider(Resource.create({"service.name": "ext", "blob": b"\x00\xff"}))
    span = provider.get_tracer("t").start_span(
        "extended",
        attributes={
            "bytes": b"\x00\x01\xfe\xff",
            "map": {"a": 1, "b": [True, False], "c": {"d": "e"}},
            "none": None,
            "nested": [[1, 2], [3]],
            "nan": math.nan,
            "inf": math.inf,
            "ninf": -math.inf,
        },
        start_time=T0 + 1,  # nanoseconds survive in OTLP
    )
    span.add_event("e", {"payload": b"\x01", "map": {"k": "v"}}, timestamp=T0 + 7)
    span.end(end_time=T0 + 999)
    return list(exporter.get_finished_spans())


# --------------------------------------------------------------------------------------------
# encodings: the real exporter encoder, protobuf's JSON mapping, the OTLP/JSON spec, Jaeger


def to_protobuf(spans: Sequence[ReadableSpan]) -> bytes:
    return encode_spans(spans).SerializeToString()


def to_otlp_dict(spans: Sequence[ReadableSpan], *, snake_case: bool = False) -> dict[str, Any]:
    """Protobuf's JSON mapping: base64 ids, 64-bit ints as strings, enums as names."""
    return MessageToDict(encode_spans(spans), preserving_proto_field_name=snake_case)


def to_otlp_spec_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """The OTLP/JSON spec's form: as protobuf's mapping, but ids in hex and enums as integers."""
    return otlp_json(spans)


def to_snake_case_ints(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """snake_case keys (``preserving_proto_field_name``) with times and ints as JSON numbers."""
    doc = to_otlp_dict(spans, snake_case=True)

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("start_time_unix_nano", "end_time_unix_nano", "time_unix_nano", "int_value"):
                    node[key] = int(value)
                else:
                    fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(doc)
    return doc


def _jaeger_tag(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value}
    if isinstance(value, float):
        return {"key": key, "type": "float64", "value": value}
    if isinstance(value, bytes):
        return {"key": key, "type": "binary", "value": base64.b64encode(value).decode()}
    if isinstance(value, str):
        return {"key": key, "type": "string", "value": value}
    # arrays and maps: flattened to a JSON string, as the Collector's Jaeger translator does
    plain = [*value] if not isinstance(value, dict) else dict(value)
    return {"key": key, "type": "string", "value": json.dumps(plain, separators=(",", ":"), ensure_ascii=False)}


def to_jaeger(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """A Jaeger query-API / UI "Download JSON" document built HERE from the spans (not produced by Jaeger).

    It follows Jaeger's JSON model (``model/json``: traceID/spanID hex, startTime and duration in
    microseconds, typed tags, logs, references, processes keyed by processID) and the Collector's
    OTel -> Jaeger translation (span.kind, otel.status_code / otel.status_description / error,
    otel.scope.name / .version tags; INTERNAL gets no span.kind tag; links are FOLLOWS_FROM).
    """
    traces: dict[str, dict[str, Any]] = {}
    for span in spans:
        ctx = span.get_span_context()
        trace_id = f"{ctx.trace_id:032x}"
        trace = traces.setdefault(trace_id, {"traceID": trace_id, "spans": [], "processes": {}, "warnings": None})
        resource = dict(span.resource.attributes)
        process = {
            "serviceName": resource.pop("service.name"),
            "tags": [_jaeger_tag(k, v) for k, v in resource.items()],
        }
        pid = next((p for p, known in trace["processes"].items() if known == process), None)
        if pid is None:
            pid = f"p{len(trace['processes']) + 1}"
            trace["processes"][pid] = process
        scope = span.instrumentation_scope
        tags = []
        if scope is not None and scope.name:
            tags.append({"key": "otel.scope.name", "type": "string", "value": scope.name})
            if scope.version:
                tags.append({"key": "otel.scope.version", "type": "string", "value": scope.version})
        tags += [_jaeger_tag(k, v) for k, v in span.attributes.items()]
        if span.kind is not SpanKind.INTERNAL:
            tags.append({"key": "span.kind", "type": "string", "value": span.kind.name.lower()})
        if span.status.status_code is not StatusCode.UNSET:
            tags.append({"key": "otel.status_code", "type": "string", "value": span.status.status_code.name})
        if span.status.status_code is StatusCode.ERROR:
            tags.append({"key": "error", "type": "bool", "value": True})
        if span.status.description:
            tags.append({"key": "otel.status_description", "type": "string", "value": span.status.description})
        references = []
        if span.parent is not None:
            references.append({"refType": "CHILD_OF", "traceID": trace_id, "spanID": f"{span.parent.span_id:016x}"})
        for link in span.links:
            references.append(
                {"refType": "FOLLOWS_FROM", "traceID": f"{link.context.trace_id:032x}", "spanID": f"{link.context.span_id:016x}"}
            )
        logs = [
            {
                "timestamp": event.timestamp // 1000,
                "fields": [{"key": "event", "type": "string", "value": event.name}]
                + [_jaeger_tag(k, v) for k, v in event.attributes.items()],
            }
            for event in span.events
        ]
        trace["spans"].append(
            {
                "traceID": trace_id,
                "spanID": f"{ctx.span_id:016x}",
                "flags": 1,
                "operationName": span.name,
                "references": references,
                "startTime": span.start_time // 1000,
                "duration": (span.end_time - span.start_time) // 1000,
                "tags": tags,
                "logs": logs,
                "processID": pid,
                "warnings": None,
            }
        )
    return {"data": list(traces.values()), "total": 0, "limit": 0, "offset": 0, "errors": None}


def compact(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def as_json_lines(spans: Sequence[ReadableSpan]) -> bytes:
    """The Collector file exporter's output: one compact request per line, one line per export."""
    half = len(spans) // 2
    return "".join(compact(to_otlp_dict(batch)) + "\n" for batch in (spans[:half], spans[half:])).encode()


ENCODINGS: dict[str, tuple[str, Callable[[Sequence[ReadableSpan]], bytes]]] = {
    "protobuf": ("otlp-protobuf", to_protobuf),
    "collector-file-json-lines": ("otlp-json-lines", as_json_lines),
    "otlp-http-body-pretty-base64": ("otlp-json", lambda s: json.dumps(to_otlp_dict(s), indent=2).encode()),
    "otlp-spec-hex-int-enums": ("otlp-json", lambda s: json.dumps(to_otlp_spec_json(s), indent=4).encode()),
    "otlp-spec-hex-one-line": ("otlp-json-lines", lambda s: compact(to_otlp_spec_json(s)).encode()),
    "snake-case-number-times": ("otlp-json", lambda s: json.dumps(to_snake_case_ints(s), indent=1).encode()),
    "jaeger-json": ("jaeger-json", lambda s: compact(to_jaeger(s)).encode()),
    "jaeger-json-pretty": ("jaeger-json", lambda s: json.dumps(to_jaeger(s), indent=2).encode()),
}


# --------------------------------------------------------------------------------------------
# comparing with types


def typed(value: Any) -> Any:
    """A value with every scalar tagged by its type, so 1 != 1.0 != True and NaN == NaN."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return typed({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {"dict": {k: typed(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"list": [typed(v) for v in value]}
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def comparable(records: Sequence[SpanData]) -> list[Any]:
    """Records without their source, in span-id order (each format groups spans its own way)."""
    return [typed(dataclasses.replace(r, source=None)) for r in sorted(records, key=lambda r: r.span_id)]


class Pipe(io.RawIOBase):
    """A non-seekable stream handing out at most ``chunk`` bytes per read, like a pipe."""

    def __init__(self, data: bytes, chunk: int = 97) -> None:
        self._data = memoryview(data)
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._chunk, len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


@pytest.fixture(scope="module")
def standard_spans() -> list[ReadableSpan]:
    return make_standard_spans()


@pytest.fixture(scope="module")
def extended_spans() -> list[ReadableSpan]:
    return make_extended_spans()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# --------------------------------------------------------------------------------------------
# the live records themselves


def test_live_records_hold_what_the_sdk_holds(standard_spans: list[ReadableSpan]) -> None:
    records = {r.name: r for r in from_readable_spans(standard_spans)}
    assert len(records) == len(standard_spans) == 5
    root, child, tool = records["POST /chat"], records["chat gpt-4o"], records["tool call"]
    assert len(root.trace_id) == 32 and len(root.span_id) == 16 and root.parent_span_id is None
    assert child.parent_span_id == root.span_id and tool.parent_span_id == child.span_id
    assert child.trace_id == root.trace_id == tool.trace_id != records["enqueue"].trace_id
    assert [r.kind for r in (root, child, tool, records["enqueue"], records["dequeue"])] == [
        "SERVER",
        "CLIENT",
        "INTERNAL",
        "PRODUCER",
        "CONSUMER",
    ]
    assert (root.status_code, root.status_message) == ("OK", None)
    assert (child.status_code, child.status_message) == ("ERROR", "boom")
    assert (tool.status_code, tool.status_message) == ("UNSET", None)
    assert typed(root.attributes) == typed(STANDARD_ATTRIBUTES)  # arrays as lists, types kept
    assert (root.start_ns, root.end_ns) == (at(0), at(50))
    assert [e.name for e in child.events] == ["gen_ai.choice", "empty", "exception"]
    assert child.events[0] == SpanEvent("gen_ai.choice", at(20), {"index": 0, "finish_reasons": ["stop"], "score": 0.75})
    assert child.events[2].attributes["exception.type"] == "ValueError"
    assert "Traceback" in child.events[2].attributes["exception.stacktrace"]
    assert root.resource["service.name"] == "llm-app" and root.resource["team"] == ["a", "b"]
    assert root.resource["telemetry.sdk.name"] == "opentelemetry"
    assert (root.scope_name, root.scope_version) == ("otel_llmlog", "0.9.0")
    assert (tool.scope_name, tool.scope_version) == ("app", None)
    assert {r.source for r in records.values()} == {"<live>"}


def test_live_spans_must_have_ended() -> None:
    provider, _ = _provider(Resource.create({}))
    span = provider.get_tracer("t").start_span("open")
    with pytest.raises(ValueError, match="span 'open' has not ended"):
        from_readable_spans([span])  # type: ignore[list-item]


# --------------------------------------------------------------------------------------------
# every reader == the live records


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_every_format_reads_back_the_live_records(tmp_path: Path, standard_spans: list[ReadableSpan], encoding: str) -> None:
    fmt, encode = ENCODINGS[encoding]
    data = encode(standard_spans)
    assert detect_format(data[:65536]) == fmt
    expected = comparable(from_readable_spans(standard_spans))

    errors: list[ReadError] = []
    from_file = list(read_path(write(tmp_path, "spans.data", data), errors=errors))
    assert errors == []
    assert comparable(from_file) == expected

    from_pipe = list(read_stream(Pipe(data), "<stdin>"))  # type: ignore[arg-type]
    assert comparable(from_pipe) == expected

    with_bom = list(read_stream(io.BytesIO(b"\xef\xbb\xbf" + data), "bom")) if fmt != "otlp-protobuf" else from_pipe
    assert comparable(with_bom) == expected

    gzipped = list(read_stream(io.BytesIO(gzip.compress(data)), "spans.gz"))
    assert comparable(gzipped) == expected


@pytest.mark.parametrize("encoding", [e for e in ENCODINGS if not e.startswith("jaeger")])
def test_otlp_formats_carry_extended_values_and_nanoseconds(extended_spans: list[ReadableSpan], encoding: str) -> None:
    _, encode = ENCODINGS[encoding]
    live = from_readable_spans(extended_spans)
    assert live[0].attributes["bytes"] == b"\x00\x01\xfe\xff" and live[0].attributes["map"]["b"] == [True, False]
    assert live[0].start_ns == T0 + 1 and live[0].resource["blob"] == b"\x00\xff"
    records = list(read_stream(io.BytesIO(encode(extended_spans)), "x"))
    assert comparable(records) == comparable(live)


def test_sources_name_the_file_and_line(tmp_path: Path, standard_spans: list[ReadableSpan]) -> None:
    lines = write(tmp_path, "export.jsonl", as_json_lines(standard_spans))
    assert {r.source for r in read_path(lines)} == {f"{lines}:1", f"{lines}:2"}
    body = write(tmp_path, "body.json", json.dumps(to_otlp_dict(standard_spans), indent=2))
    assert {r.source for r in read_path(body)} == {str(body)}
    proto = write(tmp_path, "body.bin", to_protobuf(standard_spans))
    assert {r.source for r in read_path(proto)} == {str(proto)}
    jaeger = write(tmp_path, "trace.json", compact(to_jaeger(standard_spans)))
    assert {r.source for r in read_path(jaeger)} == {str(jaeger)}
    assert {r.source for r in read_stream(io.BytesIO(lines.read_bytes()), "<stdin>")} == {"<stdin>:1", "<stdin>:2"}


def test_collector_file_exporter_proto_format_is_length_prefixed_messages(standard_spans: list[ReadableSpan]) -> None:
    half = len(standard_spans) // 2
    frames = b"".join(
        len(m).to_bytes(4, "big") + m for m in (to_protobuf(standard_spans[:half]), to_protobuf(standard_spans[half:]))
    )
    assert detect_format(frames) == "otlp-protobuf"
    assert comparable(list(read_stream(io.BytesIO(frames), "f"))) == comparable(from_readable_spans(standard_spans))


def test_concatenated_json_documents_are_read_in_turn(standard_spans: list[ReadableSpan]) -> None:
    half = len(standard_spans) // 2
    data = (
        json.dumps(to_otlp_dict(standard_spans[:half]), indent=2)
        + "\n"
        + json.dumps(to_otlp_dict(standard_spans[half:]), indent=2)
    )
    assert comparable(list(read_stream(io.BytesIO(data.encode()), "x"))) == comparable(from_readable_spans(standard_spans))


def test_reading_needs_no_llm_sdk_and_json_needs_no_protobuf(tmp_path: Path, standard_spans: list[ReadableSpan]) -> None:
    body = write(tmp_path, "body.json", json.dumps(to_otlp_spec_json(standard_spans)))
    jaeger = write(tmp_path, "jaeger.json", compact(to_jaeger(standard_spans)))
    script = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("openai", "anthropic", "google") or name.startswith("opentelemetry.proto"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
from otel_llmlog.records.reading import read_path
print(len(list(read_path({str(body)!r}))), len(list(read_path({str(jaeger)!r}))))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["5", "5"]


# --------------------------------------------------------------------------------------------
# Jaeger: what its model cannot carry, and the rules used


def _jaeger_span(**over: Any) -> dict[str, Any]:
    span = {
        "traceID": "5b8efff798038103d269b633813fc60c",
        "spanID": "eee19b7ec3c1b174",
        "operationName": "op",
        "references": [],
        "startTime": 1_700_000_000_000_001,
        "duration": 5,
        "tags": [],
        "logs": [],
        "processID": "p1",
    }
    span.update(over)
    return span


def _jaeger_doc(*spans: dict[str, Any], processes: dict[str, Any] | None = None) -> bytes:
    processes = processes if processes is not None else {"p1": {"serviceName": "svc", "tags": []}}
    return compact(
        {"data": [{"traceID": "5b8efff798038103d269b633813fc60c", "spans": list(spans), "processes": processes}]}
    ).encode()


def _tag(key: str, value: Any, type_: str = "string") -> dict[str, Any]:
    return {"key": key, "type": type_, "value": value}


def test_jaeger_flattened_values_and_translation_tags() -> None:
    span = _jaeger_span(
        tags=[
            _tag("otel.library.name", "old-lib"),
            _tag("otel.library.version", "0.1"),
            _tag("span.kind", "internal"),
            _tag("error", True, "bool"),
            _tag("otel.status_description", "bad"),
            _tag("internal.span.format", "otlp"),
            _tag("w3c.tracestate", "k=v"),
            _tag("map", '{"a":1}'),
            _tag("go_floats", "[0,0.000015]"),  # Go writes 0.0 as 0
            _tag("go_whole_floats", "[1,2]"),  # indistinguishable from ints: read as ints
            _tag("mixed", '["a",1]'),
            _tag("objects", '[{"role":"user"}]'),
            _tag("not_json", "[draft"),
            _tag("count", "7", "int64"),
            _tag("ratio", 1, "float64"),
            _tag("blob", "AAH/", "binary"),
            {"key": "untyped", "value": 3},
        ],
        logs=[{"timestamp": 1_700_000_000_000_002, "fields": [_tag("message", "no event field")]}],
    )
    (record,) = read_stream(io.BytesIO(_jaeger_doc(span)), "j")
    assert typed(record.attributes) == typed(
        {
            "map": '{"a":1}',
            "go_floats": [0.0, 1.5e-05],
            "go_whole_floats": [1, 2],
            "mixed": '["a",1]',
            "objects": '[{"role":"user"}]',
            "not_json": "[draft",
            "count": 7,
            "ratio": 1.0,
            "blob": b"\x00\x01\xff",
            "untyped": 3,
        }
    )
    assert (record.kind, record.status_code, record.status_message) == ("INTERNAL", "ERROR", "bad")
    assert (record.scope_name, record.scope_version) == ("old-lib", "0.1")
    assert record.events == [SpanEvent("", 1_700_000_000_000_002_000, {"message": "no event field"})]
    assert (record.start_ns, record.end_ns) == (1_700_000_000_000_001_000, 1_700_000_000_000_006_000)
    assert record.resource == {"service.name": "svc"}


def test_jaeger_short_ids_inline_process_and_parent_rules() -> None:
    # older Jaeger clients write 64-bit trace ids and ids without leading zeros
    child = _jaeger_span(
        traceID="81ab3c",
        spanID="2a",
        references=[
            {"refType": "FOLLOWS_FROM", "traceID": "81ab3c", "spanID": "99"},
            {"refType": "CHILD_OF", "traceID": "1234", "spanID": "77"},  # another trace: a link, not the parent
            {"refType": "CHILD_OF", "traceID": "000000000081ab3c", "spanID": "1"},
        ],
        processID=None,
        process={"serviceName": "inline", "tags": [_tag("host.name", "h1")]},
        tags=[_tag("otel.status_code", "OK"), _tag("otel.status_description", "kept as message")],
    )
    (record,) = read_stream(io.BytesIO(_jaeger_doc(child, processes={})), "j")
    assert (record.trace_id, record.span_id, record.parent_span_id) == ("0" * 26 + "81ab3c", "0" * 14 + "2a", "0" * 15 + "1")
    assert record.resource == {"service.name": "inline", "host.name": "h1"}
    assert (record.status_code, record.status_message) == ("OK", "kept as message")


def test_jaeger_single_trace_object_and_empty_answer() -> None:
    trace = {"traceID": "5b8efff798038103d269b633813fc60c", "spans": [_jaeger_span()], "processes": {"p1": {"serviceName": "s"}}}
    data = json.dumps(trace).encode()
    assert detect_format(data) == "jaeger-json"
    assert [r.name for r in read_stream(io.BytesIO(data), "j")] == ["op"]
    empty = b'{"data": [], "total": 0, "limit": 0, "offset": 0, "errors": null}'
    assert detect_format(empty) == "jaeger-json"
    assert list(read_stream(io.BytesIO(empty), "j")) == []


# --------------------------------------------------------------------------------------------
# format detection


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"", "otlp-json-lines"),
        (b" \n\r\n\t", "otlp-json-lines"),
        (b"\xef\xbb\xbf", "otlp-json-lines"),
        (b'{"resourceSpans":[]}\n{"resourceSpans":[]}\n', "otlp-json-lines"),
        (b'{"resourceSpans":[]}', "otlp-json-lines"),  # one line: read as JSON lines, same records
        (b'\xef\xbb\xbf{"resource_spans":[]}\n', "otlp-json-lines"),
        (b'{"resourceSpans":[{"resou', "otlp-json-lines"),  # a first line longer than the head
        (b'{"resourceSpans":[{"resou\n{"resourceSpans":[]}\n', "otlp-json-lines"),  # a damaged first line
        (b'{\n  "resourceSpans": []\n}\n', "otlp-json"),
        (b'{"resourceSpans": [\n  {\n', "otlp-json"),
        (b"[\n", "otlp-json"),
        (b'{"data":[{"traceID":"ab","spans":[]}]}', "jaeger-json"),
        (b'{\n  "data": [\n    {\n      "traceID": "ab",', "jaeger-json"),
        (b'{"data": null, "errors": [{"code": 404, "msg": "trace not found"}]}', "jaeger-json"),
        (b'{"result":{"resourceSpans":[]}}', "otlp-json-lines"),
        (b"\x0a\x8d\x01\x0a", "otlp-protobuf"),
        (b"\x00\x00\x01\x00\x0a", "otlp-protobuf"),
        (b"hello world", "otlp-protobuf"),  # not JSON: the protobuf reader says what it is
    ],
)
def test_detect_format(head: bytes, fmt: str) -> None:
    assert detect_format(head) == fmt


def test_detect_format_never_looks_at_the_name(tmp_path: Path, standard_spans: list[ReadableSpan]) -> None:
    misnamed = write(tmp_path, "spans.json", to_protobuf(standard_spans))
    assert len(list(read_path(misnamed))) == 5
    misnamed = write(tmp_path, "spans.pb", as_json_lines(standard_spans))
    assert len(list(read_path(misnamed))) == 5


# --------------------------------------------------------------------------------------------
# bad input: exact errors, records before and after kept

TRACE = "5b8efff798038103d269b633813fc60c"


def otlp_span(span_id: str, **over: Any) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": TRACE,
        "spanId": span_id,
        "name": f"s{span_id[-1]}",
        "kind": 1,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000000000000001",
    }
    span.update(over)
    return span


def otlp_line(*spans: Any, scope_spans: Any = None) -> str:
    if scope_spans is None:
        scope_spans = [{"scope": {"name": "t"}, "spans": list(spans)}]
    return compact({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": scope_spans}]})


def read_all(data: bytes | str, name: str = "in.json") -> tuple[list[SpanData], list[str]]:
    errors: list[ReadError] = []
    raw = data.encode() if isinstance(data, str) else data
    records = list(read_stream(io.BytesIO(raw), name, errors=errors))
    return records, [str(e) for e in errors]


def names(records: Sequence[SpanData]) -> list[str]:
    return [r.name for r in records]


def test_json_lines_errors_name_the_line_and_reading_goes_on() -> None:
    good1 = otlp_line(otlp_span("0000000000000001"))
    truncated = otlp_line(otlp_span("0000000000000002"))[:75]
    not_a_list = otlp_line(scope_spans=[{"scope": {"name": "t"}, "spans": {"spanId": "x"}}])
    bad_time = otlp_line(
        otlp_span("0000000000000003"), otlp_span("0000000000000004", startTimeUnixNano="abc"), otlp_span("0000000000000005")
    )
    ids = otlp_line(
        otlp_span("0000000000000006", traceId=TRACE[:30]),
        otlp_span("0000000000000007", traceId=base64.b64encode(b"x" * 15).decode()),
        otlp_span("xyz!"),
        otlp_span("0000000000000000"),
        otlp_span("0000000000000008", parentSpanId="0000000000000000"),  # all-zero parent: a root
    )
    wrong_types = otlp_line(
        otlp_span("0000000000000009", kind=9),
        otlp_span("000000000000000a", attributes=[{"key": "k", "value": {"fooValue": 1}}]),
        otlp_span("000000000000000b", attributes=[{"key": "k", "value": {"intValue": "1.5"}}]),
        otlp_span("000000000000000c", status={"code": "STATUS_CODE_MAYBE"}),
        otlp_span("000000000000000d", events={"name": "e"}),
        otlp_span("000000000000000e", kind="SPAN_KIND_CLIENT", status={"code": 2, "message": "m"}),
    )
    lines = [good1, truncated, "", not_a_list, bad_time, "\xff junk", ids, "[1, 2", '{"foo": 1}', wrong_types, "42"]
    data = "\n".join(lines).encode().replace("\xff".encode(), b"\xff")
    records, errors = read_all(data, "x.jsonl")
    assert names(records) == ["s1", "s3", "s5", "s8", "se"]
    assert records[3].parent_span_id is None
    assert (records[4].kind, records[4].status_code, records[4].status_message) == ("CLIENT", "ERROR", "m")
    spans = "resourceSpans[0].scopeSpans[0].spans"
    assert errors == [
        "x.jsonl:2: truncated JSON: Unterminated string starting at (column 73)",
        f"x.jsonl:4: {spans}: expected an array, got an object",
        f'x.jsonl:5: {spans}[1].startTimeUnixNano: expected an integer (a number or a decimal string), got "abc"',
        "x.jsonl:6: not UTF-8 text: byte 0xff at column 1",
        f'x.jsonl:7: {spans}[0].traceId: "{TRACE[:30]}" has 30 hex digits, expected 32',
        f'x.jsonl:7: {spans}[1].traceId: "eHh4eHh4eHh4eHh4eHh4" is base64 of 15 bytes, expected 16',
        f'x.jsonl:7: {spans}[2].spanId: "xyz!" is neither 16 hex digits nor base64 of 8 bytes',
        f"x.jsonl:7: {spans}[3].spanId: all zeros, which is not a valid id",
        "x.jsonl:8: truncated JSON: Expecting ',' delimiter (column 6)",
        "x.jsonl:9: resourceSpans: missing; not an OTLP trace export (its keys: foo)",
        f"x.jsonl:10: {spans}[0].kind: 9 is not a span kind",
        f"x.jsonl:10: {spans}[1].attributes[0].value: no known value type among its keys (fooValue)",
        f'x.jsonl:10: {spans}[2].attributes[0].value.intValue: expected an integer (a number or a decimal string), got "1.5"',
        f'x.jsonl:10: {spans}[3].status.code: "STATUS_CODE_MAYBE" is not a status code',
        f"x.jsonl:10: {spans}[4].events: expected an array, got an object",
        "x.jsonl:11: the document: expected an OTLP JSON object with resourceSpans, got 42",
    ]


def test_without_an_error_list_the_first_error_is_raised_after_the_good_records() -> None:
    data = "\n".join([otlp_line(otlp_span("0000000000000001")), "{oops", otlp_line(otlp_span("0000000000000002"))])
    reader = read_stream(io.BytesIO(data.encode()), "x.jsonl")
    assert next(reader).name == "s1"
    with pytest.raises(ReadError) as info:
        next(reader)
    assert str(info.value) == "x.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)"
    assert (info.value.path, info.value.line) == ("x.jsonl", 2)
    assert info.value.reason == "invalid JSON: Expecting property name enclosed in double quotes (column 2)"


def test_read_error_is_an_exception_that_pickles() -> None:
    err = pickle.loads(pickle.dumps(ReadError("a.json", 3, "bad")))
    assert (str(err), err.path, err.line, err.reason) == ("a.json:3: bad", "a.json", 3, "bad")


def test_other_signals_in_a_collector_file_are_skipped_quietly() -> None:
    data = "\n".join(['{"resourceLogs": []}', '{"resourceMetrics": []}', "{}", otlp_line(otlp_span("0000000000000001"))])
    records, errors = read_all(data, "mixed.jsonl")
    assert (names(records), errors) == (["s1"], [])
    assert records[0].source == "mixed.jsonl:4"


def test_snake_case_legacy_layout_and_jaeger_v3_wrapper() -> None:
    snake = {
        "resource_spans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"string_value": "s"}}]},
                "instrumentation_library_spans": [
                    {
                        "instrumentation_library": {"name": "lib", "version": "1"},
                        "spans": [
                            {
                                "trace_id": TRACE,
                                "span_id": "0000000000000001",
                                "parent_span_id": "",
                                "name": "old",
                                "kind": "SPAN_KIND_SERVER",
                                "start_time_unix_nano": 5,
                                "end_time_unix_nano": "6",
                                "attributes": [{"key": "d", "value": {"double_value": 3}}],
                                "status": {"code": "STATUS_CODE_OK"},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    (record,) = read_all(json.dumps(snake))[0]
    assert (record.name, record.kind, record.start_ns, record.end_ns, record.status_code) == ("old", "SERVER", 5, 6, "OK")
    assert (record.scope_name, record.scope_version, record.resource) == ("lib", "1", {"service.name": "s"})
    assert typed(record.attributes) == typed({"d": 3.0})
    wrapped = {"result": json.loads(otlp_line(otlp_span("0000000000000002")))}
    assert names(read_all(json.dumps(wrapped, indent=2))[0]) == ["s2"]


def test_single_document_errors_name_the_decode_line() -> None:
    doc = json.dumps(json.loads(otlp_line(otlp_span("0000000000000001"))), indent=2)
    cut = doc[: doc.index('"endTimeUnixNano"') + 10]
    records, errors = read_all(cut, "body.json")
    assert records == []
    assert errors == [f"body.json:{cut.count(chr(10)) + 1}: truncated JSON: Unterminated string starting at (column 15)"]

    bad = json.dumps(
        json.loads(otlp_line(otlp_span("0000000000000001", endTimeUnixNano=-1), otlp_span("0000000000000002"))), indent=2
    )
    records, errors = read_all(bad, "body.json")
    assert names(records) == ["s2"]
    assert errors == [
        "body.json:1: resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: -1 is not a time in nanoseconds since the epoch"
    ]

    # a good document, then a damaged one: the first one's records are kept
    records, errors = read_all(doc + "\n" + doc[:-3], "two.json")
    assert names(records) == ["s1"]
    assert errors == [f"two.json:{2 * doc.count(chr(10)) + 1}: truncated JSON: Expecting ',' delimiter (column 3)"]


def test_empty_inputs_give_nothing_and_no_error(tmp_path: Path) -> None:
    for content in (b"", b"\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n", gzip.compress(b"")):
        errors: list[ReadError] = []
        assert list(read_path(write(tmp_path, "empty", content), errors=errors)) == []
        assert errors == []


def test_junk_text_and_foreign_encodings() -> None:
    assert read_all(bytes(range(0x80, 0x100)) * 4, "junk.bin") == (
        [],
        ["junk.bin:1: not JSON and not an OTLP protobuf ExportTraceServiceRequest (the protobuf wire format is corrupt)"],
    )
    assert read_all(b"hello world\n", "notes.txt") == (
        [],
        [
            "notes.txt:1: not JSON (it starts with 'hello world\\n') and not an OTLP protobuf "
            "ExportTraceServiceRequest (the protobuf wire format is corrupt)"
        ],
    )
    utf16 = otlp_line(otlp_span("0000000000000001")).encode("utf-16")
    assert read_all(utf16, "win.json") == ([], ["win.json:1: the text is UTF-16 (byte-order mark ff fe); it must be UTF-8"])
    not_utf8 = b'{\n  "resourceSpans": [\n  "\xe9"]\n}'
    assert read_all(not_utf8, "latin1.json") == ([], ["latin1.json:3: not UTF-8 text: byte 0xe9 at column 4"])


def test_protobuf_errors() -> None:
    request = encode_spans(make_standard_spans()[:2])
    data = request.SerializeToString()
    assert read_all(data[:-3], "cut.bin") == (
        [],
        ["cut.bin:1: not JSON and not an OTLP protobuf ExportTraceServiceRequest (the protobuf wire format is corrupt)"],
    )
    bad = ExportTraceServiceRequest()
    bad.CopyFrom(request)
    bad.resource_spans[0].scope_spans[0].spans[0].trace_id = b"\x01" * 15
    records, errors = read_all(bad.SerializeToString(), "bad.bin")
    assert len(records) == 1
    assert errors == [
        'bad.bin:1: resourceSpans[0].scopeSpans[0].spans[0].traceId: "AQEBAQEBAQEBAQEBAQEB" is base64 of 15 bytes, expected 16'
    ]

    frame = len(data).to_bytes(4, "big") + data
    records, errors = read_all(frame + frame[:-5], "frames.bin")
    assert len(records) == 2
    assert errors == [f"frames.bin:1: message 2 (byte {len(frame)}): truncated: expected {len(data)} bytes, the file ends"]
    assert read_all(b"\x00\x00\x01\x00junk", "nul.bin")[1] == [
        "nul.bin:1: not JSON, and not OTLP protobuf read as length-prefixed messages (it starts with a zero byte): "
        "message 1 (byte 0): truncated: expected 256 bytes, the file ends"
    ]
    zstd = (8).to_bytes(4, "big") + b"\x28\xb5\x2f\xfd\x00\x00\x00\x00"
    assert read_all(frame + zstd, "z.bin")[1] == [
        f"z.bin:1: message 2 (byte {len(frame)}): zstd-compressed (Collector file exporter compression: zstd); decompress it first"
    ]


def test_truncated_gzip_keeps_the_lines_before() -> None:
    lines = "\n".join(otlp_line(otlp_span(f"{i:016x}")) for i in range(1, 200)).encode()
    records, errors = read_all(gzip.compress(lines)[:-100], "x.jsonl.gz")
    assert 0 < len(records) < 199
    assert len(errors) == 1 and errors[0].startswith(f"x.jsonl.gz:{len(records) + 1}: gzip data is corrupt or truncated (")


def test_jaeger_errors() -> None:
    spans = [
        _jaeger_span(spanID="0000000000000001", operationName="good"),
        _jaeger_span(spanID="0000000000000002", startTime="abc"),
        _jaeger_span(spanID="0000000000000003", processID="p9"),
        _jaeger_span(spanID="0000000000000004", tags=[_tag("k", 1, "int128")]),
        _jaeger_span(spanID="00000000000000000001"),
        _jaeger_span(spanID="0000000000000005", logs=[{"timestamp": 1, "fields": [_tag("b", "not base64!", "binary")]}]),
        _jaeger_span(spanID="0000000000000006", operationName="also good"),
    ]
    records, errors = read_all(_jaeger_doc(*spans), "trace.json")
    assert names(records) == ["good", "also good"]
    assert errors == [
        'trace.json:1: data[0].spans[1].startTime: expected an integer (a number or a decimal string), got "abc"',
        'trace.json:1: data[0].spans[2].processID: "p9" is not a key of data[0].processes',
        'trace.json:1: data[0].spans[3].tags[0].type: unknown tag type "int128"',
        'trace.json:1: data[0].spans[4].spanID: "00000000000000000001" is not at most 16 hex digits',
        'trace.json:1: data[0].spans[5].logs[0].fields[0].value: "not base64!" is not base64',
    ]
    answer = b'{"data": null, "total": 0, "limit": 0, "offset": 0, "errors": [{"code": 404, "msg": "trace not found"}]}'
    assert read_all(answer, "api.json") == (
        [],
        ["api.json:1: errors: the Jaeger answer holds no data, only errors: trace not found"],
    )
    assert read_all(b'{"data": {"spans": []}}', "d.json") == ([], ["d.json:1: data: expected an array, got an object"])


def test_a_text_stream_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match=r"binary stream \(e.g. sys.stdin.buffer\)"):
        list(read_stream(io.StringIO("{}"), "<stdin>"))  # type: ignore[arg-type]


def test_a_missing_file_is_an_os_error_when_reading_starts(tmp_path: Path) -> None:
    reader = read_path(tmp_path / "missing.json")
    with pytest.raises(FileNotFoundError):
        next(reader)


# --------------------------------------------------------------------------------------------
# memory: JSON lines are streamed


class GeneratedLines(io.RawIOBase):
    """``count`` JSON lines of about 16 KiB each, generated as they are read (never all in memory)."""

    def __init__(self, count: int) -> None:
        self._lines: Iterator[bytes] = (
            (
                otlp_line(otlp_span(f"{i + 1:016x}", attributes=[{"key": "text", "value": {"stringValue": "x" * 16_000}}])) + "\n"
            ).encode()
            for i in range(count)
        )
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._lines)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def test_memory_stays_flat_on_a_large_json_lines_stream() -> None:
    count = 2500  # about 40 MB
    tracemalloc.start()
    try:
        seen = 0
        for record in read_stream(io.BufferedReader(GeneratedLines(count)), "big.jsonl"):
            seen += len(record.attributes["text"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count * 16_000
    assert peak < 4_000_000, f"peak {peak} bytes while reading {count * 16_000} bytes of text"


# --------------------------------------------------------------------------------------------
# the small static samples


def test_static_samples() -> None:
    errors: list[ReadError] = []
    records = list(read_path(DATA / "collector_file_exporter.jsonl", errors=errors))
    assert [str(e) for e in errors] == [
        f"{DATA / 'collector_file_exporter.jsonl'}:2: truncated JSON: Expecting value (column 181)"
    ]
    assert names(records) == ["chat gpt-4o-mini", "execute_tool get_weather"]
    chat, tool = records
    assert tool.parent_span_id == chat.span_id and chat.trace_id == tool.trace_id
    assert typed(chat.attributes["gen_ai.response.finish_reasons"]) == typed(["tool_calls"])
    assert (chat.kind, chat.status_code, chat.resource["service.name"]) == ("CLIENT", "UNSET", "demo")
    assert copy.deepcopy(records) == records
