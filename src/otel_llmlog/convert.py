"""Moved: see :mod:`otel_llmlog.records.convert` (and ``.calls``, ``.attachment``, ``.standard``, ``.generation``). This stub keeps the old import path working (and warns once).

``span_kind_of`` is :func:`otel_llmlog.records.calls.span_role_of` now; the old name resolves here only.
"""

from ._moved import moved

moved(
    __name__,
    "otel_llmlog.records.convert",
    "otel_llmlog.records.calls",
    "otel_llmlog.records.attachment",
    "otel_llmlog.records.standard",
    "otel_llmlog.records.generation",
    renamed={"span_kind_of": "span_role_of"},
)
