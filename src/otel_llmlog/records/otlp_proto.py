"""OTLP protobuf: the bytes of ``ExportTraceServiceRequest`` messages, read into spans.

A file holds ONE message, as POSTed to ``/v1/traces``; the Collector ``file`` exporter's
``format: proto`` output (each message after a 4-byte big-endian length) is read too. Each part is
read through protobuf's own JSON mapping by the OTLP/JSON reader's functions, so both formats give
the same spans and the same errors. Needs the ``opentelemetry-proto`` package (the ``otlp``
extra), imported only when such a file is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from .formats import ZSTD_MAGIC
from .otlp_json import attributes_of, span_of
from .parsing import Bad, ErrorReport, guarded
from .spans import SpanData

__all__ = ["read_protobuf"]


def read_protobuf(buffered: io.BufferedReader, report: ErrorReport) -> Iterator[SpanData]:
    """Spans of protobuf input: one message, or the Collector's length-prefixed messages.

    Every problem is reported at line 1. Errors of the underlying stream (damaged gzip data) are
    the caller's to report: they propagate.
    """
    try:
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "reading OTLP protobuf needs the opentelemetry-proto package: pip install 'otel-llmlog[otlp]'",
            name=exc.name,
        ) from exc

    def spans_of(msg: Any, where: str) -> Iterator[SpanData | Bad]:
        for i, rs in enumerate(msg.resource_spans):
            rs_at = f"{where}resourceSpans[{i}]"
            try:
                resource = attributes_of(MessageToDict(rs.resource).get("attributes"), f"{rs_at}.resource.attributes")
            except Bad as bad:
                yield bad
                continue
            for j, ss in enumerate(rs.scope_spans):
                ss_at = f"{rs_at}.scopeSpans[{j}]"
                scope = (ss.scope.name or None, ss.scope.version or None)
                for k, span in enumerate(ss.spans):
                    try:
                        yield span_of(MessageToDict(span), f"{ss_at}.spans[{k}]", resource, scope, report.path)
                    except Bad as bad:
                        yield bad

    def parse(data: bytes, where: str) -> Any:
        try:
            msg = ExportTraceServiceRequest.FromString(data)
        except DecodeError:
            raise Bad(f"{where}{_not_protobuf(data)} (the protobuf wire format is corrupt)") from None
        if not msg.resource_spans:
            raise Bad(f"{where}{_not_protobuf(data)} (it holds no resourceSpans)")
        return msg

    if buffered.peek(4)[:1] != b"\x00":
        data = buffered.read()
        try:
            msg = parse(data, "")
        except Bad as bad:
            report.fail(1, str(bad))
            return
        yield from guarded(spans_of(msg, ""), report, 1)
        return
    # the Collector file exporter's format: proto - each message after its 4-byte big-endian size
    index, offset = 0, 0
    while True:
        size_bytes = buffered.read(4)
        if not size_bytes:
            return
        size = int.from_bytes(size_bytes, "big")
        data = buffered.read(size) if len(size_bytes) == 4 else b""
        where = f"message {index + 1} (byte {offset}): "
        if len(size_bytes) < 4 or len(data) < size:
            if index == 0:  # no frame was whole: likely not the Collector's proto file at all
                where = "not JSON, and not OTLP protobuf read as length-prefixed messages (it starts with a zero byte): " + where
            report.fail(1, f"{where}truncated: expected {size if len(size_bytes) == 4 else 4} bytes, the file ends")
            return
        if data.startswith(ZSTD_MAGIC):
            report.fail(1, f"{where}zstd-compressed (Collector file exporter compression: zstd); decompress it first")
            return
        try:
            msg = parse(data, where)
        except Bad as bad:
            report.fail(1, str(bad))
            return  # a bad frame leaves the framing itself in doubt
        yield from guarded(spans_of(msg, where), report, 1)
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
