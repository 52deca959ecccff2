"""Moved: see :mod:`otel_llmlog.records.models` (``.standard``, ``.generation``). This stub keeps the old import path working (and warns once)."""

from ._moved import moved

moved(
    __name__,
    "otel_llmlog.records.models.standard",
    "otel_llmlog.records.models.generation",
    "otel_llmlog.records.models.base",
    "otel_llmlog.records.models",
)
