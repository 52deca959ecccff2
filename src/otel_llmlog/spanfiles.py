"""Moved: see :mod:`otel_llmlog.records.trace_buffer` and :mod:`otel_llmlog.tools.convert_command` (the streaming core is :mod:`otel_llmlog.records.convert`). This stub keeps the old import path working (and warns once)."""

from ._moved import moved

moved(__name__, "otel_llmlog.records.trace_buffer", "otel_llmlog.tools.convert_command")
