"""Moved: see :mod:`otel_llmlog.records.exporters` (and ``.batch_processor``). This stub keeps the old import path working (and warns once)."""

from ._moved import moved

moved(__name__, "otel_llmlog.records.exporters", "otel_llmlog.records.batch_processor")
