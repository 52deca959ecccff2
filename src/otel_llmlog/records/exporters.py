"""Span exporters that write one standard record per LLM call while the traces go elsewhere.

* :class:`JsonLogExporter` - one JSON line per call (``StandardLoggingPayload`` or the gateway's
  generation record) to a file with size-based rotation, or to stdout;
* :class:`OtelLogsExporter` - one OpenTelemetry log record per call, the record as its body,
  through the OTel logs SDK (so ``--logs_exporter otlp`` ships it), correlated with the call's span;
* :class:`~.batch_processor.BlockingBatchSpanProcessor` (its own module) - a batching span
  processor that makes the caller wait instead of dropping spans when its queue is full (for
  programmatic set-ups).

The two exporters hold spans per trace in the package's one :class:`~.trace_buffer.TraceBuffer`
(the file converter uses the same one) and write through :mod:`.jsonlog_sink` or the OTel logs SDK.

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

In code the same settings are ``path``, ``record_format``, ``max_bytes``, ``backups`` and
``grace_seconds`` (``kind=``, the old name of ``record_format=``, still works and warns).
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
before it is called: in code, use :class:`~.batch_processor.BlockingBatchSpanProcessor` (80 000
of 80 000 in the same loop, 14 % slower per call) or ``SimpleSpanProcessor``, which never drop. Everything that
reaches :meth:`JsonLogExporter.export` is written by :meth:`~JsonLogExporter.shutdown` at the
latest, which the SDK calls on a normal exit. (``python bench/json_log_loss.py`` repeats the measurement.)
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import warnings
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ..facts.pricing import PriceBook
from ..version import __version__
from .after_fork import after_fork_in_child
from .calls import span_role_of
from .convert import RECORD_FORMATS, record_builder
from .jsonlines import record_line
from .jsonlog_sink import JsonLogFile
from .live import add_details, span_outline
from .spans import SpanData
from .trace_buffer import Release, TraceBuffer

if TYPE_CHECKING:
    from opentelemetry._logs import LoggerProvider
    from pydantic import BaseModel

    from .calls import CallView

__all__ = [
    "BACKUPS_ENV",
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

#: the record formats (``record_format=``)
FORMATS = RECORD_FORMATS

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


def _record_format_setting(record_format: str | None, kind: str | None) -> str:
    """``record_format=``, or the deprecated ``kind=`` (warned about at the caller's line), or the environment."""
    if kind is not None:
        warnings.warn("kind= is deprecated: use record_format= (the same values)", DeprecationWarning, stacklevel=4)
        if record_format is not None and record_format != kind:
            raise ValueError(f"record_format={record_format!r} and kind={kind!r} disagree")
        record_format = kind
    if record_format is None:
        return _env(FORMAT_ENV, str.lower, DEFAULT_FORMAT, lambda v: v in FORMATS)
    record_builder(record_format)  # raises ValueError for another name
    return record_format


def _number_setting(value: Any, env: str, parse: Any, default: Any, what: str) -> Any:
    if value is None:
        return _env(env, parse, default, lambda v: v >= 0)
    if value < 0:
        raise ValueError(f"{what} must be >= 0, not {value!r}")
    return value


# --------------------------------------------------------------------------- the per-trace buffer


def _read(span: ReadableSpan) -> tuple[SpanData, bool, bool]:
    """(span data, is an LLM call, is a local root) of an ended SDK span.

    Spans that are neither calls nor guardrail/vector-store sub-spans are kept as an outline: ids
    and times only (they matter to the attachment rule as links of a parent chain, nothing else).
    """
    data = span_outline(span)
    parent = span.parent
    local_root = parent is None or not parent.span_id or parent.is_remote
    role = span_role_of(data)
    if role is None:
        data.attributes = {}
        return data, False, local_root
    return add_details(data, span), role == "llm", local_root


class _PerCallExporter(SpanExporter):
    """Holds spans per trace (a :class:`~.trace_buffer.TraceBuffer`) until their calls can be
    converted, then hands one record per call to ``_emit``. A timer thread writes the calls whose
    grace time is up; every use of the buffer is under one lock."""

    def __init__(
        self,
        *,
        record_format: str | None,
        kind: str | None,
        grace_seconds: float | None,
        max_pending_traces: int,
        max_pending_spans: int,
        prices: PriceBook | None,
    ) -> None:
        self.record_format = _record_format_setting(record_format, kind)
        self.grace_seconds = float(_number_setting(grace_seconds, GRACE_ENV, float, DEFAULT_GRACE_SECONDS, "grace_seconds"))
        if max_pending_traces < 1 or max_pending_spans < 1:
            raise ValueError("max_pending_traces and max_pending_spans must be >= 1")
        self.max_pending_traces = max_pending_traces
        self.max_pending_spans = max_pending_spans
        self._prices = prices if prices is not None else PriceBook.from_settings(None)
        self._build = record_builder(self.record_format)
        self._reset_state()
        after_fork_in_child(self._after_fork)

    @property
    def kind(self) -> str:
        """Deprecated: :attr:`record_format`."""
        warnings.warn("kind is deprecated: use record_format", DeprecationWarning, stacklevel=2)
        return self.record_format

    def _reset_state(self) -> None:
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        # rules of docs: a trace goes with the batch that brings its local root (settle 0), a call
        # after its grace time, the least recently seen trace when a cap is passed; never by idleness
        self._buffer = TraceBuffer(
            self._prices, window=None, settle=0, max_spans=self.max_pending_spans, max_traces=self.max_pending_traces,
            call_grace=self.grace_seconds, clock=time.monotonic,
        )
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
            timer_waiting = self._buffer.next_deadline is not None
            for span in spans:
                try:
                    data, is_call, local_root = _read(span)
                except Exception:  # noqa: BLE001 - one unreadable span must not cost the batch
                    _logger.exception("otel-llmlog: cannot read span %r", getattr(span, "name", span))
                    ok = False
                    continue
                self._buffer.put(data, root=local_root, call=is_call)
            # after the whole batch: a late child in the same batch as its root still counts
            ok &= self._write_all(self._buffer.take_due())
            if self._buffer.next_deadline is not None:
                if not timer_waiting:
                    self._cond.notify_all()
                self._ensure_timer()
            return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Write every call held, whether or not its trace has ended."""
        with self._lock:
            return self._write_all(self._buffer.take_all())

    def shutdown(self) -> None:
        """Write every call held, then stop; later exports are refused."""
        with self._lock:
            if self._closed:
                return
            self._write_all(self._buffer.take_all())
            self._closed = True
            self._cond.notify_all()
            timer = self._timer
        if timer is not None and timer is not threading.current_thread():
            timer.join(5)
        self._close_sink()

    # -- writing what the buffer lets go --

    def _write_all(self, releases: list[Release]) -> bool:
        ok = True
        for release in releases:
            ok &= self._write(release)
        return ok

    def _write(self, release: Release) -> bool:
        """Convert the release's due calls with everything held of their trace and emit their records.

        A call the converter leaves out on purpose (an inner copy of an outer LLM span, see
        docs/payload.md, "One record per call") is not a failure; a conversion that raised is.
        """
        if not release.calls:
            return True
        records, ok = self._convert(release)
        if not ok:
            # a span the converter cannot handle spoils the trace: convert each call on its own
            done = {view.span.span_id for view, _ in records}
            by_id = {span.span_id: span for span in release.spans}
            for span_id in sorted(release.calls - done):
                alone = Release(release.trace_id, [by_id[span_id]], frozenset({span_id}), whole=release.whole)
                records.extend(self._convert(alone)[0])
        try:
            return self._emit(records) and ok
        except Exception:  # noqa: BLE001 - an export never raises into the SDK
            _logger.exception("otel-llmlog: could not write %d record(s)", len(records))
            return False

    def _convert(self, release: Release) -> tuple[list[tuple[CallView, BaseModel]], bool]:
        """The records of the release's due calls, and whether every conversion step succeeded."""
        try:
            views = self._buffer.views(release)
        except Exception:  # noqa: BLE001
            if len(release.spans) == 1:
                _logger.exception("otel-llmlog: cannot convert call span %s", release.spans[0].span_id)
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
                deadline = self._buffer.next_deadline
                if deadline is None:
                    self._cond.wait()
                    continue
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                self._write_all(self._buffer.take_due())

    # -- the sink, per subclass --

    def _emit(self, records: list[tuple[CallView, BaseModel]]) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _close_sink(self) -> None:
        pass


# --------------------------------------------------------------------------- JSON lines


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
       least recently active trace is written to make room (memory stays bounded whatever the
       traffic);
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
    thread waiting for it, up to a switch interval, each time.) Rotation (``max_bytes``/``backups``)
    is ``RotatingFileHandler``'s; a line is never split across files. Only one process should
    rotate a given path (give forked workers ``{pid}``). Lines are the package's one line format
    (:mod:`.jsonlines`): UTF-8, a lone surrogate in captured content written as U+FFFD.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        record_format: str | None = None,
        max_bytes: int | None = None,
        backups: int | None = None,
        grace_seconds: float | None = None,
        max_pending_traces: int = DEFAULT_MAX_PENDING_TRACES,
        max_pending_spans: int = DEFAULT_MAX_PENDING_SPANS,
        prices: PriceBook | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(
            record_format=record_format, kind=kind, grace_seconds=grace_seconds, max_pending_traces=max_pending_traces,
            max_pending_spans=max_pending_spans, prices=prices,
        )
        if path is None:
            path = os.environ.get(PATH_ENV, "").strip() or DEFAULT_PATH
        self.max_bytes = int(_number_setting(max_bytes, MAX_BYTES_ENV, int, DEFAULT_MAX_BYTES, "max_bytes"))
        self.backups = int(_number_setting(backups, BACKUPS_ENV, int, DEFAULT_BACKUPS, "backups"))
        self._sink = JsonLogFile(os.fspath(path), self.max_bytes, self.backups)

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
    with ``record_format="generation"``), the timestamp the end of the call, the trace and span ids those
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
        record_format: str | None = None,
        grace_seconds: float | None = None,
        max_pending_traces: int = DEFAULT_MAX_PENDING_TRACES,
        max_pending_spans: int = DEFAULT_MAX_PENDING_SPANS,
        prices: PriceBook | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(
            record_format=record_format, kind=kind, grace_seconds=grace_seconds, max_pending_traces=max_pending_traces,
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
        event_name = _EVENT_NAMES[self.record_format]
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

