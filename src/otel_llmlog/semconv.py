"""Moved: see :mod:`otel_llmlog.facts.semconv`. This stub keeps the old import path working (and warns once)."""

from ._moved import moved

moved(__name__, "otel_llmlog.facts.semconv")
