"""Moved: see :mod:`otel_llmlog.tools.cli` (the explorer's options: :mod:`otel_llmlog.tools.explorer.arguments`).
This stub keeps the old import path working (and warns once)."""

from ._moved import moved

moved(__name__, "otel_llmlog.tools.cli", "otel_llmlog.tools.explorer.arguments")
