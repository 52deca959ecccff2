"""A batching span processor that makes the caller wait instead of dropping spans when its queue is full.

Why it exists, measured: the launcher's ``BatchSpanProcessor`` (SDK defaults) drops spans when a
tight loop of calls starves its export thread (:mod:`.exporters`, "Loss"). For programmatic
set-ups that promise that nothing is lost.
"""

from __future__ import annotations

import collections
import logging
import threading
from typing import Any

from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, attach, detach, set_value
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter

from .after_fork import after_fork_in_child

__all__ = ["BlockingBatchSpanProcessor"]

_logger = logging.getLogger(__name__)


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
        after_fork_in_child(self._reset)

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
