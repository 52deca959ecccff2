"""``otel-llmlog convert``: the streaming conversion (:mod:`otel_llmlog.records.convert`) on a terminal.

What this adds to :class:`~otel_llmlog.records.convert.SpanConversion`: inputs named on the command
line (``-`` is stdin), bad lines reported as ``file:line: reason`` on stderr as they are met, a
progress bar on a terminal, the summary line and the exit code (0; 1 when any input line failed;
130 when interrupted).

Output never holds a half-written line: stdout gets whole lines; ``-o`` writes a temporary file
beside the target and renames it into place when the run ends - also when it is cut short by a
bad line under ``--strict`` or by Ctrl-C, so whatever was converted is kept. A run that dies of
anything else leaves the target as it was.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from ..records.convert import SpanConversion
from ..records.models import RecordFormat
from ..records.spans import ReadError
from ..records.trace_buffer import TraceBuffer

__all__ = ["convert_files"]


def convert_files(inputs: list[str], output: str | None, record_format: RecordFormat = "standard", strict: bool = False,
                  *, buffer: TraceBuffer | None = None) -> int:
    """The ``otel-llmlog convert`` command: returns the exit code (see the module docstring)."""
    progress = _Progress(sys.stderr, _sizes(inputs))

    def report(new: list[ReadError]) -> None:
        progress.clear()
        for err in new:
            print(str(err), file=sys.stderr)

    def advance() -> None:
        progress.update(conversion.bytes_read, conversion.records, len(conversion.errors))

    interrupted = False
    with _output(output) as write:
        conversion = SpanConversion(write, record_format=record_format, strict=strict, buffer=buffer,
                                    on_errors=report, on_progress=advance)
        try:
            for name in inputs:
                if name == "-":
                    conversion.read(sys.stdin.buffer, "<stdin>")
                else:
                    conversion.read_path(name)
                if conversion.stopped:
                    break
        except KeyboardInterrupt:
            interrupted = True
        conversion.finish()
        progress.clear()
    errors = conversion.errors
    if sys.stderr.isatty() or errors or interrupted:
        print(f"otel-llmlog convert: {conversion.records} record(s) from {conversion.spans} span(s), "
              f"{len(errors)} bad line(s){', interrupted' if interrupted else ''}", file=sys.stderr)
    if interrupted:
        return 130
    return 1 if errors else 0


class _Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second; silent off a terminal."""

    interval = 0.1  # seconds between redraws

    def __init__(self, stream: IO[str], total_bytes: int | None) -> None:
        self.stream = stream
        self.on = stream.isatty()
        self.total = total_bytes
        self.started = time.monotonic()
        self._drawn = self.started - self.interval
        self.width = 0

    def update(self, got: int, records: int, bad: int) -> None:
        """Redraw: ``got`` bytes of the input read, ``records`` written, ``bad`` lines met."""
        now = time.monotonic()
        if not self.on or now - self._drawn < self.interval:
            return
        self._drawn = now
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
    """A line writer to stdout, or to a temporary file that replaces ``path`` when the run ends.

    The run ends by returning (a strict stop and Ctrl-C included: the command catches those); an
    exception out of it removes the temporary file and leaves ``path`` untouched.
    """
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
    except BaseException:
        os.unlink(tmp)
        raise
    os.replace(tmp, path)
