"""Moved: see :mod:`otel_llmlog.records.exporters`. This stub keeps the old import path working (and warns once)."""

from ._moved import moved

moved(__name__, "otel_llmlog.records.exporters")
