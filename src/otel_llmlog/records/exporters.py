"""Span exporters that write one standard record per LLM call while the traces go elsewhere.

* :class:`JsonLogExporter` - one JSON line per call (``StandardLoggingPayload`` or the gateway's
  generation record) to a file with size-based rotation, or to stdout;
* :class:`OtelLogsExporter` - one OpenTelemetry log record per call, the record as its body,
  through the OTel logs SDK (so ``--logs_exporter otlp`` ships it), correlated with the call's span;
* :class:`BlockingBatchSpanProcessor` - a batching span processor that makes the caller wait
  instead of dropping spans when its queue is full (for programmatic set-ups).

Both exporters are registered in the ``opentelemetry_traces_exporter`` entry-point group, so the
launcher adds them beside any other exporter::

    OTEL_LLMLOG_JSON_PATH=/var/log/app/llm-calls.jsonl \\
        opentelemetry-instrument --traces_exporter otlp,otel_llmlog_json python app.py

The launcher builds each exporter with no arguments, so every setting has an environment variable
(read when the exporter is created; a constructor argument wins over it):

=================================  ===================  =============================================
``OTEL_LLMLOG_JSON_PATH``          ``llm-calls.jsonl``  file to append to; ``-`` is stdout; ``{pid}``
                                                        in the path becomes the process id
``OTEL_LLMLOG_JSON_FORMAT``        ``standard``         ``standard`` (StandardLoggingPayload) or
                                                        ``generation`` (gateway generation record);
                                                        also the body of :class:`OtelLogsExporter`
``OTEL_LLMLOG_JSON_MAX_BYTES``     ``104857600``        rotate before a line would make the file
                                                        larger than this; ``0``: never rotate
``OTEL_LLMLOG_JSON_BACKUPS``       ``5``                rotated files kept (``path.1`` newest);
                                                        ``0``: never rotate
``OTEL_LLMLOG_JSON_GRACE_SECONDS`` ``30``               longest time a call waits for its trace's
                                                        root span (see :class:`JsonLogExporter`)
=================================  ===================  =============================================

A value that does not parse is reported with a warning and the default is used (the convention of
the OTel SDK's own variables), so a typo never stops the application or its other exporters.

Why a file by default rather than stdout: the application and other exporters (``console``) write
to stdout too, and a line of theirs that is not finished when ours is written would be split by
it; a file is also what rotation applies to. ``-`` is there for containers whose platform collects
stdout.

Loss. The launcher wraps every traces exporter in a ``BatchSpanProcessor`` with the SDK defaults
(2 048-span queue, 5 s schedule delay). It drops the *oldest* queued span ("Queue full, dropping
Span", logged once per 20 s) when spans end faster than its thread exports them, and a CPU-bound
loop of calls starves that thread: the ``openai`` client gives up the GIL for an instant on every request
(``os.urandom`` for its ``uuid4`` request id), which keeps CPython from ever forcing a switch to the waiting
thread. Measured with 5 000 ``openai`` calls in a tight loop on an in-process mock transport under
the launcher: 7 runs of 10 lost spans (as few as 2 560 lines of 5 000; the export thread ran
about once in the whole loop); with ``OTEL_BSP_MAX_QUEUE_SIZE=65536``, 10 of 10 were complete
(``OTEL_BSP_SCHEDULE_DELAY`` made no difference). The queue has to hold the longest burst - an
80 000-call loop with that queue still lost 2 688 - and the export thread catches up as soon as
the application waits (for the network, in a real service). No exporter can undo a drop made
before it is called: in code, use :class:`BlockingBatchSpanProcessor` (80 000 of 80 000 in the
same loop, 14 % slower per call) or ``SimpleSpanProcessor``, which never drop. Everything that
reaches :meth:`JsonLogExporter.export` is written by :meth:`~JsonLogExporter.shutdown` at the
latest, which the SDK calls on a normal exit. (``python bench/json_log_loss.py`` repeats the measurement.)
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, Context, attach, detach, set_value
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ..facts.pricing import PriceBook
from ..version import __version__
from .calls import call_views, span_role_of
from .convert import record_builder
from .jsonlines import record_line
from .live import add_details, span_outline
from .spans import SpanData

if TYPE_CHECKING:
    from opentelemetry._logs import LoggerProvider
    from pydantic import BaseModel

    from .calls import CallView

__all__ = [
    "BACKUPS_ENV",
    "BlockingBatchSpanProcessor",
    "FORMAT_ENV",
    "GRACE_ENV",
    "JsonLogExporter",
    "MAX_BYTES_ENV",
    "OtelLogsExporter",
    "PATH_ENV",
]

PATH_ENV = "OTEL_LLMLOG_JSON_PATH"
FORMAT_ENV = "OTEL_LLMLOG_JSON_FORMAT"
MAX_BYTES_ENV = "OTEL_LLMLOG_JSON_MAX_BYTES"
BACKUPS_ENV = "OTEL_LLMLOG_JSON_BACKUPS"
GRACE_ENV = "OTEL_LLMLOG_JSON_GRACE_SECONDS"

DEFAULT_PATH = "llm-calls.jsonl"
DEFAULT_FORMAT = "standard"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_BACKUPS = 5
DEFAULT_GRACE_SECONDS = 30.0
DEFAULT_MAX_PENDING_TRACES = 4096
DEFAULT_MAX_PENDING_SPANS = 100_000

FORMATS = ("standard", "generation")

_logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- settings


def _env(name: str, parse: Any, default: Any, check: Any = None) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
        if check is not None and not check(value):
            raise ValueError(raw)
    except ValueError:
        _logger.warning("otel-llmlog: %s=%r is not valid; using %r", name, raw, default)
        return default
    return value


def _kind_setting(kind: str | None) -> str:
    if kind is None:
        return _env(FORMAT_ENV, str.lower, DEFAULT_FORMAT, lambda v: v in FORMATS)
    if kind not in FORMATS:
        raise ValueError(f"kind must be one of {FORMATS}, not {kind!r}")
    return kind


def _number_setting(value: Any, env: str, parse: Any, default: Any, what: str) -> Any:
    if value is None:
        return _env(env, parse, default, lambda v: v >= 0)
    if value < 0:
        raise ValueError(f"{what} must be >= 0, not {value!r}")
    return value


# --------------------------------------------------------------------------- the shared buffer



def _after_fork_in_child(method: Any) -> None:
    """Run ``method`` in a forked child (fresh locks and threads), without keeping its object alive."""
    if not hasattr(os, "register_at_fork"):
        return
    ref = weakref.WeakMethod(method)

    def after_in_child() -> None:
        bound = ref()
        if bound is not None:
            bound()

    os.register_at_fork(after_in_child=after_in_child)


class _Trace:
    """The spans of one trace received and not yet completed (see :class:`JsonLogExporter`)."""

    __slots__ = ("trace_id", "spans", "unwritten")

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        self.spans: dict[str, SpanData] = {}
        self.unwritten: set[str] = set()  # LLM call spans whose record is not written yet


def _read(span: ReadableSpan) -> tuple[SpanData, bool, bool]:
    """(span data, is an LLM call, is a local root) of an ended SDK span.

    Spans that are neither calls nor guardrail/vector-store sub-spans are kept as an outline: ids
    and times only (they matter to the attachment rule as links of a parent chain, nothing else).
    """
    data = span_outline(span)
    parent = span.parent
    local_root = parent is None or not parent.span_id or parent.is_remote
    kind = span_role_of(data)
    if kind is None:
        data.attributes = {}
        return data, False, local_root
    return add_details(data, span), kind == "llm", local_root


class _PerCallExporter(SpanExporter):
    """Holds call spans until their trace can be converted, then hands one record per call to ``_emit``."""

    def __init__(
        self,
        *,
        kind: str | None,
        grace_seconds: float | None,
        max_pending_traces: int,
        max_pending_spans: int,
        prices: PriceBook | None,
    ) -> None:
        self.kind = _kind_setting(kind)
        self.grace_seconds = float(_number_setting(grace_seconds, GRACE_ENV, float, DEFAULT_GRACE_SECONDS, "grace_seconds"))
        if max_pending_traces < 1 or max_pending_spans < 1:
            raise ValueError("max_pending_traces and max_pending_spans must be >= 1")
        self.max_pending_traces = max_pending_traces
        self.max_pending_spans = max_pending_spans
        self._prices = prices if prices is not None else PriceBook.from_settings(None)
        self._build = record_builder(self.kind)
        self._reset_state()
        _after_fork_in_child(self._after_fork)

    def _reset_state(self) -> None:
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._pending: dict[str, _Trace] = {}  # insertion order = age, oldest first
        self._pending_spans = 0
        # (deadline, trace state, span id) in arrival order; the grace is constant, so sorted
        self._deadlines: collections.deque[tuple[float, _Trace, str]] = collections.deque()
        self._timer: threading.Thread | None = None
        self._closed = False

    def _after_fork(self) -> None:
        # the parent writes what it holds; the child starts empty, with fresh locks and no timer
        self._reset_state()

    # -- SpanExporter --

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock:
            if self._closed:
                return SpanExportResult.FAILURE
            ok = True
            roots: dict[int, _Trace] = {}
            new_calls: list[tuple[_Trace, str]] = []
            for span in spans:
                try:
                    record, is_call, local_root = _read(span)
                except Exception:  # noqa: BLE001 - one unreadable span must not cost the batch
                    _logger.exception("otel-llmlog: cannot read span %r", getattr(span, "name", span))
                    ok = False
                    continue
                state = self._pending.get(record.trace_id)
                if state is None:
                    state = self._pending[record.trace_id] = _Trace(record.trace_id)
                if record.span_id not in state.spans:
                    self._pending_spans += 1
                state.spans[record.span_id] = record
                if is_call:
                    state.unwritten.add(record.span_id)
                    new_calls.append((state, record.span_id))
                if local_root:
                    roots[id(state)] = state
            for state in roots.values():  # after the whole batch: a late child in the same batch still counts
                ok &= self._complete(state)
            now = time.monotonic()
            for state, span_id in new_calls:
                if self._pending.get(state.trace_id) is state and span_id in state.unwritten:
                    if not self._deadlines:
                        self._cond.notify_all()
                    self._deadlines.append((now + self.grace_seconds, state, span_id))
            ok &= self._evict()
            ok &= self._expire(now)
            if self._deadlines:
                self._ensure_timer()
            return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Write every call held, whether or not its trace has ended."""
        with self._lock:
            return self._flush_all()

    def shutdown(self) -> None:
        """Write every call held, then stop; later exports are refused."""
        with self._lock:
            if self._closed:
                return
            self._flush_all()
            self._closed = True
            self._cond.notify_all()
            timer = self._timer
        if timer is not None and timer is not threading.current_thread():
            timer.join(5)
        self._close_sink()

    # -- the buffer --

    def _complete(self, state: _Trace) -> bool:
        """The trace's local root has ended: write its calls and forget it."""
        if self._pending.get(state.trace_id) is state:
            del self._pending[state.trace_id]
            self._pending_spans -= len(state.spans)
        ok = self._write(state, set(state.unwritten))
        state.spans.clear()  # entries of _deadlines may still point at it until their time comes
        return ok

    def _evict(self) -> bool:
        ok = True
        while self._pending and (len(self._pending) > self.max_pending_traces or self._pending_spans > self.max_pending_spans):
            ok &= self._complete(next(iter(self._pending.values())))
        return ok

    def _expire(self, now: float) -> bool:
        """Write the calls that have waited the grace time; their trace stays for later calls."""
        ok = True
        due: dict[int, tuple[_Trace, set[str]]] = {}
        while self._deadlines and self._deadlines[0][0] <= now:
            _, state, span_id = self._deadlines.popleft()
            if self._pending.get(state.trace_id) is state and span_id in state.unwritten:
                due.setdefault(id(state), (state, set()))[1].add(span_id)
        for state, ids in due.values():
            ok &= self._write(state, ids)
        return ok

    def _flush_all(self) -> bool:
        ok = True
        for state in list(self._pending.values()):
            ok &= self._complete(state)
        self._deadlines.clear()
        return ok

    def _write(self, state: _Trace, ids: set[str]) -> bool:
        """Convert the calls ``ids`` with everything held of their trace and emit their records.

        A call the converter leaves out on purpose (an inner copy of an outer LLM span, see
        docs/payload.md, "One record per call") is not a failure; a conversion that raised is.
        """
        if not ids:
            return True
        state.unwritten -= ids
        records, ok = self._convert(list(state.spans.values()), ids)
        if not ok:
            # a span the converter cannot handle spoils the trace: convert each call on its own
            done = {view.span.span_id for view, _ in records}
            for span_id in sorted(ids - done):
                records.extend(self._convert([state.spans[span_id]], {span_id})[0])
        try:
            return self._emit(records) and ok
        except Exception:  # noqa: BLE001 - an export never raises into the SDK
            _logger.exception("otel-llmlog: could not write %d record(s)", len(records))
            return False

    def _convert(self, spans: list[SpanData], ids: set[str]) -> tuple[list[tuple[CallView, BaseModel]], bool]:
        """The records of the calls ``ids`` among ``spans``, and whether every conversion step succeeded."""
        try:
            views = [v for v in call_views(spans, self._prices) if v.span.span_id in ids]
        except Exception:  # noqa: BLE001
            if len(spans) == 1:
                _logger.exception("otel-llmlog: cannot convert call span %s", spans[0].span_id)
            return [], False
        out, ok = [], True
        for view in views:
            try:
                out.append((view, self._build(view)))
            except Exception:  # noqa: BLE001
                ok = False
                _logger.exception("otel-llmlog: cannot convert call span %s", view.span.span_id)
        return out, ok

    def _ensure_timer(self) -> None:
        if self._timer is None or not self._timer.is_alive():
            self._timer = threading.Thread(target=self._run_timer, name="otel-llmlog-grace", daemon=True)
            self._timer.start()

    def _run_timer(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._deadlines:
                    self._cond.wait()
                    continue
                delay = self._deadlines[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                self._expire(time.monotonic())

    # -- the sink, per subclass --

    def _emit(self, records: list[tuple[CallView, BaseModel]]) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _close_sink(self) -> None:
        pass


# --------------------------------------------------------------------------- JSON lines


class _Sink:
    """Appends whole lines to a file (no user-space buffer) or to stdout (flushed after each batch).

    Rotation is ``logging.handlers.RotatingFileHandler``'s: before a line that would take the file
    past ``max_bytes``, ``path.{n-1}`` becomes ``path.{n}`` ... ``path`` becomes ``path.1`` (the
    oldest beyond ``backups`` is deleted) and a new ``path`` is started; a line longer than
    ``max_bytes`` gets a file of its own. Either setting 0 means no rotation.
    """

    def __init__(self, path: str, max_bytes: int, backups: int) -> None:
        self.template = path
        self.max_bytes = max_bytes
        self.backups = backups
        self.lock = threading.Lock()
        self.fd: int | None = None
        self.size = 0
        self.path = ""
        if path != "-":
            self._open()

    @property
    def stdout(self) -> bool:
        return self.template == "-"

    def _open(self) -> None:
        self.path = self.template.replace("{pid}", str(os.getpid()))
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = os.fstat(self.fd).st_size

    def reopen_after_fork(self) -> None:
        self.lock = threading.Lock()
        if not self.stdout and "{pid}" in self.template:
            if self.fd is not None:
                os.close(self.fd)
            self._open()

    def write_lines(self, lines: list[bytes]) -> None:
        with self.lock:
            if self.stdout:
                out = sys.stdout
                if out is None:
                    raise OSError("stdout is closed")
                out.write(b"".join(lines).decode("utf-8"))
                out.flush()
                return
            if self.fd is None:
                raise OSError(f"{self.path} is closed")
            rotating = bool(self.max_bytes and self.backups)
            chunk: list[bytes] = []
            chunk_size = 0
            for line in lines:
                if rotating and self.size + chunk_size and self.size + chunk_size + len(line) > self.max_bytes:
                    self._append(chunk)
                    chunk, chunk_size = [], 0
                    if self.size:
                        self._rotate()
                chunk.append(line)
                chunk_size += len(line)
            self._append(chunk)

    def _append(self, chunk: list[bytes]) -> None:
        """One ``write`` for whole lines: each ``write`` releases the GIL, and a thread that gives
        it up per line gets it back only after the application's next switch interval (5 ms)."""
        if not chunk:
            return
        data = b"".join(chunk)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]  # type: ignore[arg-type]
        self.size += len(data)

    def _rotate(self) -> None:
        assert self.fd is not None
        os.close(self.fd)
        self.fd = None
        for i in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{self.path}.{i}"):
                os.replace(f"{self.path}.{i}", f"{self.path}.{i + 1}")
        os.replace(self.path, f"{self.path}.1")
        self._open()

    def close(self) -> None:
        with self.lock:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None


class JsonLogExporter(_PerCallExporter):
    """One JSON line per LLM call: ``StandardLoggingPayload`` (or the generation record).

    Each line is what :func:`otel_llmlog.to_payloads` (``to_generation_records``) gives for the
    call when converting all spans of its trace: the same JSON as ``otel-llmlog convert``.

    **When a call is written.** A call's record includes the guardrail and vector-store spans the
    attachment rule (``docs/attachment.md``) gives it, and those spans are siblings that end
    *before* the call (pre-call) or *after* it (post-call), so they can reach the exporter in an
    earlier or a later batch than the call. The exporter therefore holds the spans of each trace
    it receives and writes the trace's calls, converted together with everything held of the
    trace, when the first of these happens:

    1. the trace's *local root* arrives: a span without a parent, or whose parent is remote (the
       entry span of this process in a distributed trace). It ends after everything it contains,
       so the trace is complete. An ungrouped call is its own root and is written at once;
    2. the call has waited ``grace_seconds`` (``OTEL_LLMLOG_JSON_GRACE_SECONDS``, default 30 s)
       since it arrived - for workflows whose root stays open for minutes, or a root that never
       comes. The trace stays held for its later calls. A sub-span that arrives after its call
       was written this way is not in that call's record: the grace should exceed the processor's
       schedule delay plus the time a post-call guardrail takes;
    3. more than ``max_pending_traces`` traces or ``max_pending_spans`` spans are held: the
       oldest trace is written to make room (memory stays bounded whatever the traffic);
    4. :meth:`force_flush` or :meth:`shutdown` (which the SDK calls on a normal exit).

    Spans that are neither calls nor sub-spans are held as ids and times only (the attachment
    rule walks parent chains through them); a trace without calls is dropped when its root comes.
    Spans of a trace that arrive after its root start a new group (rule 2 writes them).

    **Output.** ``path`` (``OTEL_LLMLOG_JSON_PATH``, default ``llm-calls.jsonl``) is opened in
    append mode when the exporter is created (a bad path fails then, not at the first call);
    ``-`` is stdout; ``{pid}`` in it becomes the process id, and a forked child with such a path
    opens its own file. The lines of one export are written whole with one ``write`` on an
    ``O_APPEND`` descriptor (one per file when the batch crosses a rotation), with no user-space
    buffer, under a lock: they are in the file as soon as ``export`` returns. (One ``write`` per
    line would give up the GIL per line, and a busy application thread then keeps the exporting
    thread waiting for it, up to a switch interval, each time.) Rotation (``max_bytes``/``backups``) is ``RotatingFileHandler``'s; a line is never
    split across files. Only one process should rotate a given path (give forked workers
    ``{pid}``). Lines are JSON with non-ASCII text as UTF-8.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        kind: str | None = None,
        max_bytes: int | None = None,
        backups: int | None = None,
        grace_seconds: float | None = None,
        max_pending_traces: int = DEFAULT_MAX_PENDING_TRACES,
        max_pending_spans: int = DEFAULT_MAX_PENDING_SPANS,
        prices: PriceBook | None = None,
    ) -> None:
        super().__init__(
            kind=kind, grace_seconds=grace_seconds, max_pending_traces=max_pending_traces,
            max_pending_spans=max_pending_spans, prices=prices,
        )
        if path is None:
            path = os.environ.get(PATH_ENV, "").strip() or DEFAULT_PATH
        self.max_bytes = int(_number_setting(max_bytes, MAX_BYTES_ENV, int, DEFAULT_MAX_BYTES, "max_bytes"))
        self.backups = int(_number_setting(backups, BACKUPS_ENV, int, DEFAULT_BACKUPS, "backups"))
        self._sink = _Sink(os.fspath(path), self.max_bytes, self.backups)

    @property
    def path(self) -> str:
        """The file written (``-`` for stdout)."""
        return "-" if self._sink.stdout else self._sink.path

    def _after_fork(self) -> None:
        super()._after_fork()
        self._sink.reopen_after_fork()

    def _emit(self, records: list[tuple[CallView, BaseModel]]) -> bool:
        if not records:
            return True
        try:
            self._sink.write_lines([record_line(record) for _, record in records])
        except (OSError, ValueError) as exc:  # ValueError: a closed stdout
            _logger.error("otel-llmlog: cannot write %d record(s) to %s: %s", len(records), self.path, exc)
            return False
        return True

    def _close_sink(self) -> None:
        self._sink.close()


# --------------------------------------------------------------------------- OTel logs


_EVENT_NAMES = {"standard": "llmlog.standard_logging_payload", "generation": "llmlog.generation_record"}


def _flush_at_exit(ref: weakref.ref[OtelLogsExporter]) -> None:
    exporter = ref()
    if exporter is None:
        return
    try:
        exporter._flush_before_logs_shut_down()
    except Exception:  # noqa: BLE001 - an exception here would cut the interpreter's shutdown short
        _logger.exception("otel-llmlog: flushing call records at exit failed")


class OtelLogsExporter(_PerCallExporter):
    """One OpenTelemetry log record per LLM call, through the OTel logs SDK.

    The body is the call's record as a map (``StandardLoggingPayload``, or the generation record
    with ``kind="generation"``), the timestamp the end of the call, the trace and span ids those
    of the call's span (so backends link the log to the trace), the severity ``INFO`` (``ERROR``
    for a failed call) and the event name ``llmlog.standard_logging_payload`` (or
    ``llmlog.generation_record``). Attributes repeat the operation, provider and models for
    filtering. When a call is written is the same as for :class:`JsonLogExporter`.

    ``logger_provider`` defaults to the global one, looked up at each write, so under the launcher
    (``--traces_exporter otlp,otel_llmlog_logs --logs_exporter otlp``) the records go through the
    logs pipeline it sets up after creating this exporter.

    Exit order: providers shut down in the reverse order of their creation (``atexit``), and the
    launcher creates the logger provider *after* the tracer provider, so the spans still queued in
    the tracer provider's batch processor would be turned into records after the logs pipeline
    has closed - the last calls of every run would be lost. This exporter therefore registers a
    hook that runs when the interpreter starts to shut down, before any ``atexit`` handler (the
    hook ``concurrent.futures`` uses: ``threading._register_atexit``): it flushes the global
    tracer provider into this exporter, writes every call held and flushes the logger provider.
    Calls ended after that (by threads still running then) are reported by the logs SDK as
    dropped. The logs pipeline has its own queue (``OTEL_BLRP_MAX_QUEUE_SIZE``).
    """

    def __init__(
        self,
        logger_provider: LoggerProvider | None = None,
        *,
        kind: str | None = None,
        grace_seconds: float | None = None,
        max_pending_traces: int = DEFAULT_MAX_PENDING_TRACES,
        max_pending_spans: int = DEFAULT_MAX_PENDING_SPANS,
        prices: PriceBook | None = None,
    ) -> None:
        super().__init__(
            kind=kind, grace_seconds=grace_seconds, max_pending_traces=max_pending_traces,
            max_pending_spans=max_pending_spans, prices=prices,
        )
        self._logger_provider = logger_provider
        register = getattr(threading, "_register_atexit", None)
        try:
            if register is None:
                raise RuntimeError("no threading._register_atexit")
            register(_flush_at_exit, weakref.ref(self))
        except RuntimeError:  # no such hook, or the interpreter is already shutting down
            atexit.register(_flush_at_exit, weakref.ref(self))

    def _provider(self) -> Any:
        if self._logger_provider is not None:
            return self._logger_provider
        from opentelemetry._logs import get_logger_provider

        return get_logger_provider()

    def _flush_before_logs_shut_down(self) -> None:
        from opentelemetry import trace

        if self._closed:
            return
        flush = getattr(trace.get_tracer_provider(), "force_flush", None)
        if flush is not None:
            flush()
        self.force_flush()
        flush = getattr(self._provider(), "force_flush", None)
        if flush is not None:
            flush()

    def _emit(self, records: list[tuple[CallView, BaseModel]]) -> bool:
        if not records:
            return True
        from opentelemetry import trace
        from opentelemetry._logs import SeverityNumber
        from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

        logger = self._provider().get_logger("otel_llmlog", __version__)
        event_name = _EVENT_NAMES[self.kind]
        for view, record in records:
            span = view.span
            context = trace.set_span_in_context(
                NonRecordingSpan(SpanContext(int(span.trace_id, 16), int(span.span_id, 16), is_remote=False,
                                             trace_flags=TraceFlags(TraceFlags.SAMPLED))),
                Context(),
            )
            attributes = {
                name: value for name in ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model",
                                         "gen_ai.response.model")
                if isinstance(value := span.attributes.get(name), str)
            }
            logger.emit(
                timestamp=span.end_ns,
                context=context,
                severity_number=SeverityNumber.ERROR if view.failed else SeverityNumber.INFO,
                severity_text="ERROR" if view.failed else "INFO",
                body=record.model_dump(mode="json"),
                attributes=attributes,
                event_name=event_name,
            )
        return True


# --------------------------------------------------------------------------- processor


class BlockingBatchSpanProcessor(SpanProcessor):
    """A batching span processor that never drops: a full queue makes ``on_end`` wait.

    The SDK's ``BatchSpanProcessor`` drops the oldest span when its queue is full, which happens
    when the application ends spans faster than the export thread gets the GIL. Here the thread
    ending the span waits (releasing the GIL) until the export thread has made room, so a tight
    loop of calls is slowed to the exporter's pace instead of losing records. Spans ended by the
    exporting thread itself never wait (that would deadlock); exports run with instrumentation
    suppressed, like the SDK's. ``force_flush`` exports everything queued; ``shutdown`` does the
    same and then shuts the exporter down. Spans ended after shutdown are dropped with a warning.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        *,
        max_queue_size: int = 2048,
        max_export_batch_size: int = 512,
        schedule_delay_millis: float = 1000,
    ) -> None:
        if max_queue_size < 1 or not 1 <= max_export_batch_size <= max_queue_size or schedule_delay_millis <= 0:
            raise ValueError("need max_queue_size >= max_export_batch_size >= 1 and schedule_delay_millis > 0")
        self.exporter = exporter
        self.max_queue_size = max_queue_size
        self.max_export_batch_size = max_export_batch_size
        self.schedule_delay = schedule_delay_millis / 1000
        self._reset()
        _after_fork_in_child(self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._work = threading.Condition(self._lock)
        self._export_lock = threading.RLock()
        self._local = threading.local()
        self._queue: collections.deque[ReadableSpan] = collections.deque()
        self._shutdown = False
        self._worker = threading.Thread(target=self._run, name="OtelLlmlogBlockingSpanProcessor", daemon=True)
        self._worker.start()

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        if not (span.context and span.context.trace_flags.sampled):
            return
        exporting = getattr(self._local, "exporting", False)
        with self._lock:
            while len(self._queue) >= self.max_queue_size and not self._shutdown and not exporting:
                self._not_full.wait()
            if self._shutdown:
                _logger.warning("otel-llmlog: span %r ended after shutdown; dropped", span.name)
                return
            self._queue.append(span)
            if len(self._queue) >= self.max_export_batch_size:
                self._work.notify()

    def _take(self, limit: int) -> list[ReadableSpan]:
        batch = [self._queue.popleft() for _ in range(min(limit, len(self._queue)))]
        self._not_full.notify_all()
        return batch

    def _export(self, batch: list[ReadableSpan]) -> None:
        token = attach(set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
        self._local.exporting = True
        try:
            self.exporter.export(batch)
        except Exception:  # noqa: BLE001 - keep the worker alive
            _logger.exception("otel-llmlog: exception while exporting spans")
        finally:
            self._local.exporting = False
            detach(token)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._shutdown and len(self._queue) < self.max_export_batch_size:
                    self._work.wait(self.schedule_delay)
                if self._shutdown:
                    return
            # the export lock is held from taking a batch to exporting it, so batches keep their
            # order; it is always taken before the queue lock (here and in _drain)
            with self._export_lock:
                with self._lock:
                    batch = self._take(self.max_export_batch_size)
                if batch:
                    self._export(batch)

    def _drain(self) -> None:
        with self._export_lock:
            while True:
                with self._lock:
                    batch = self._take(self.max_export_batch_size)
                if not batch:
                    return
                self._export(batch)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        self._drain()
        return True

    def shutdown(self) -> None:
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            self._work.notify_all()
            self._not_full.notify_all()
        if self._worker is not threading.current_thread():
            self._worker.join(30)
        self._drain()
        self.exporter.shutdown()
