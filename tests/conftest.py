"""Shared test harness: the real SDKs against the built-in stand-in on loopback, the real OTel SDK.

Every span any test produces passes through :class:`Tracing`, whose teardown fails the test
when a span carries a ``gen_ai.*`` or ``llmlog.*`` attribute the semconv registry does not list.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import otel_llmlog
from otel_llmlog.facts import semconv
from otel_llmlog.testing import RECORDINGS, StandIn

#: the real recorded exchanges: one copy, shipped with the package (otel_llmlog.testing)
FIXTURES = RECORDINGS
#: cases written by hand where no public recording exists (each SOURCE.txt says so)
SYNTHETIC_FIXTURES = Path(__file__).parent / "fixtures_synthetic"
API_KEY = "sk-test-0123456789abcdefghijklmnop"


def load_case(provider: str, case: str) -> dict[str, Any]:
    base = FIXTURES / provider / case
    if not base.is_dir():  # a hand-written case (tests/fixtures_synthetic)
        base = SYNTHETIC_FIXTURES / provider / case
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
    def __init__(self, capture: bool, prices: Any = None, max_content_length: int | None = None) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        otel_llmlog.instrument(
            tracer_provider=self.provider, meter_provider=self.meter_provider, capture_content=capture, prices=prices,
            max_content_length=max_content_length,
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


# --- checks shared by the OpenAI and Anthropic tests ---


async def settle() -> None:
    """Let the event loop run the finalizers it scheduled for abandoned async generators."""
    for _ in range(5):
        await asyncio.sleep(0)


async def collect_and_settle() -> None:
    """A full garbage collection, then the finalizers it scheduled on the running loop."""
    gc.collect()
    await settle()


def assert_one_span_after_gc(tracing: Tracing) -> None:
    """Once the caller dropped the call's objects, collecting them ends nothing a second time."""
    gc.collect()
    assert len(tracing.spans()) == 1


async def assert_one_span_after_gc_async(tracing: Tracing) -> None:
    """:func:`assert_one_span_after_gc`, letting the loop run the finalizers the collection scheduled."""
    await collect_and_settle()
    assert len(tracing.spans()) == 1


def close_twice(tracing: Tracing, stream: Any, check: Callable[[ReadableSpan], None]) -> None:
    """The call stays open until ``stream.close()`` ends it (its one span passes ``check``), with no
    garbage collection needed; a second ``close()`` ends nothing more."""
    assert tracing.spans() == []
    stream.close()
    check(tracing.one())
    stream.close()


async def close_twice_async(tracing: Tracing, stream: Any, check: Callable[[ReadableSpan], None]) -> None:
    """:func:`close_twice` for an async stream."""
    assert tracing.spans() == []
    await stream.close()
    check(tracing.one())
    await stream.close()


def check_exception(span: ReadableSpan, exc: BaseException, exception_type: str | None = None) -> None:
    """The span failed with ``exc``: ERROR status naming it, one ``exception`` event recording it.

    ``exception_type`` is the event's ``exception.type``; by default ``exc``'s module and class.
    """
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == f"{type(exc).__qualname__}: {exc}"
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == (exception_type or f"{type(exc).__module__}.{type(exc).__qualname__}")
    assert event.attributes["exception.message"] == str(exc)


def cost_attributes(total: Any, items: Any, tokens: Any, rates: Any, amounts: Any) -> dict[str, Any]:
    """The cost attributes of a call priced locally from genai-prices 0.2.3, fee item by fee item."""
    return {
        "gen_ai.usage.cost.amount": float(total),
        "gen_ai.usage.cost.currency": "USD",
        "gen_ai.usage.cost.source": "local",
        "llmlog.cost.price_source": "genai-prices 0.2.3",
        "llmlog.cost.fee_items": tuple(items),
        "llmlog.cost.fee_tokens": tuple(tokens),
        "llmlog.cost.fee_rates": tuple(rates),
        "llmlog.cost.fee_amounts": tuple(amounts),
    }


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


def client_factory(standin: StandIn, sync_cls: Any, async_cls: Any) -> Callable[..., Any]:
    """``make(case, async_=False, **kwargs)``: a real SDK client on the stand-in's recorded ``case``."""

    def make(case: str, *, async_: bool = False, **kwargs: Any):
        kwargs.setdefault("max_retries", 0)
        cls = async_cls if async_ else sync_cls
        return cls(api_key=API_KEY, base_url=standin.base_url(case), **kwargs)

    return make


@pytest.fixture
def openai_client(standin: StandIn):
    import openai

    return client_factory(standin, openai.OpenAI, openai.AsyncOpenAI)


@pytest.fixture
def anthropic_client(standin: StandIn):
    import anthropic

    return client_factory(standin, anthropic.Anthropic, anthropic.AsyncAnthropic)


def recorded_cases(provider: str) -> list[str]:
    """Every recorded case of ``provider``, public recordings and hand-written ones alike."""
    return sorted(p.name for root in (FIXTURES, SYNTHETIC_FIXTURES) for p in (root / provider).iterdir() if p.is_dir())


def recorded_call(client: Any, provider: str, case: str, variant: str | None = None) -> Any:
    """Send ``case``'s recorded request through the SDK method that makes it (a coroutine for async clients).

    The method follows from the recorded path, so one function reaches every endpoint of both SDKs.
    ``variant`` is ``"with_raw_response"`` or ``"with_streaming_response"``. anthropic 2.x takes
    sampling parameters only through ``extra_body``, which lands in the same JSON body.
    """
    request = load_case(provider, case)["request"]
    body, path = dict(request["body"]), request["path"]
    args: tuple[Any, ...] = ()
    if provider == "anthropic":
        sampling = {k: body.pop(k) for k in ("temperature", "top_p", "top_k") if k in body}
        if sampling:
            body["extra_body"] = sampling
        resource, name = (client.beta.messages if request.get("query") == "beta=true" else client.messages), "create"
    elif path.startswith("/v1/vector_stores/"):
        resource, name, args = client.vector_stores, "search", (path.split("/")[3],)
    else:
        resource, name = {
            "/v1/chat/completions": client.chat.completions,
            "/v1/responses": client.responses,
            "/v1/embeddings": client.embeddings,
            "/v1/moderations": client.moderations,
        }[path], "create"
    if variant is not None:
        resource = getattr(resource, variant)
    return getattr(resource, name)(*args, **body)


def mock_http_client(handler: Callable[[Any], Any], async_: bool = False) -> Any:
    """An ``httpx2`` client whose requests ``handler`` answers in process, to give an SDK as ``http_client=``.

    For tests that need what a replay cannot give: a different answer for every request, or no
    server thread allocating memory beside the call being measured.
    """
    import httpx2

    transport = httpx2.MockTransport(handler)
    return httpx2.AsyncClient(transport=transport) if async_ else httpx2.Client(transport=transport)
