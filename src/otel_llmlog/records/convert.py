"""Spans -> records: the public entry points, one record per LLM call.

Works on :class:`~.spans.SpanData` (or live ``ReadableSpan``), i.e. on attributes only: no SDK is
needed, and spans from any process, language or backend convert the same way. The steps:
:mod:`.calls` (one view per call, sub-spans attached by :mod:`.attachment`, names of other
instrumentations read through :mod:`.peer_names`), then :mod:`.standard` / :mod:`.generation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from ..facts.pricing import PriceBook
from .calls import CallView, call_views
from .generation import generation_of
from .models import RecordFormat
from .models.generation import GenerationRecord
from .models.standard import StandardLoggingPayload
from .standard import payload_of

__all__ = ["RECORD_FORMATS", "record_builder", "to_generation_records", "to_payloads"]

#: the record formats, and how a call view becomes a record of each
_BUILDERS: dict[str, Callable[[CallView], BaseModel]] = {"standard": payload_of, "generation": generation_of}
RECORD_FORMATS: tuple[RecordFormat, ...] = ("standard", "generation")


def record_builder(record_format: RecordFormat) -> Callable[[CallView], BaseModel]:
    """:func:`~.standard.payload_of` or :func:`~.generation.generation_of`; ValueError for another name."""
    try:
        return _BUILDERS[record_format]
    except KeyError:
        raise ValueError(f"record_format must be one of {RECORD_FORMATS}, not {record_format!r}") from None


def to_payloads(spans: Iterable[Any], prices: PriceBook | None = None) -> list[StandardLoggingPayload]:
    """One ``StandardLoggingPayload`` per LLM call span (``SpanData``s or live ``ReadableSpan``s)."""
    return [payload_of(v) for v in call_views(spans, prices)]


def to_generation_records(spans: Iterable[Any], prices: PriceBook | None = None) -> list[GenerationRecord]:
    """One gateway-style generation record per LLM call span."""
    return [generation_of(v) for v in call_views(spans, prices)]
