"""Spans written as the OpenTelemetry Collector's ``file`` exporter writes them: OTLP/JSON.

The tests, the benchmarks and the peer-span generator need span files in the form a Collector
produces; so may a user who wants to keep live spans in a file that ``otel-llmlog convert`` (or any
OTLP/JSON reader) reads. Protobuf's own JSON mapping is almost that form: OTLP/JSON departs from it
only in writing trace and span ids as hex (not base64) and enums as integers. Needs the
``opentelemetry-exporter-otlp-proto-common`` package (the ``otlp`` extra).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from .jsonlines import dumps_line

__all__ = ["otlp_json", "otlp_json_line"]

_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def otlp_json(spans: Sequence[Any]) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest`` of ``spans`` (``ReadableSpan``s) as an OTLP/JSON document."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    _hex_ids(doc)
    return doc


def otlp_json_line(spans: Sequence[Any]) -> str:
    """:func:`otlp_json` as one compact line (no newline), as a line of the Collector's file.

    Written by the package's one line writer (:mod:`.jsonlines`): UTF-8, a lone surrogate in an
    attribute becomes U+FFFD.
    """
    return dumps_line(otlp_json(spans), compact=True)[:-1].decode("utf-8")


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
