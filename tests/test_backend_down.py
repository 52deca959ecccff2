"""The trace backend is down: the application's calls go on at full speed and the JSON log loses nothing.

An OTLP/HTTP exporter (the real ``opentelemetry-exporter-otlp-proto-http``) behind the SDK's
``BatchSpanProcessor`` points at a backend that is down in one of two ways: a closed port (every
connection refused; the exporter retries with backoff until its timeout) or a port that accepts
connections and never reads or answers them (a hung backend; the exporter waits out its timeout).
Beside it, :class:`~otel_llmlog.records.exporters.JsonLogExporter` runs on its own processor.

What is shown, by the order of events rather than by timing the calls:

* calls made while the exporter is stuck inside one export begin and end within that same export:
  the call path never waits for the backend;
* the JSON log holds exactly one line per call, for every call, and the ones it had not written yet
  when the application shut down are written by the shutdown, even though the OTLP exporter shuts
  down first and is still failing;
* the shutdown returns within a generous bound of the exporter's configured timeout.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

from otel_llmlog.records.batch_processor import BlockingBatchSpanProcessor
from otel_llmlog.records.exporters import JsonLogExporter

from .conftest import Tracing, load_case
from .test_lifecycle import dead_url  # noqa: F401 - a fixture: a refused loopback port

# gpt-4 (the streamed recording's model) is flagged as deprecated by the SDK; that is about the data.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

#: the OTLP exporter's configured timeout for one export, retries included (seconds)
TIMEOUT = 2.0
#: calls before the exporter is known to be stuck, while it is, and after the JSON log was flushed
BEFORE, WHILE_STUCK, AFTER = 6, 10, 4
CASES = ("chat_completion_basic", "chat_completion_streaming_include_usage")


class WatchedExporter(OTLPSpanExporter):
    """The real OTLP exporter, telling when each export begins and ends."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lock = threading.Lock()
        self.exports = 0  # exports begun
        self.in_export = False
        self.results: list[SpanExportResult] = []
        self.began = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self.lock:
            self.exports += 1
            self.in_export = True
        self.began.set()
        try:
            result = super().export(spans)
        finally:
            with self.lock:
                self.in_export = False
        self.results.append(result)
        return result

    def state(self) -> tuple[int, bool]:
        """(exports begun, whether one is running now)."""
        with self.lock:
            return self.exports, self.in_export


class SilentBackend:
    """Accepts connections and holds them without reading a byte or answering: a hung backend."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="silent-backend", daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for conn in [*self.held, self.sock]:
            conn.close()


@pytest.fixture(params=["refused", "silent"])
def backend_port(request: pytest.FixtureRequest, dead_url: str) -> Iterator[int]:  # noqa: F811
    if request.param == "refused":
        yield urlsplit(dead_url).port
        return
    backend = SilentBackend()
    try:
        yield backend.port
    finally:
        backend.close()


def json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_backend_down(backend_port: int, tracing: Tracing, openai_client: Any, tmp_path: Path) -> None:
    otlp = WatchedExporter(endpoint=f"http://127.0.0.1:{backend_port}/v1/traces", timeout=TIMEOUT)
    tracing.provider.add_span_processor(BatchSpanProcessor(otlp, schedule_delay_millis=20))
    log_path = tmp_path / "calls.jsonl"
    # written only when flushed: shows that the shutdown writes what was accepted and not yet written
    json_processor = BlockingBatchSpanProcessor(JsonLogExporter(log_path), schedule_delay_millis=3_600_000)
    tracing.provider.add_span_processor(json_processor)
    clients = {case: openai_client(case) for case in CASES}

    def call(n: int) -> None:
        case = CASES[n % 2]
        result = clients[case].chat.completions.create(**load_case("openai", case)["request"]["body"])
        if case != "chat_completion_basic":
            assert len(list(result)) == 8

    for n in range(BEFORE):
        call(n)
    assert otlp.began.wait(30), "the exporter never tried to export"

    # Every call begins and ends inside one and the same export: it never waited for the backend.
    # (An export is stuck for about a second at the least - the first backoff of a refused connection -
    # and these calls take milliseconds each, so they all fit in the first one.)
    for n in range(BEFORE, BEFORE + WHILE_STUCK):
        before = otlp.state()
        call(n)
        after = otlp.state()
        assert before == after and after[1], (n, before, after)
    spans = tracing.spans()
    assert len(spans) == BEFORE + WHILE_STUCK

    json_processor.force_flush()
    assert sorted(r["id"] for r in json_lines(log_path)) == sorted(f"{s.context.span_id:016x}" for s in spans)

    for n in range(BEFORE + WHILE_STUCK, BEFORE + WHILE_STUCK + AFTER):
        call(n)
    assert len(json_lines(log_path)) == BEFORE + WHILE_STUCK  # accepted, held by the processor

    started = time.monotonic()
    tracing.provider.shutdown()  # the OTLP processor first (added first), then the JSON log's
    took = time.monotonic() - started

    spans = tracing.spans()
    assert len(spans) == BEFORE + WHILE_STUCK + AFTER
    lines = json_lines(log_path)
    assert sorted(r["id"] for r in lines) == sorted(f"{s.context.span_id:016x}" for s in spans)
    assert [r["status"] for r in lines] == ["success"] * len(spans)
    assert otlp.results and set(otlp.results) == {SpanExportResult.FAILURE}
    assert otlp.state()[1] is False
    # the exporter's last export (and at most one before it) each give up at the timeout
    assert took < 3 * TIMEOUT + 5, took
