"""When a span ends, and that it ends exactly once: the real ``openai`` SDK against the stand-in.

Covers every way an instrumented call can end - a stream read to its end, left early (``break``,
``close()``, a ``with`` block, garbage collection), broken by user code or by the network, the
stream helpers, raw and streaming responses, retries, connection errors and timeouts - plus
instrument/uninstrument, faults inside the instrumentation, and calls from many threads.

Three things are checked around every test (fixture ``logs``): the OpenTelemetry SDK never warns
about a span being ended (or written to) twice; asyncio reports no failure in a finalizer; and
otel-llmlog's guard, which logs every failure it swallows at debug level, logged nothing - except
in the fault-injection tests, which assert the exact failures they caused.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import openai
import openai._base_client as base_client
import pytest
from openai._legacy_response import LegacyAPIResponse
from openai._response import APIResponse, AsyncAPIResponse
from openai.lib.streaming.chat import AsyncChatCompletionStream, ChatCompletionStream
from openai.lib.streaming.responses import AsyncResponseStream, ResponseStream
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ParsedChatCompletion
from openai.types.responses import ParsedResponse
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import otel_llmlog
from otel_llmlog.facts.pricing import PriceBook
from otel_llmlog.instrumentation.hooks import api_key_sha256
from otel_llmlog.instrumentation.providers import openai as openai_provider

from .conftest import (
    API_KEY,
    assert_one_span_after_gc,
    assert_one_span_after_gc_async,
    check_exception,
    close_twice,
    close_twice_async,
    collect_and_settle,
    load_case,
    settle,
)
from .test_openai_replay import check_span

# gpt-4 (the streamed recording's model) is flagged as deprecated by the SDK; that is about the data.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

STREAM = "chat_completion_streaming_include_usage"
STREAM_BODY = load_case("openai", STREAM)["request"]["body"]
STREAM_ID = "chatcmpl-ASYMZ4oSykiIFK4lXLReDiKyAjsQl"
STREAM_REQUEST_ID = "req_c367cf360ee88481fb7cd6c5d45bf9dc"
#: content deltas of the recording's 8 chunks (the finish_reason chunk and the usage chunk carry none)
STREAM_DELTAS = ["", '"This', " is", " a", " test", '."', None, None]
STREAM_CHUNKS = len(STREAM_DELTAS)
STREAM_TEXT = '"This is a test."'

BASIC = "chat_completion_basic"
BASIC_BODY = load_case("openai", BASIC)["request"]["body"]
BASIC_ID = "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q"
BASIC_REQUEST_ID = "req_58cff97afd0e7c0bba910ccf0b044a6f"
BASIC_TEXT = "This is a test."

RESPONSES_STREAM = "responses_streaming"
RESPONSES_BODY = load_case("openai", RESPONSES_STREAM)["request"]["body"]
RESPONSES_ID = "resp_0415a3de5d3015560069e2f3f4b3088192949253e91aff1eb3"
RESPONSES_EVENTS = 13

#: helper calls take the recorded request's parameters minus ``stream`` (the helpers set it)
STREAM_HELPER_ARGS = {k: v for k, v in STREAM_BODY.items() if k != "stream"}
RESPONSES_HELPER_ARGS = {k: v for k, v in RESPONSES_BODY.items() if k != "stream"}

NO_USAGE = "the response reported no token usage"


# --- harness ---


class LogWatch(logging.Handler):
    """Collects otel-llmlog's own log records and the OpenTelemetry SDK's warnings during one test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.expect_failures = False

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def ours(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name.startswith("otel_llmlog")]

    def sdk_warnings(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.name.startswith("opentelemetry.sdk") and r.levelno >= logging.WARNING]

    def loop_errors(self) -> list[str]:
        """asyncio's reports of failures nobody saw (in finalizers of abandoned async generators, say)."""
        return [r.getMessage() for r in self.records if r.name == "asyncio" and r.levelno >= logging.ERROR]


@pytest.fixture(autouse=True)
def logs() -> Iterator[LogWatch]:
    # Streams an earlier test left behind are collected now, before anything is watched.
    gc.collect()
    watch = LogWatch()
    ours = logging.getLogger("otel_llmlog")
    watched = [ours, logging.getLogger("opentelemetry.sdk"), logging.getLogger("asyncio")]
    level = ours.level
    ours.setLevel(logging.DEBUG)
    for logger in watched:
        logger.addHandler(watch)
    try:
        yield watch
    finally:
        for logger in watched:
            logger.removeHandler(watch)
        ours.setLevel(level)
    # "Calling end() on an ended span." / "Setting attribute on ended span." mean a span ended twice.
    assert watch.sdk_warnings() == []
    assert watch.loop_errors() == []
    if not watch.expect_failures:
        assert [r.getMessage() for r in watch.ours()] == []


def make_client(url: str, async_: bool = False, **kwargs: Any) -> Any:
    kwargs.setdefault("max_retries", 0)
    cls = openai.AsyncOpenAI if async_ else openai.OpenAI
    return cls(api_key=API_KEY, base_url=url, **kwargs)


def attributes(span: Any) -> dict[str, Any]:
    return dict(span.attributes)


def without_volatile(attrs: dict[str, Any]) -> dict[str, Any]:
    volatile = {"server.port", "llmlog.response.generation_time", "llmlog.response.throughput", "gen_ai.response.time_to_first_chunk"}
    return {k: v for k, v in attrs.items() if k not in volatile}


def left_early(chunks: int) -> dict[str, Any]:
    """Every attribute of a span of the streamed case left after ``chunks`` chunks (usage never arrived)."""
    a: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4",
        "server.address": "127.0.0.1",
        "gen_ai.request.stream": True,
        "http.response.status_code": 200,
        "llmlog.provider.request_id": STREAM_REQUEST_ID,
        "llmlog.api_key.sha256": api_key_sha256(API_KEY),
        "llmlog.stream.chunks": chunks,
        "llmlog.stream.cancelled": True,
        "llmlog.cost.unknown_reason": NO_USAGE,
    }
    if chunks:
        a["gen_ai.response.id"] = STREAM_ID
        a["gen_ai.response.model"] = "gpt-4-0613"
    return a


def check_left_early(span: Any, chunks: int) -> None:
    attrs = attributes(span)
    assert without_volatile(attrs) == left_early(chunks)
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()
    assert ("gen_ai.response.time_to_first_chunk" in attrs) == (chunks > 0)
    assert attrs["llmlog.response.generation_time"] == pytest.approx((span.end_time - span.start_time) / 1e9, abs=1e-6)


def check_user_error(span: Any, exc: BaseException, chunks: int) -> None:
    """The span of the streamed case when user code raised ``exc`` after ``chunks`` chunks."""
    expected = left_early(chunks)
    del expected["llmlog.stream.cancelled"], expected["llmlog.cost.unknown_reason"]
    expected["error.type"] = type(exc).__qualname__
    assert without_volatile(attributes(span)) == expected
    check_exception(span, exc)


def check_chunks(chunks: list[Any]) -> None:
    """The SDK delivered all chunks of the streamed case, unchanged."""
    assert [type(c) for c in chunks] == [ChatCompletionChunk] * STREAM_CHUNKS
    assert [c.id for c in chunks] == [STREAM_ID] * STREAM_CHUNKS
    assert [c.choices[0].delta.content if c.choices else None for c in chunks] == STREAM_DELTAS
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (12, 5)


def check_completion(completion: Any, cls: type = ChatCompletion) -> None:
    # parse() returns the generic ParsedChatCompletion[ResponseFormatT], a subclass made by pydantic
    assert type(completion) is cls if cls is ChatCompletion else isinstance(completion, cls)
    assert completion.id == BASIC_ID
    assert completion.choices[0].message.content == BASIC_TEXT
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (12, 5)


def tokens(span: Any) -> tuple[Any, Any]:
    return span.attributes.get("gen_ai.usage.input_tokens"), span.attributes.get("gen_ai.usage.output_tokens")


# --- 1. streams: every way to leave one, sync and async ---


def test_stream_break_then_gc_sync(tracing, openai_client) -> None:
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    assert type(stream) is openai.Stream
    got = []
    for chunk in stream:
        got.append(chunk)
        if len(got) == 2:
            break
    assert [c.id for c in got] == [STREAM_ID, STREAM_ID]
    assert tracing.spans() == []  # the SDK did not close the response: the call is still open
    del stream, chunk
    gc.collect()
    check_left_early(tracing.one(), 2)
    assert_one_span_after_gc(tracing)


async def test_stream_break_then_gc_async(tracing, openai_client) -> None:
    stream = await openai_client(STREAM, async_=True).chat.completions.create(**STREAM_BODY)
    assert type(stream) is openai.AsyncStream
    got = []
    async for chunk in stream:
        got.append(chunk)
        if len(got) == 2:
            break
    await settle()
    assert [c.id for c in got] == [STREAM_ID, STREAM_ID]
    assert tracing.spans() == []
    del stream, chunk
    await collect_and_settle()
    check_left_early(tracing.one(), 2)
    await assert_one_span_after_gc_async(tracing)


def test_stream_close_sync(tracing, openai_client) -> None:
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    assert [next(stream).id, next(stream).id] == [STREAM_ID, STREAM_ID]
    close_twice(tracing, stream, lambda span: check_left_early(span, 2))
    del stream
    assert_one_span_after_gc(tracing)


async def test_stream_close_async(tracing, openai_client) -> None:
    stream = await openai_client(STREAM, async_=True).chat.completions.create(**STREAM_BODY)
    assert [(await stream.__anext__()).id, (await stream.__anext__()).id] == [STREAM_ID, STREAM_ID]
    await close_twice_async(tracing, stream, lambda span: check_left_early(span, 2))
    del stream
    await assert_one_span_after_gc_async(tracing)


def test_stream_never_iterated_sync(tracing, openai_client) -> None:
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    assert tracing.spans() == []
    del stream
    gc.collect()
    check_left_early(tracing.one(), 0)
    assert_one_span_after_gc(tracing)


async def test_stream_never_iterated_async(tracing, openai_client) -> None:
    stream = await openai_client(STREAM, async_=True).chat.completions.create(**STREAM_BODY)
    assert tracing.spans() == []
    del stream
    await collect_and_settle()
    check_left_early(tracing.one(), 0)
    await assert_one_span_after_gc_async(tracing)


def test_stream_with_block_sync(tracing, openai_client) -> None:
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    with stream:
        for i, _chunk in enumerate(stream):
            if i == 1:
                break
        assert tracing.spans() == []
    check_left_early(tracing.one(), 2)
    stream.close()
    del stream
    assert_one_span_after_gc(tracing)


async def test_stream_with_block_async(tracing, openai_client) -> None:
    stream = await openai_client(STREAM, async_=True).chat.completions.create(**STREAM_BODY)
    async with stream:
        i = 0
        async for _chunk in stream:
            i += 1
            if i == 2:
                break
        assert tracing.spans() == []
    check_left_early(tracing.one(), 2)
    await stream.close()
    del stream
    await assert_one_span_after_gc_async(tracing)


def test_stream_user_error_sync(tracing, openai_client) -> None:
    boom = ValueError("user code failed")
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    with pytest.raises(ValueError) as info:
        with stream:
            for i, _chunk in enumerate(stream):
                if i == 1:
                    raise boom
    assert info.value is boom
    check_user_error(tracing.one(), boom, 2)
    stream.close()
    del stream
    assert_one_span_after_gc(tracing)


async def test_stream_user_error_async(tracing, openai_client) -> None:
    boom = ValueError("user code failed")
    stream = await openai_client(STREAM, async_=True).chat.completions.create(**STREAM_BODY)
    with pytest.raises(ValueError) as info:
        async with stream:
            i = 0
            async for _chunk in stream:
                i += 1
                if i == 2:
                    raise boom
    assert info.value is boom
    check_user_error(tracing.one(), boom, 2)
    await stream.close()
    del stream
    await assert_one_span_after_gc_async(tracing)


# A stream opened while the caller handles an earlier, unrelated exception (a fallback after a
# failed call, say) and left early in that ``except`` block is cancelled, not failed with the
# earlier exception; an exception raised while it is open is still its failure.
def test_stream_left_inside_unrelated_except_sync(tracing, openai_client) -> None:
    client = openai_client(STREAM)
    try:
        raise KeyError("an earlier failure")
    except KeyError:
        with client.chat.completions.create(**STREAM_BODY) as stream:
            assert next(stream).id == STREAM_ID
            assert next(stream).id == STREAM_ID
    check_left_early(tracing.one(), 2)
    tracing.exporter.clear()

    boom = ValueError("user code failed")
    with pytest.raises(ValueError) as info:
        try:
            raise KeyError("an earlier failure")
        except KeyError:
            with client.chat.completions.create(**STREAM_BODY) as stream:
                for i, _chunk in enumerate(stream):
                    if i == 1:
                        raise boom from None
    assert info.value is boom
    check_user_error(tracing.one(), boom, 2)


async def test_stream_left_inside_unrelated_except_async(tracing, openai_client) -> None:
    client = openai_client(STREAM, async_=True)
    try:
        raise KeyError("an earlier failure")
    except KeyError:
        async with await client.chat.completions.create(**STREAM_BODY) as stream:
            assert (await stream.__anext__()).id == STREAM_ID
            assert (await stream.__anext__()).id == STREAM_ID
    check_left_early(tracing.one(), 2)
    tracing.exporter.clear()

    boom = ValueError("user code failed")
    with pytest.raises(ValueError) as info:
        try:
            raise KeyError("an earlier failure")
        except KeyError:
            async with await client.chat.completions.create(**STREAM_BODY) as stream:
                i = 0
                async for _chunk in stream:
                    i += 1
                    if i == 2:
                        raise boom from None
    assert info.value is boom
    check_user_error(tracing.one(), boom, 2)


def test_stream_consumed_sync(tracing, openai_client) -> None:
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    chunks = list(stream)
    check_chunks(chunks)
    span = tracing.one()
    check_span(span, STREAM, STREAM_BODY)  # exact tokens, cost, finish reason; no cancelled flag
    assert "llmlog.stream.cancelled" not in span.attributes
    with pytest.raises(StopIteration):  # the ended iterator says so again, and again nothing ends twice
        next(stream)
    assert list(stream) == []
    stream.close()
    with stream:
        pass
    del stream
    assert_one_span_after_gc(tracing)


async def test_stream_consumed_async(tracing, openai_client) -> None:
    stream = await openai_client(STREAM, async_=True).chat.completions.create(**STREAM_BODY)
    chunks = [c async for c in stream]
    check_chunks(chunks)
    span = tracing.one()
    check_span(span, STREAM, STREAM_BODY)
    assert "llmlog.stream.cancelled" not in span.attributes
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
    assert [c async for c in stream] == []
    await stream.close()
    async with stream:
        pass
    del stream
    await assert_one_span_after_gc_async(tracing)


# --- 2. stream helpers ---


def test_chat_stream_helper_iterated_sync(tracing, openai_client) -> None:
    client = openai_client(STREAM)
    with client.chat.completions.stream(**STREAM_HELPER_ARGS) as stream:
        assert type(stream) is ChatCompletionStream
        events = list(stream)
        assert "".join(e.delta for e in events if e.type == "content.delta") == STREAM_TEXT
        assert [e.chunk.id for e in events if e.type == "chunk"] == [STREAM_ID] * STREAM_CHUNKS
        check_span(tracing.one(), STREAM, STREAM_BODY)  # ended by the stream's end, inside the block
    assert len(tracing.spans()) == 1


async def test_chat_stream_helper_iterated_async(tracing, openai_client) -> None:
    client = openai_client(STREAM, async_=True)
    async with client.chat.completions.stream(**STREAM_HELPER_ARGS) as stream:
        assert type(stream) is AsyncChatCompletionStream
        events = [e async for e in stream]
        assert "".join(e.delta for e in events if e.type == "content.delta") == STREAM_TEXT
        assert [e.chunk.id for e in events if e.type == "chunk"] == [STREAM_ID] * STREAM_CHUNKS
        check_span(tracing.one(), STREAM, STREAM_BODY)
    assert len(tracing.spans()) == 1


def test_chat_stream_helper_final_completion_sync(tracing, openai_client) -> None:
    with openai_client(STREAM).chat.completions.stream(**STREAM_HELPER_ARGS) as stream:
        final = stream.get_final_completion()
    assert isinstance(final, ParsedChatCompletion)
    assert final.id == STREAM_ID
    assert final.choices[0].message.content == STREAM_TEXT
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (12, 5)
    check_span(tracing.one(), STREAM, STREAM_BODY)


async def test_chat_stream_helper_final_completion_async(tracing, openai_client) -> None:
    async with openai_client(STREAM, async_=True).chat.completions.stream(**STREAM_HELPER_ARGS) as stream:
        final = await stream.get_final_completion()
    assert isinstance(final, ParsedChatCompletion)
    assert final.id == STREAM_ID
    assert final.choices[0].message.content == STREAM_TEXT
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (12, 5)
    check_span(tracing.one(), STREAM, STREAM_BODY)


def test_chat_stream_helper_left_early_sync(tracing, openai_client) -> None:
    with openai_client(STREAM).chat.completions.stream(**STREAM_HELPER_ARGS) as stream:
        for event in stream:
            assert event.type == "chunk"
            break
        assert tracing.spans() == []
    check_left_early(tracing.one(), 1)
    del stream
    assert_one_span_after_gc(tracing)


async def test_chat_stream_helper_left_early_async(tracing, openai_client) -> None:
    async with openai_client(STREAM, async_=True).chat.completions.stream(**STREAM_HELPER_ARGS) as stream:
        async for event in stream:
            assert event.type == "chunk"
            break
        assert tracing.spans() == []
    check_left_early(tracing.one(), 1)
    del stream
    await assert_one_span_after_gc_async(tracing)


def test_responses_stream_helper_final_response_sync(tracing, openai_client) -> None:
    with openai_client(RESPONSES_STREAM).responses.stream(**RESPONSES_HELPER_ARGS) as stream:
        assert type(stream) is ResponseStream
        final = stream.get_final_response()
    assert isinstance(final, ParsedResponse)
    assert final.id == RESPONSES_ID
    assert final.output_text == BASIC_TEXT
    assert (final.usage.input_tokens, final.usage.output_tokens) == (22, 6)
    check_span(tracing.one(), RESPONSES_STREAM, RESPONSES_BODY)


async def test_responses_stream_helper_final_response_async(tracing, openai_client) -> None:
    async with openai_client(RESPONSES_STREAM, async_=True).responses.stream(**RESPONSES_HELPER_ARGS) as stream:
        assert type(stream) is AsyncResponseStream
        final = await stream.get_final_response()
    assert isinstance(final, ParsedResponse)
    assert final.id == RESPONSES_ID
    assert final.output_text == BASIC_TEXT
    assert (final.usage.input_tokens, final.usage.output_tokens) == (22, 6)
    check_span(tracing.one(), RESPONSES_STREAM, RESPONSES_BODY)


# ResponseStream of this SDK has no ``text_deltas`` property (only the Assistants helper does); the
# text deltas are the ``response.output_text.delta`` events.
def test_responses_stream_helper_text_deltas_sync(tracing, openai_client) -> None:
    with openai_client(RESPONSES_STREAM).responses.stream(**RESPONSES_HELPER_ARGS) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
    assert deltas == ["This", " is", " a", " test", "."]
    check_span(tracing.one(), RESPONSES_STREAM, RESPONSES_BODY)


async def test_responses_stream_helper_text_deltas_async(tracing, openai_client) -> None:
    async with openai_client(RESPONSES_STREAM, async_=True).responses.stream(**RESPONSES_HELPER_ARGS) as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
    assert deltas == ["This", " is", " a", " test", "."]
    check_span(tracing.one(), RESPONSES_STREAM, RESPONSES_BODY)


def check_responses_left_early(span: Any) -> None:
    attrs = attributes(span)
    assert attrs["llmlog.stream.cancelled"] is True
    assert attrs["llmlog.stream.chunks"] == 1
    assert attrs["gen_ai.response.id"] == RESPONSES_ID
    assert attrs["llmlog.cost.unknown_reason"] == NO_USAGE
    assert tokens(span) == (None, None)
    assert span.status.status_code is StatusCode.UNSET


def test_responses_stream_helper_left_early_sync(tracing, openai_client) -> None:
    with openai_client(RESPONSES_STREAM).responses.stream(**RESPONSES_HELPER_ARGS) as stream:
        for event in stream:
            assert event.type == "response.created"
            break
        assert tracing.spans() == []
    check_responses_left_early(tracing.one())


async def test_responses_stream_helper_left_early_async(tracing, openai_client) -> None:
    async with openai_client(RESPONSES_STREAM, async_=True).responses.stream(**RESPONSES_HELPER_ARGS) as stream:
        async for event in stream:
            assert event.type == "response.created"
            break
        assert tracing.spans() == []
    check_responses_left_early(tracing.one())


def test_chat_parse_sync(tracing, openai_client) -> None:
    completion = openai_client(BASIC).chat.completions.parse(**{k: v for k, v in BASIC_BODY.items() if k != "stream"})
    check_completion(completion, ParsedChatCompletion)
    check_span(tracing.one(), BASIC, BASIC_BODY)


async def test_chat_parse_async(tracing, openai_client) -> None:
    client = openai_client(BASIC, async_=True)
    completion = await client.chat.completions.parse(**{k: v for k, v in BASIC_BODY.items() if k != "stream"})
    check_completion(completion, ParsedChatCompletion)
    check_span(tracing.one(), BASIC, BASIC_BODY)


# --- 3. raw and streaming responses ---


def test_raw_response_sync(tracing, openai_client) -> None:
    raw = openai_client(BASIC).chat.completions.with_raw_response.create(**BASIC_BODY)
    assert type(raw) is LegacyAPIResponse
    assert raw.headers["x-request-id"] == BASIC_REQUEST_ID
    completion = raw.parse()
    check_completion(completion)
    assert raw.parse() is completion
    check_span(tracing.one(), BASIC, BASIC_BODY)


async def test_raw_response_async(tracing, openai_client) -> None:
    raw = await openai_client(BASIC, async_=True).chat.completions.with_raw_response.create(**BASIC_BODY)
    assert type(raw) is LegacyAPIResponse
    assert raw.headers["x-request-id"] == BASIC_REQUEST_ID
    completion = raw.parse()
    check_completion(completion)
    check_span(tracing.one(), BASIC, BASIC_BODY)


def test_raw_response_stream_sync(tracing, openai_client) -> None:
    raw = openai_client(STREAM).chat.completions.with_raw_response.create(**STREAM_BODY)
    assert type(raw) is LegacyAPIResponse
    assert raw.headers["x-request-id"] == STREAM_REQUEST_ID
    stream = raw.parse()
    assert type(stream) is openai.Stream
    assert tracing.spans() == []
    check_chunks(list(stream))
    check_span(tracing.one(), STREAM, STREAM_BODY)


async def test_raw_response_stream_async(tracing, openai_client) -> None:
    raw = await openai_client(STREAM, async_=True).chat.completions.with_raw_response.create(**STREAM_BODY)
    assert type(raw) is LegacyAPIResponse
    stream = raw.parse()
    assert type(stream) is openai.AsyncStream
    assert tracing.spans() == []
    check_chunks([c async for c in stream])
    check_span(tracing.one(), STREAM, STREAM_BODY)


def test_streaming_response_sync(tracing, openai_client) -> None:
    with openai_client(BASIC).chat.completions.with_streaming_response.create(**BASIC_BODY) as response:
        assert type(response) is APIResponse
        assert response.headers["x-request-id"] == BASIC_REQUEST_ID
        completion = response.parse()
        check_completion(completion)
        assert tracing.spans() == []  # the response is open until the block ends
    check_span(tracing.one(), BASIC, BASIC_BODY)


async def test_streaming_response_async(tracing, openai_client) -> None:
    async with openai_client(BASIC, async_=True).chat.completions.with_streaming_response.create(**BASIC_BODY) as response:
        assert type(response) is AsyncAPIResponse
        completion = await response.parse()
        check_completion(completion)
        assert tracing.spans() == []
    check_span(tracing.one(), BASIC, BASIC_BODY)


def test_streaming_response_stream_sync(tracing, openai_client) -> None:
    with openai_client(STREAM).chat.completions.with_streaming_response.create(**STREAM_BODY) as response:
        stream = response.parse()
        assert type(stream) is openai.Stream
        check_chunks(list(stream))
    check_span(tracing.one(), STREAM, STREAM_BODY)


async def test_streaming_response_stream_async(tracing, openai_client) -> None:
    async with openai_client(STREAM, async_=True).chat.completions.with_streaming_response.create(**STREAM_BODY) as response:
        stream = await response.parse()
        assert type(stream) is openai.AsyncStream
        check_chunks([c async for c in stream])
    check_span(tracing.one(), STREAM, STREAM_BODY)


def check_body_cut(span: Any, exc: BaseException) -> None:
    attrs = attributes(span)
    assert attrs["error.type"] == type(exc).__qualname__
    assert attrs["http.response.status_code"] == 200
    assert span.status.status_code is StatusCode.ERROR
    assert tokens(span) == (None, None)


def test_streaming_response_body_cut_sync(tracing, standin) -> None:
    client = make_client(standin.base_url(BASIC, cut=10))
    # The SDK lets the transport's own error out of parse() here, not an APIConnectionError.
    with pytest.raises(httpx2.RemoteProtocolError) as info:
        with client.chat.completions.with_streaming_response.create(**BASIC_BODY) as response:
            try:
                response.parse()
            finally:
                assert tracing.spans() == []  # the failed read did not end the call; leaving the block does
    check_body_cut(tracing.one(), info.value)


async def test_streaming_response_body_cut_async(tracing, standin) -> None:
    client = make_client(standin.base_url(BASIC, cut=10), True)
    with pytest.raises(httpx2.RemoteProtocolError) as info:
        async with client.chat.completions.with_streaming_response.create(**BASIC_BODY) as response:
            try:
                await response.parse()
            finally:
                assert tracing.spans() == []
    check_body_cut(tracing.one(), info.value)


# --- 4. retries ---


def run(async_: bool, call: Any) -> Any:
    """Run ``call(client_factory)``'s result: awaited on a fresh loop for the async client."""
    result = call()
    return asyncio.run(result) if async_ else result


def requests_to(standin: Any, url: str) -> list[Any]:
    prefix = url.removeprefix(standin.url).removesuffix("/v1") + "/"
    return [r for r in standin.requests if r.path.startswith(prefix)]


@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_retried_then_served(async_: bool, tracing, standin) -> None:
    standin.reset()
    url = standin.base_url(BASIC, fail=(2, 500))
    client = make_client(url, async_, max_retries=2)
    completion = run(async_, lambda: client.chat.completions.create(**BASIC_BODY))
    check_completion(completion)
    span = tracing.one()
    attrs = attributes(span)
    assert attrs["http.request.resend_count"] == 2
    assert tokens(span) == (12, 5)
    assert attrs["gen_ai.response.id"] == BASIC_ID
    assert attrs["http.response.status_code"] == 200
    assert attrs["llmlog.provider.request_id"] == BASIC_REQUEST_ID
    assert span.status.status_code is StatusCode.UNSET
    seen = requests_to(standin, url)
    assert [r.headers["x-stainless-retry-count"] for r in seen] == ["0", "1", "2"]


@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_retries_exhausted(async_: bool, tracing, standin) -> None:
    standin.reset()
    url = standin.base_url(BASIC, fail=(3, 500))
    client = make_client(url, async_, max_retries=2)
    with pytest.raises(openai.InternalServerError) as info:
        run(async_, lambda: client.chat.completions.create(**BASIC_BODY))
    span = tracing.one()
    attrs = attributes(span)
    assert attrs["error.type"] == "500"
    assert attrs["http.request.resend_count"] == 2
    assert attrs["http.response.status_code"] == 500
    assert attrs["llmlog.provider.request_id"] == info.value.request_id
    assert tokens(span) == (None, None)
    assert span.status.status_code is StatusCode.ERROR
    (event,) = span.events
    assert event.attributes["exception.type"] == "openai.InternalServerError"
    assert event.attributes["exception.message"] == str(info.value)
    assert len(requests_to(standin, url)) == 3


# --- 5. connection errors, timeouts, broken streams ---


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A loopback port that is bound (so nobody else takes it) but never listens: connections are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        sock.close()


def check_failed(span: Any, exc: BaseException, error_type: str) -> None:
    attrs = attributes(span)
    assert attrs["error.type"] == error_type
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == f"{type(exc).__qualname__}: {exc}"
    (event,) = span.events
    assert event.attributes["exception.type"] == f"openai.{type(exc).__qualname__}"


@pytest.mark.parametrize("retries", [0, 1])
@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_connection_refused(async_: bool, retries: int, tracing, dead_url) -> None:
    client = make_client(dead_url, async_, max_retries=retries)
    with pytest.raises(openai.APIConnectionError) as info:
        run(async_, lambda: client.chat.completions.create(**BASIC_BODY))
    assert type(info.value) is openai.APIConnectionError
    span = tracing.one()
    check_failed(span, info.value, "APIConnectionError")
    assert "http.response.status_code" not in span.attributes
    assert span.attributes.get("http.request.resend_count") == (retries or None)


@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_timeout(async_: bool, tracing, standin) -> None:
    client = make_client(standin.base_url(BASIC, hang=True), async_, timeout=0.3)
    with pytest.raises(openai.APITimeoutError) as info:
        run(async_, lambda: client.chat.completions.create(**BASIC_BODY))
    span = tracing.one()
    check_failed(span, info.value, "APITimeoutError")
    assert "http.response.status_code" not in span.attributes


def check_cut(span: Any, exc: BaseException) -> None:
    check_failed(span, exc, "APIConnectionError")
    attrs = attributes(span)
    assert attrs["llmlog.stream.chunks"] == 2
    assert attrs["gen_ai.response.id"] == STREAM_ID
    assert attrs["http.response.status_code"] == 200
    assert "llmlog.stream.cancelled" not in attrs
    assert tokens(span) == (None, None)


def test_stream_cut_sync(tracing, standin) -> None:
    stream = make_client(standin.base_url(STREAM, cut=2)).chat.completions.create(**STREAM_BODY)
    got = []
    with pytest.raises(openai.APIConnectionError) as info:
        for chunk in stream:
            got.append(chunk)
    assert [c.id for c in got] == [STREAM_ID, STREAM_ID]
    check_cut(tracing.one(), info.value)
    stream.close()
    del stream
    assert_one_span_after_gc(tracing)


async def test_stream_cut_async(tracing, standin) -> None:
    stream = await make_client(standin.base_url(STREAM, cut=2), True).chat.completions.create(**STREAM_BODY)
    got = []
    with pytest.raises(openai.APIConnectionError) as info:
        async for chunk in stream:
            got.append(chunk)
    assert [c.id for c in got] == [STREAM_ID, STREAM_ID]
    check_cut(tracing.one(), info.value)
    await stream.close()
    del stream
    await assert_one_span_after_gc_async(tracing)


# --- 6. instrument / uninstrument ---

HOOKED = [
    (base_client.SyncAPIClient, "request"),
    (base_client.AsyncAPIClient, "request"),
    (base_client.SyncAPIClient, "_process_response"),
    (base_client.AsyncAPIClient, "_process_response"),
]


def test_instrument_twice_and_uninstrument(tracing, openai_client) -> None:
    otel_llmlog.uninstrument()  # undo the fixture's instrument() to see the SDK's own methods
    originals = [cls.__dict__[name] for cls, name in HOOKED]
    assert not any(hasattr(m, "__wrapped__") for m in originals)
    sync_client, stream_client = openai_client(BASIC), openai_client(STREAM)

    def calls() -> None:
        check_completion(sync_client.chat.completions.create(**BASIC_BODY))
        async def one_async_call() -> Any:
            # the client's connection pool belongs to one event loop: close it inside that loop,
            # or a later asyncio.run may collect it and fail closing it on a closed loop
            async_client = openai_client(BASIC, async_=True)
            try:
                return await async_client.chat.completions.create(**BASIC_BODY)
            finally:
                await async_client.close()

        check_completion(asyncio.run(one_async_call()))
        check_chunks(list(stream_client.chat.completions.create(**STREAM_BODY)))

    other = InMemorySpanExporter()
    other_provider = TracerProvider()
    other_provider.add_span_processor(SimpleSpanProcessor(other))
    try:
        otel_llmlog.instrument(tracer_provider=tracing.provider, meter_provider=tracing.meter_provider, capture_content=False)
        hooked = [cls.__dict__[name] for cls, name in HOOKED]
        # a second instrument() changes nothing: no second layer, same tracer provider, same settings
        otel_llmlog.instrument(tracer_provider=other_provider, capture_content=True)
        assert all(a is b for a, b in zip([cls.__dict__[name] for cls, name in HOOKED], hooked, strict=True))
        assert all(h is not o and h.__wrapped__ is o for h, o in zip(hooked, originals, strict=True))
        calls()
        spans = tracing.spans()
        assert [s.attributes["gen_ai.request.stream"] for s in spans] == [False, False, True]
        assert [tokens(s) for s in spans] == [(12, 5)] * 3
        assert not any("gen_ai.input.messages" in s.attributes for s in spans)
        assert other.get_finished_spans() == ()

        otel_llmlog.uninstrument()
        assert all(cls.__dict__[name] is o for (cls, name), o in zip(HOOKED, originals, strict=True))
        calls()
        assert len(tracing.spans()) == 3
        assert other.get_finished_spans() == ()
        otel_llmlog.uninstrument()  # a second uninstrument() is harmless
        assert all(cls.__dict__[name] is o for (cls, name), o in zip(HOOKED, originals, strict=True))
    finally:
        # leave things as the fixture set them up: instrumented into its tracer provider
        otel_llmlog.instrument(tracer_provider=tracing.provider, meter_provider=tracing.meter_provider, capture_content=False)
        other_provider.shutdown()


# --- 7. faults inside the instrumentation never reach the caller ---


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


#: what to break -> (class, method, the guard's log message, streamed calls affected, non-streamed affected)
FAULTS = {
    "response": (openai_provider.ChatCompletions, "response", "otel-llmlog: failed to read a response", False, True),
    "chunk": (openai_provider.ChatStream, "chunk", "otel-llmlog: failed to read a stream chunk", True, False),
    "request": (openai_provider.ChatCompletions, "request", "otel-llmlog: failed to read request parameters", True, True),
    "cost": (PriceBook, "cost", "otel-llmlog: failed to price a call", True, True),
}


def check_fault_logged(logs: LogWatch, message: str, count: int) -> None:
    failures = logs.ours()
    assert [r.getMessage() for r in failures] == [message] * count
    assert all(isinstance(r.exc_info[1], RuntimeError) and str(r.exc_info[1]) == "injected fault" for r in failures)


def check_fault_span(span: Any, fault: str, stream: bool) -> None:
    attrs = attributes(span)
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()
    assert attrs["gen_ai.request.stream"] is stream
    if stream:
        assert attrs["llmlog.stream.chunks"] == STREAM_CHUNKS
        assert "llmlog.stream.cancelled" not in attrs
    # facts read by the parts that still work are still there
    if fault in ("response", "chunk"):
        assert tokens(span) == (None, None)
    else:
        assert tokens(span) == (12, 5)
        assert attrs["gen_ai.response.id"] == (STREAM_ID if stream else BASIC_ID)
    if fault == "cost":
        assert not any(k.startswith(("gen_ai.usage.cost", "llmlog.cost")) for k in attrs)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_fault_injection(fault: str, async_: bool, tracing, openai_client, logs, monkeypatch) -> None:
    cls, method, message, hits_stream, hits_plain = FAULTS[fault]
    monkeypatch.setattr(cls, method, boom)
    logs.expect_failures = True

    if hits_plain:
        client = openai_client(BASIC, async_=async_)
        check_completion(run(async_, lambda: client.chat.completions.create(**BASIC_BODY)))
        check_fault_span(tracing.one(), fault, stream=False)
        check_fault_logged(logs, message, 1)
        tracing.exporter.clear()
        logs.records.clear()

    if hits_stream:
        client = openai_client(STREAM, async_=async_)
        if async_:

            async def consume() -> list[Any]:
                return [c async for c in await client.chat.completions.create(**STREAM_BODY)]

            chunks = asyncio.run(consume())
        else:
            chunks = list(client.chat.completions.create(**STREAM_BODY))
        check_chunks(chunks)
        check_fault_span(tracing.one(), fault, stream=True)
        check_fault_logged(logs, message, STREAM_CHUNKS if fault == "chunk" else 1)


# --- 8. many threads at once ---


def test_threads(tracing, openai_client) -> None:
    plain, streamed = openai_client(BASIC), openai_client(STREAM)
    barrier = threading.Barrier(8)
    outside: list[Any] = []

    def one(i: int) -> int:
        if i < 8:
            barrier.wait(timeout=30)  # every worker thread has a call in flight at the start
        if i % 2:
            chunks = list(streamed.chat.completions.create(**STREAM_BODY, seed=i))
            check_chunks(chunks)
        else:
            check_completion(plain.chat.completions.create(**BASIC_BODY, seed=i))
        outside.append(trace.get_current_span())
        return i

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(one, range(50))) == list(range(50))

    spans = tracing.spans()
    assert len(spans) == 50
    assert all(s.parent is None for s in spans)  # no span became another's child
    assert all(s is trace.INVALID_SPAN for s in outside)  # no span stayed current after its call
    assert sorted(s.attributes["gen_ai.request.seed"] for s in spans) == list(range(50))
    for span in spans:
        attrs = attributes(span)
        stream = attrs["gen_ai.request.seed"] % 2 == 1
        assert tokens(span) == (12, 5)
        assert attrs["gen_ai.request.stream"] is stream
        assert attrs["gen_ai.request.model"] == ("gpt-4" if stream else "gpt-4o-mini")
        assert attrs["gen_ai.response.id"] == (STREAM_ID if stream else BASIC_ID)
        assert attrs["llmlog.provider.request_id"] == (STREAM_REQUEST_ID if stream else BASIC_REQUEST_ID)
        if stream:
            assert attrs["llmlog.stream.chunks"] == STREAM_CHUNKS
        assert span.status.status_code is StatusCode.UNSET
    assert len({s.context.span_id for s in spans}) == 50


async def test_tasks(tracing, openai_client) -> None:
    plain, streamed = openai_client(BASIC, async_=True), openai_client(STREAM, async_=True)

    async def one(i: int) -> Any:
        await asyncio.sleep(0)
        if i % 2:
            check_chunks([c async for c in await streamed.chat.completions.create(**STREAM_BODY, seed=i)])
        else:
            check_completion(await plain.chat.completions.create(**BASIC_BODY, seed=i))
        return trace.get_current_span()

    outside = await asyncio.gather(*(one(i) for i in range(30)))
    assert all(s is trace.INVALID_SPAN for s in outside)
    spans = tracing.spans()
    assert len(spans) == 30
    assert all(s.parent is None for s in spans)
    assert sorted(s.attributes["gen_ai.request.seed"] for s in spans) == list(range(30))
    for span in spans:
        stream = span.attributes["gen_ai.request.seed"] % 2 == 1
        assert tokens(span) == (12, 5)
        assert span.attributes["gen_ai.response.id"] == (STREAM_ID if stream else BASIC_ID)
        assert span.attributes.get("llmlog.stream.chunks") == (STREAM_CHUNKS if stream else None)


# --- 8. nothing of a call waits for the cyclic garbage collector ---


def _cyclic_garbage(run: Any) -> int:
    """Objects that ``run`` leaves in reference cycles (freed only by the cyclic collector)."""
    run()  # warm-up: first-call caches
    gc.collect()
    gc.disable()
    try:
        run()
        return gc.collect()
    finally:
        gc.enable()


def test_ended_calls_leave_no_reference_cycles(tracing, openai_client) -> None:
    """The hooks put on a response (``close``, raw ``parse``) hold the response's own bound methods; they
    come off when the call ends, so the response, the call and its span go as soon as the caller drops
    them, as they do uninstrumented."""
    stream_client, basic_client = openai_client(STREAM), openai_client(BASIC)

    def consumed() -> None:
        list(stream_client.chat.completions.create(**STREAM_BODY))

    def left_early() -> None:
        stream = stream_client.chat.completions.create(**STREAM_BODY)
        next(iter(stream))
        stream.close()

    def abandoned() -> None:
        stream = stream_client.chat.completions.create(**STREAM_BODY)
        next(iter(stream))
        del stream

    def streaming_response() -> None:
        with basic_client.chat.completions.with_streaming_response.create(**BASIC_BODY) as response:
            response.parse()

    for run in (consumed, left_early, abandoned, streaming_response):
        assert _cyclic_garbage(run) == 0, run.__name__
    assert len(tracing.spans()) == 8


def test_hooks_come_off_when_the_call_ends(tracing, openai_client) -> None:
    stream = openai_client(STREAM).chat.completions.create(**STREAM_BODY)
    assert "close" in vars(stream.response)  # hooked while the call runs
    list(stream)
    assert "close" not in vars(stream.response)
    stream.close()  # the SDK's own close, as uninstrumented
    assert len(tracing.spans()) == 1
