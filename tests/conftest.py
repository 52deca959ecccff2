"""Shared test harness: the real SDKs against the built-in stand-in on loopback, the real OTel SDK.

Every span any test produces passes through :class:`Tracing`, whose teardown fails the test
when a span carries a ``gen_ai.*`` or ``llmlog.*`` attribute the semconv registry does not list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llmlog
from otel_llmlog import semconv
from otel_llmlog.standin import StandIn

FIXTURES = Path(__file__).parent / "fixtures"
#: cases written by hand where no public recording exists (each SOURCE.txt says so)
SYNTHETIC_FIXTURES = Path(__file__).parent / "fixtures_synthetic"
API_KEY = "sk-test-0123456789abcdefghijklmnop"


def load_case(provider: str, case: str) -> dict[str, Any]:
    base = FIXTURES / provider / case
    return {
        "request": json.loads((base / "request.json").read_text()),
        "response": json.loads((base / "response.json").read_text()),
    }


def unregistered(spans: list[ReadableSpan]) -> list[str]:
    bad = set()
    for span in spans:
        for name in span.attributes or {}:
            if name.startswith(semconv.OWNED_PREFIXES) and not semconv.is_registered(name):
                bad.add(f"{span.name}: {name}")
    return sorted(bad)


class Tracing:
    def __init__(self, capture: bool, prices: Any = None) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        otel_llmlog.instrument(
            tracer_provider=self.provider, meter_provider=self.meter_provider, capture_content=capture, prices=prices
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def one(self) -> ReadableSpan:
        spans = self.spans()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]

    def close(self) -> None:
        otel_llmlog.uninstrument()
        spans = self.spans()
        self.provider.shutdown()
        assert not unregistered(spans), unregistered(spans)


@pytest.fixture(scope="session")
def standin() -> Iterator[StandIn]:
    with StandIn([FIXTURES, SYNTHETIC_FIXTURES]).start() as server:
        yield server


@pytest.fixture
def tracing() -> Iterator[Tracing]:
    t = Tracing(capture=False)
    yield t
    t.close()


@pytest.fixture
def tracing_content() -> Iterator[Tracing]:
    t = Tracing(capture=True)
    yield t
    t.close()


@pytest.fixture
def openai_client(standin: StandIn):
    import openai

    def make(case: str, *, async_: bool = False, **kwargs: Any):
        kwargs.setdefault("max_retries", 0)
        cls = openai.AsyncOpenAI if async_ else openai.OpenAI
        return cls(api_key=API_KEY, base_url=standin.base_url(case), **kwargs)

    return make


@pytest.fixture
def anthropic_client(standin: StandIn):
    """Like ``openai_client``: a real ``anthropic`` client on the stand-in's recorded ``case``."""
    import anthropic

    def make(case: str, *, async_: bool = False, **kwargs: Any):
        kwargs.setdefault("max_retries", 0)
        cls = anthropic.AsyncAnthropic if async_ else anthropic.Anthropic
        return cls(api_key=API_KEY, base_url=standin.base_url(case), **kwargs)

    return make
