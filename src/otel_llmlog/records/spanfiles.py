"""Span files -> record lines, as a stream: the engine of ``otel-llmlog convert``.

A Collector's file output can be gigabytes, so nothing here holds a whole file. Spans are read one
at a time and grouped by trace in a :class:`TraceBuffer` whose size is bounded; a trace is
converted and written as soon as it is *settled*:

* its local root (a span without a parent) has been read and ``settle`` more spans have gone by
  without another span of that trace (children normally end, and are exported, before their
  parent; the margin catches the ones that outlive it), or
* no span of it has been seen for ``window`` spans (a trace whose root is in another service's
  file, or lost), or
* the buffer holds more than ``max_spans`` spans (one runaway trace): the least recently seen
  trace goes out first.

A span that arrives after its trace went out starts the trace afresh: its LLM call is still
converted, only without the sub-spans and sibling calls that went out before it (docs/payload.md,
"Streaming"). Within a trace, calls come out in start order; a small input (all of it within the
window) therefore gives exactly what :func:`otel_llmlog.to_payloads` gives for the same spans.

Output never holds a half-written line: stdout gets whole lines; ``-o`` writes a temporary file
beside the target and renames it into place, also when the run is cut short (a bad line under
``--strict``, Ctrl-C), so whatever was converted is kept.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from ..facts.pricing import PriceBook
from .calls import CallView, trace_views
from .convert import record_builder
from .jsonlines import record_line
from .reading import read_stream
from .spans import ReadError, SpanData

__all__ = ["TraceBuffer", "convert_files"]


@dataclass(slots=True)
class _Pending:
    spans: list[SpanData] = field(default_factory=list)
    last_seen: int = 0
    root_seen: bool = False


class TraceBuffer:
    """Groups a stream of spans by trace, holding at most about ``window`` recent spans' traces.

    :meth:`add` returns the calls of every trace that became settled (see the module docstring);
    :meth:`drain` returns the rest, at the end of the input.
    """

    def __init__(self, prices: PriceBook | None = None, *, window: int = 20_000, settle: int = 1_000,
                 max_spans: int = 50_000) -> None:
        self.prices = prices or PriceBook()
        self.window, self.settle, self.max_spans = window, settle, max_spans
        self._traces: dict[str, _Pending] = {}  # least recently seen first
        self._seen = 0
        self._held = 0

    @property
    def held(self) -> int:
        """Spans currently buffered."""
        return self._held

    def add(self, span: SpanData) -> list[CallView]:
        self._seen += 1
        pending = self._traces.pop(span.trace_id, None) or _Pending()
        pending.spans.append(span)
        pending.last_seen = self._seen
        pending.root_seen = pending.root_seen or not span.parent_span_id
        self._traces[span.trace_id] = pending  # re-inserted: now the most recently seen
        self._held += 1
        views: list[CallView] = []
        while self._traces:
            trace_id, oldest = next(iter(self._traces.items()))
            idle = self._seen - oldest.last_seen
            if not (idle >= self.window or (oldest.root_seen and idle >= self.settle) or self._held > self.max_spans):
                break
            views.extend(self._release(trace_id))
        return views

    def drain(self) -> list[CallView]:
        views = [v for trace_id in list(self._traces) for v in self._release(trace_id)]
        views.sort(key=lambda v: (v.span.start_ns, v.span.span_id))
        return views

    def _release(self, trace_id: str) -> list[CallView]:
        pending = self._traces.pop(trace_id)
        self._held -= len(pending.spans)
        return trace_views(pending.spans, self.prices)


class _Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second; silent off a terminal."""

    interval = 0.1  # seconds between redraws

    def __init__(self, stream: IO[str], total_bytes: int | None) -> None:
        self.stream = stream
        self.on = stream.isatty()
        self.total = total_bytes
        self.done_bytes = 0  # bytes of inputs already finished
        self.started = time.monotonic()
        self._drawn = self.started - self.interval
        self.width = 0

    def update(self, position: int, records: int, bad: int) -> None:
        now = time.monotonic()
        if not self.on or now - self._drawn < self.interval:
            return
        self._drawn = now
        got = self.done_bytes + position
        rate = got / max(now - self.started, 1e-9) / 1e6
        if self.total:
            share = min(got / self.total, 1.0)
            filled = int(share * 24)
            head = f"[{'#' * filled}{'.' * (24 - filled)}] {share:4.0%} {got / 1e6:,.0f}/{self.total / 1e6:,.0f} MB"
        else:
            head = f"{got / 1e6:,.0f} MB"
        line = f"convert {head}  {records:,} record(s)  {bad:,} bad  {rate:,.1f} MB/s"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def clear(self) -> None:
        if self.on and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _sizes(inputs: list[str]) -> int | None:
    try:
        return sum(os.path.getsize(name) for name in inputs if name != "-") or None
    except OSError:
        return None


@contextmanager
def _output(path: str | None) -> Iterator[Callable[[bytes], Any]]:
    """A line writer to stdout, or to a temporary file that replaces ``path`` however the run ends."""
    if path is None:
        sys.stdout.flush()
        yield sys.stdout.buffer.write
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".convert-", suffix=".partial", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh.write  # each call writes one whole line; closing flushes only whole lines
    finally:
        os.replace(tmp, path)


def convert_files(inputs: list[str], output: str | None, kind: str = "standard", strict: bool = False,
                  *, buffer: TraceBuffer | None = None) -> int:
    """The ``otel-llmlog convert`` command: returns the exit code (1 when any input line failed).

    Bad lines are reported as ``file:line: reason`` on stderr as they are met, and skipped (or, with
    ``strict``, end the run after converting what was read before them).
    """
    buffer = buffer or TraceBuffer()
    build = record_builder(kind)
    errors: list[ReadError] = []
    progress = _Progress(sys.stderr, _sizes(inputs))
    counts = {"records": 0, "spans": 0, "reported": 0}

    def report() -> None:
        if counts["reported"] < len(errors):
            progress.clear()
            for err in errors[counts["reported"]:]:
                print(str(err), file=sys.stderr)
            counts["reported"] = len(errors)

    def emit(write: Callable[[bytes], Any], views: list[CallView]) -> None:
        for view in views:
            write(record_line(build(view)))
        counts["records"] += len(views)

    interrupted = False
    with _output(output) as write:
        try:
            for name in inputs:
                _convert_one(name, buffer, write, emit, errors, report, progress, counts, strict)
                if strict and errors:
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            report()
            emit(write, buffer.drain())
            progress.clear()
    if sys.stderr.isatty() or errors or interrupted:
        print(f"otel-llmlog convert: {counts['records']} record(s) from {counts['spans']} span(s), "
              f"{len(errors)} bad line(s){', interrupted' if interrupted else ''}", file=sys.stderr)
    if interrupted:
        return 130
    return 1 if errors else 0


def _convert_one(name: str, buffer: TraceBuffer, write: Callable[[bytes], Any],
                 emit: Callable[[Callable[[bytes], Any], list[CallView]], None], errors: list[ReadError],
                 report: Callable[[], None], progress: _Progress, counts: dict[str, int], strict: bool) -> None:
    try:
        stream = sys.stdin.buffer if name == "-" else open(name, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        errors.append(ReadError(name, 0, exc.strerror or str(exc)))
        return
    try:
        for span in read_stream(stream, "<stdin>" if name == "-" else name, errors=errors):
            if len(errors) > counts["reported"]:  # bad lines came before this span
                report()
                if strict:
                    return
            views = buffer.add(span)
            counts["spans"] += 1
            if views:
                emit(write, views)
            if counts["spans"] % 256 == 0 and progress.on:
                progress.update(0 if name == "-" else stream.tell(), counts["records"], len(errors))
    except (OSError, ReadError) as exc:
        errors.append(exc if isinstance(exc, ReadError) else ReadError(name, 0, str(exc)))
    finally:
        if name != "-":
            progress.done_bytes += stream.tell()
            stream.close()
        report()
