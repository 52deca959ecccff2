"""Anthropic streams, every way they are read or left: the real ``anthropic`` SDK against the stand-in.

``messages.stream()`` read by iterating its events, through ``text_stream``, ``get_final_message()``
and ``until_done()``; left early (``break`` then garbage collection, ``close()``, the ``with``
block), broken by the caller's own exception, and broken by an ``event: error`` inside the stream.
Sync and async alike. Each call is exactly one span, with the final usage when the stream was read
to its end and with what ``message_start`` reported when it was not.

The ``logs`` fixture (shared with test_lifecycle) checks around every test that no span ended
twice, asyncio saw no failure in a finalizer, and otel-llmlog's guard swallowed nothing.
"""

from __future__ import annotations

import gc
import json
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.lib.streaming import AsyncMessageStream, MessageStream
from anthropic.types import Message, RawMessageStartEvent
from anthropic.types.beta import BetaMessage
from opentelemetry.trace import StatusCode

from otel_llmlog.instrumentation.hooks import api_key_sha256

from .conftest import (
    API_KEY,
    FIXTURES,
    SYNTHETIC_FIXTURES,
    assert_one_span_after_gc,
    assert_one_span_after_gc_async,
    check_exception,
    close_twice,
    close_twice_async,
    collect_and_settle,
    cost_attributes,
    load_case,
    settle,
)
from .test_anthropic_replay import (
    check_span,
    collect_clients,  # noqa: F401 - autouse
    make_client,
    sdk_arguments,
)
from .test_lifecycle import logs  # noqa: F401 - an autouse fixture

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STREAM = "messages_streaming"
STREAM_ARGS = {k: v for k, v in load_case("anthropic", STREAM)["request"]["body"].items() if k != "stream"}
STREAM_ID = "msg_01CpLvutrn5ZEYqp6J9PqxDN"
STREAM_REQUEST_ID = "req_011CY3AoKeapTTgmBHNRgu6L"
STREAM_MODEL = "claude-sonnet-4-20250514"
STREAM_TEXT = "Four plus five equals nine."
#: raw events the SDK yields for the recording (its ping is skipped)
STREAM_EVENTS = ["message_start", "content_block_start", "content_block_delta", "content_block_delta",
                 "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]

ERROR_STREAM = "messages_streaming_error_event"  # synthesized: tests/fixtures_synthetic/anthropic/<this>/SOURCE.txt
ERROR_REQUEST_ID = "req_synthetic0streamingerrorevent"

VOLATILE = {"server.port", "llmlog.response.generation_time", "llmlog.response.throughput", "gen_ai.response.time_to_first_chunk"}


def without_volatile(span: Any) -> dict[str, Any]:
    return {k: v for k, v in span.attributes.items() if k not in VOLATILE}


def started(chunks: int, request_id: str = STREAM_REQUEST_ID) -> dict[str, Any]:
    """Every attribute of a span of the streamed case after ``chunks`` events, before ``message_delta``.

    ``message_start`` reported input 19 (no cache use) and the output counted so far, 1 token;
    those numbers stay, since Anthropic bills the input of a stream that was left.
    """
    a: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": STREAM_MODEL,
        "server.address": "127.0.0.1",
        "gen_ai.request.stream": True,
        "gen_ai.request.max_tokens": 1000,
        "http.response.status_code": 200,
        "llmlog.provider.request_id": request_id,
        "llmlog.api_key.sha256": api_key_sha256(API_KEY),
        "llmlog.stream.chunks": chunks,
    }
    if chunks:
        a.update({
            "gen_ai.response.id": STREAM_ID,
            "gen_ai.response.model": STREAM_MODEL,
            "gen_ai.usage.input_tokens": 19,
            "gen_ai.usage.output_tokens": 1,
            "gen_ai.usage.cache_read.input_tokens": 0,
            "gen_ai.usage.cache_write.input_tokens": 0,
            "llmlog.usage.cache_write_5m.input_tokens": 0,
            "llmlog.usage.cache_write_1h.input_tokens": 0,
        })
    return a


def left_early(chunks: int) -> dict[str, Any]:
    a = started(chunks)
    a["llmlog.stream.cancelled"] = True
    if not chunks:
        a["llmlog.cost.unknown_reason"] = "the response reported no token usage"
        return a
    a.update(cost_attributes(  # 19*3 + 1*15 = 72 micro-dollars, what message_start's counts cost
        0.000072,
        ("prompt", "input_cache_read", "input_cache_write_5_min", "input_cache_write_1_h", "completion"),
        (19, 0, 0, 0, 1),
        (3.0, 0.3, 3.75, 6.0, 15.0),
        (0.000057, 0.0, 0.0, 0.0, 0.000015),
    ))
    return a


def check_left_early(span: Any, chunks: int) -> None:
    assert without_volatile(span) == left_early(chunks)
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()
    gen = span.attributes["llmlog.response.generation_time"]
    assert gen == pytest.approx((span.end_time - span.start_time) / 1e9, abs=1e-6)
    assert ("gen_ai.response.time_to_first_chunk" in span.attributes) == (chunks > 0)


def check_failed(span: Any, exc: BaseException, chunks: int, error_type: str, request_id: str = STREAM_REQUEST_ID) -> None:
    """Failed after ``chunks`` events: ERROR with ``exc``, message_start's usage kept, no cost, not 'cancelled'."""
    assert without_volatile(span) == {**started(chunks, request_id), "error.type": error_type}
    check_exception(span, exc)
    assert "llmlog.response.generation_time" not in span.attributes


def check_final(message: Any) -> None:
    assert isinstance(message, Message)
    assert (message.id, message.model, message.stop_reason) == (STREAM_ID, STREAM_MODEL, "end_turn")
    assert message.content[0].text == STREAM_TEXT
    assert (message.usage.input_tokens, message.usage.output_tokens) == (19, 9)


def check_one_span(tracing: Any) -> None:
    check_span(tracing.one(), STREAM)  # the whole snapshot: tokens, cost, finish reason, no cancelled flag


# --- 1. messages.stream() read to its end, four ways ---


def test_helper_events_sync(tracing, standin) -> None:
    with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
        assert type(stream) is MessageStream
        events = list(stream)
        check_one_span(tracing)  # ended by the stream's end, inside the block
    assert [e.type for e in events if e.type in STREAM_EVENTS] == STREAM_EVENTS
    assert "".join(e.text for e in events if e.type == "text") == STREAM_TEXT
    assert len(tracing.spans()) == 1


async def test_helper_events_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
        assert type(stream) is AsyncMessageStream
        events = [e async for e in stream]
        check_one_span(tracing)
    assert [e.type for e in events if e.type in STREAM_EVENTS] == STREAM_EVENTS
    assert "".join(e.text for e in events if e.type == "text") == STREAM_TEXT
    assert len(tracing.spans()) == 1


def test_helper_text_stream_sync(tracing, standin) -> None:
    with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
        assert list(stream.text_stream) == ["Four", " plus five equals", " nine", "."]
        check_final(stream.get_final_message())
    check_one_span(tracing)


async def test_helper_text_stream_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
        assert [t async for t in stream.text_stream] == ["Four", " plus five equals", " nine", "."]
        check_final(await stream.get_final_message())
    check_one_span(tracing)


def test_helper_get_final_message_sync(tracing, standin) -> None:
    with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
        check_final(stream.get_final_message())
        assert stream.get_final_text() == STREAM_TEXT
    check_one_span(tracing)


async def test_helper_get_final_message_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
        check_final(await stream.get_final_message())
        assert await stream.get_final_text() == STREAM_TEXT
    check_one_span(tracing)


def test_helper_until_done_sync(tracing, standin) -> None:
    with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
        stream.until_done()
        check_one_span(tracing)
        check_final(stream.current_message_snapshot)
    assert len(tracing.spans()) == 1


async def test_helper_until_done_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
        await stream.until_done()
        check_one_span(tracing)
        check_final(stream.current_message_snapshot)
    assert len(tracing.spans()) == 1


def test_beta_helper_sync(tracing, standin) -> None:
    """``client.beta.messages.stream()``: the beta types, the same one span."""
    with make_client(standin, STREAM).beta.messages.stream(**STREAM_ARGS) as stream:
        assert "".join(stream.text_stream) == STREAM_TEXT
        final = stream.get_final_message()
    assert isinstance(final, BetaMessage)
    assert (final.id, final.usage.output_tokens) == (STREAM_ID, 9)
    check_one_span(tracing)


async def test_beta_helper_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).beta.messages.stream(**STREAM_ARGS) as stream:
        assert [t async for t in stream.text_stream] == ["Four", " plus five equals", " nine", "."]
        final = await stream.get_final_message()
    assert isinstance(final, BetaMessage)
    check_one_span(tracing)


# --- 2. left early ---


def test_helper_break_then_gc_sync(tracing, standin) -> None:
    manager = make_client(standin, STREAM).messages.stream(**STREAM_ARGS)
    stream = manager.__enter__()  # a caller that never leaves a with block
    for event in stream:
        assert type(event) is RawMessageStartEvent
        break
    assert tracing.spans() == []
    del stream, manager, event
    gc.collect()
    check_left_early(tracing.one(), 1)
    assert_one_span_after_gc(tracing)


async def test_helper_break_then_gc_async(tracing, standin) -> None:
    # collect what earlier tests left behind first: their async generators must not be
    # finalized inside this test's loop, where this test counts garbage-collection effects
    await collect_and_settle()
    manager = make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS)
    stream = await manager.__aenter__()
    async for event in stream:
        assert type(event) is RawMessageStartEvent
        break
    await settle()
    assert tracing.spans() == []
    del stream, manager, event
    await collect_and_settle()
    check_left_early(tracing.one(), 1)
    await assert_one_span_after_gc_async(tracing)


def test_create_stream_break_then_gc_sync(tracing, standin) -> None:
    stream = make_client(standin, STREAM).messages.create(**STREAM_ARGS, stream=True)
    got = []
    for event in stream:
        got.append(event.type)
        if len(got) == 3:
            break
    assert got == STREAM_EVENTS[:3]
    assert tracing.spans() == []
    del stream, event
    gc.collect()
    check_left_early(tracing.one(), 3)


async def test_create_stream_break_then_gc_async(tracing, standin) -> None:
    stream = await make_client(standin, STREAM, async_=True).messages.create(**STREAM_ARGS, stream=True)
    got = []
    async for event in stream:
        got.append(event.type)
        if len(got) == 3:
            break
    await settle()
    assert tracing.spans() == []
    del stream, event
    await collect_and_settle()
    check_left_early(tracing.one(), 3)


def test_create_stream_never_read_sync(tracing, standin) -> None:
    stream = make_client(standin, STREAM).messages.create(**STREAM_ARGS, stream=True)
    del stream
    gc.collect()
    check_left_early(tracing.one(), 0)


def test_helper_close_sync(tracing, standin) -> None:
    with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
        assert [next(stream).type, next(stream).type] == ["message_start", "content_block_start"]
        close_twice(tracing, stream, lambda span: check_left_early(span, 2))  # before the block ends
    del stream
    assert_one_span_after_gc(tracing)


async def test_helper_close_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
        assert [(await stream.__anext__()).type, (await stream.__anext__()).type] == ["message_start", "content_block_start"]
        await close_twice_async(tracing, stream, lambda span: check_left_early(span, 2))
    del stream
    await assert_one_span_after_gc_async(tracing)


def test_helper_with_block_left_sync(tracing, standin) -> None:
    with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
        for i, _event in enumerate(stream):
            if i == 1:
                break
        assert tracing.spans() == []
    check_left_early(tracing.one(), 2)


async def test_helper_with_block_left_async(tracing, standin) -> None:
    async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
        i = 0
        async for _event in stream:
            i += 1
            if i == 2:
                break
        assert tracing.spans() == []
    check_left_early(tracing.one(), 2)


# --- 3. the caller's own exception inside the with block ---


def test_helper_user_error_sync(tracing, standin) -> None:
    boom = ValueError("user code failed")
    with pytest.raises(ValueError) as info:
        with make_client(standin, STREAM).messages.stream(**STREAM_ARGS) as stream:
            for i, _event in enumerate(stream):
                if i == 1:
                    raise boom
    assert info.value is boom  # the caller's exception, unchanged
    check_failed(tracing.one(), boom, 2, "ValueError")
    del stream
    assert_one_span_after_gc(tracing)


async def test_helper_user_error_async(tracing, standin) -> None:
    boom = ValueError("user code failed")
    with pytest.raises(ValueError) as info:
        async with make_client(standin, STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
            i = 0
            async for _event in stream:
                i += 1
                if i == 2:
                    raise boom
    assert info.value is boom
    check_failed(tracing.one(), boom, 2, "ValueError")
    del stream
    await assert_one_span_after_gc_async(tracing)


# --- 4. an error event inside the stream (synthesized case, see its SOURCE.txt) ---

ERROR_EVENT = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def test_synthetic_case_is_the_recording_then_an_error() -> None:
    recorded = (FIXTURES / "anthropic" / STREAM / "response.sse").read_text()
    synthetic = (SYNTHETIC_FIXTURES / "anthropic" / ERROR_STREAM / "response.sse").read_text()
    head, _, tail = synthetic.rpartition("event: error\n")
    assert recorded.startswith(head) and head.count("\n\n") == 5
    assert json.loads(tail.removeprefix("data: ")) == ERROR_EVENT
    assert "SYNTHESIZED" in (SYNTHETIC_FIXTURES / "anthropic" / ERROR_STREAM / "SOURCE.txt").read_text()


def check_error_event(exc: BaseException) -> None:
    # after an HTTP 200 the SDK raises its base status error, carrying the event's body and that 200
    assert type(exc) is anthropic.APIStatusError
    assert exc.status_code == 200
    assert exc.type == "overloaded_error"
    assert exc.body == ERROR_EVENT
    assert exc.request_id == ERROR_REQUEST_ID


def test_error_event_sync(tracing, standin) -> None:
    body, _ = sdk_arguments(STREAM)
    stream = make_client(standin, ERROR_STREAM).messages.create(**body)
    got = []
    with pytest.raises(anthropic.APIStatusError) as info:
        for event in stream:
            got.append(event.type)
    assert got == ["message_start", "content_block_start", "content_block_delta", "content_block_delta"]
    check_error_event(info.value)
    check_failed(tracing.one(), info.value, 4, "overloaded_error", ERROR_REQUEST_ID)
    stream.close()
    del stream
    assert_one_span_after_gc(tracing)


async def test_error_event_async(tracing, standin) -> None:
    body, _ = sdk_arguments(STREAM)
    stream = await make_client(standin, ERROR_STREAM, async_=True).messages.create(**body)
    got = []
    with pytest.raises(anthropic.APIStatusError) as info:
        async for event in stream:
            got.append(event.type)
    assert len(got) == 4
    check_error_event(info.value)
    check_failed(tracing.one(), info.value, 4, "overloaded_error", ERROR_REQUEST_ID)
    await stream.close()
    del stream
    await assert_one_span_after_gc_async(tracing)


def test_error_event_helper_sync(tracing, standin) -> None:
    with pytest.raises(anthropic.APIStatusError) as info:
        with make_client(standin, ERROR_STREAM).messages.stream(**STREAM_ARGS) as stream:
            stream.get_final_message()
    check_error_event(info.value)
    check_failed(tracing.one(), info.value, 4, "overloaded_error", ERROR_REQUEST_ID)
    del stream
    assert_one_span_after_gc(tracing)


async def test_error_event_helper_async(tracing, standin) -> None:
    with pytest.raises(anthropic.APIStatusError) as info:
        async with make_client(standin, ERROR_STREAM, async_=True).messages.stream(**STREAM_ARGS) as stream:
            await stream.get_final_message()
    check_error_event(info.value)
    check_failed(tracing.one(), info.value, 4, "overloaded_error", ERROR_REQUEST_ID)


# --- 5. a stream the network cut ---


@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_stream_cut(async_: bool, tracing, standin) -> None:
    import asyncio

    client = make_client(standin, STREAM, async_=async_, cut=3)

    async def read_async() -> list[str]:
        got: list[str] = []
        async with client.messages.stream(**STREAM_ARGS) as stream:
            async for event in stream:
                got.append(event.type)
        return got

    # the SDK lets the transport's own error out of a stream it is reading, unwrapped
    with pytest.raises(httpx2.RemoteProtocolError) as info:
        if async_:
            asyncio.run(read_async())
        else:
            with client.messages.stream(**STREAM_ARGS) as stream:
                list(stream)
    # three events sent (message_start, content_block_start, the ping), two of them seen
    check_failed(tracing.one(), info.value, 2, "RemoteProtocolError")
