"""Spans -> records: the public entry points, one record per LLM call.

Works on :class:`~.spans.SpanData` (or live ``ReadableSpan``), i.e. on attributes only: no SDK is
needed, and spans from any process, language or backend convert the same way. The steps:
:mod:`.calls` (one view per call, sub-spans attached by :mod:`.attachment`, names of other
instrumentations read through :mod:`.peer_names`), then :mod:`.standard` / :mod:`.generation`.

* :func:`to_payloads` / :func:`to_generation_records`: spans in memory -> records;
* :func:`convert_spans` / :class:`SpanConversion`: span files of any size -> record lines, as a
  stream. Spans are read one at a time and held by trace in a bounded
  :class:`~.trace_buffer.TraceBuffer`; a trace is converted and written as soon as it is settled,
  so memory stays flat. A span that arrives after its trace went out starts the trace afresh: its
  LLM call is still converted, only without the sub-spans and sibling calls that went out before
  it (``docs/payload.md``, "Converting files"). Within a trace, calls come out in start order; a small input
  (all of it within the buffer) therefore gives exactly what :func:`to_payloads` gives for the
  same spans. ``otel-llmlog convert`` (``tools/convert_command.py``) is this plus a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import IO, Any

from pydantic import BaseModel

from ..facts.pricing import PriceBook
from .calls import CallView, call_views
from .generation import generation_of
from .jsonlines import record_line
from .models import RecordFormat
from .models.generation import GenerationRecord
from .models.standard import StandardLoggingPayload
from .reading import read_stream
from .spans import ReadError
from .standard import payload_of
from .trace_buffer import TraceBuffer

__all__ = [
    "RECORD_FORMATS",
    "SpanConversion",
    "convert_spans",
    "record_builder",
    "to_generation_records",
    "to_payloads",
]

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


# --------------------------------------------------------------------------------------------
# span files -> record lines, as a stream


class SpanConversion:
    """One streaming conversion: span inputs in, one record line per LLM call to ``write_line``.

    Feed it inputs with :meth:`read` (a binary stream) or :meth:`read_path`, then call
    :meth:`finish` to write the calls of the traces still held. Each problem with the input is
    appended to :attr:`errors` as a :class:`~.spans.ReadError` (``file:line: reason``; an input
    that cannot be opened is line 0) and reading goes on with the next line; with ``strict`` the
    first problem stops the reading (:attr:`stopped`), and what was read before it is still
    converted by :meth:`finish`. Each ``write_line`` call gets one whole line (bytes, newline
    included). ``on_errors`` is called with the new problems as soon as they are met;
    ``on_progress`` after every ``progress_every`` spans.
    """

    def __init__(
        self,
        write_line: Callable[[bytes], object],
        *,
        record_format: RecordFormat = "standard",
        prices: PriceBook | None = None,
        buffer: TraceBuffer | None = None,
        errors: list[ReadError] | None = None,
        strict: bool = False,
        on_errors: Callable[[list[ReadError]], object] | None = None,
        on_progress: Callable[[], object] | None = None,
        progress_every: int = 256,
    ) -> None:
        self._write_line = write_line
        self._build = record_builder(record_format)
        self.buffer = buffer if buffer is not None else TraceBuffer(prices)
        #: every problem met so far, in the order met
        self.errors: list[ReadError] = errors if errors is not None else []
        self.strict = strict
        self._on_errors, self._on_progress, self._progress_every = on_errors, on_progress, progress_every
        self._reported = len(self.errors)
        #: spans read, records written
        self.spans = 0
        self.records = 0
        #: ``strict`` and a problem was met: later inputs are not read
        self.stopped = False
        self._stream: IO[bytes] | None = None  # the input being read
        self._bytes_done = 0  # bytes of the inputs read to their end

    @property
    def bytes_read(self) -> int:
        """Bytes of the inputs read so far (for a progress bar; a pipe counts as 0)."""
        return self._bytes_done + (_position(self._stream) if self._stream is not None else 0)

    def read(self, stream: IO[bytes], name: str) -> None:
        """Convert the spans of one binary stream (read, never closed); ``name`` is used in errors."""
        if self.stopped:
            return
        self._stream = stream
        try:
            for span in read_stream(stream, name, errors=self.errors):
                if self._new_errors():  # bad input came before this span
                    return
                self._write(self.buffer.add(span))
                self.spans += 1
                if self._on_progress is not None and self.spans % self._progress_every == 0:
                    self._on_progress()
        except OSError as exc:  # a read that failed (not the input's content): the rest of this input is lost
            self.errors.append(ReadError(name, 0, str(exc)))
        finally:
            self._bytes_done += _position(stream)
            self._stream = None
            self._new_errors()

    def read_path(self, path: str | os.PathLike[str]) -> None:
        """:meth:`read` the file at ``path``; a file that cannot be opened is an error at line 0."""
        if self.stopped:
            return
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            self.errors.append(ReadError(str(path), 0, exc.strerror or str(exc)))
            self._new_errors()
            return
        with stream:
            self.read(stream, str(path))

    def finish(self) -> None:
        """Write the calls of every trace still held (the end of the input), in start order."""
        self._write(self.buffer.drain())

    def _write(self, views: list[CallView]) -> None:
        for view in views:
            self._write_line(record_line(self._build(view)))
        self.records += len(views)

    def _new_errors(self) -> bool:
        """Hand new problems to ``on_errors``; True when they stop the reading (``strict``)."""
        if len(self.errors) == self._reported:
            return False
        new, self._reported = self.errors[self._reported :], len(self.errors)
        if self._on_errors is not None:
            self._on_errors(new)
        if self.strict:
            self.stopped = True
        return self.stopped


def _position(stream: IO[bytes]) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):  # a pipe, a closed stream
        return 0


def convert_spans(
    inputs: Iterable[str | os.PathLike[str]],
    write_line: Callable[[bytes], object],
    *,
    record_format: RecordFormat = "standard",
    errors: list[ReadError] | None = None,
    strict: bool = False,
    prices: PriceBook | None = None,
    buffer: TraceBuffer | None = None,
) -> SpanConversion:
    """Convert span files (any format :mod:`.reading` reads, gzip or not) into record lines.

    ``write_line`` gets one whole line per LLM call (e.g. ``file.write`` of a file opened ``"wb"``);
    ``errors`` collects each bad input line (see :class:`SpanConversion`). Returns the finished
    conversion: its counts and errors. Interrupted (``KeyboardInterrupt``), it still writes the
    calls read so far before the interruption propagates.
    """
    conversion = SpanConversion(write_line, record_format=record_format, prices=prices, buffer=buffer, errors=errors, strict=strict)
    try:
        for path in inputs:
            conversion.read_path(path)
    except KeyboardInterrupt:
        conversion.finish()
        raise
    conversion.finish()
    return conversion
