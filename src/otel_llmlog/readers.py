"""Moved: see :mod:`otel_llmlog.records.reading` (and ``.spans``, ``.live``). This stub keeps the old import path working (and warns once).

``SpanRecord`` is :class:`otel_llmlog.records.spans.SpanData` now; the old name resolves here only.
"""

from ._moved import moved

moved(
    __name__,
    "otel_llmlog.records.reading",
    "otel_llmlog.records.spans",
    "otel_llmlog.records.live",
    "otel_llmlog.records.formats",
    renamed={"SpanRecord": "SpanData"},
)
