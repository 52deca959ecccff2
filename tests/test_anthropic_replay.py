"""Every recorded Anthropic exchange replayed through the real SDK (sync and async) over loopback.

Each span's whole attribute set is compared with a snapshot written out below by hand from the
recorded response: exact token counts (input inclusive of cache reads and writes, as the
conventions count it; Anthropic reports it exclusive), cache reads, cache writes with their
5-minute / 1-hour split, thinking tokens where the API reported them, native and normalized
finish reasons, request parameters, and the exact cost in micro-dollars worked out here from the
per-million-token rates of genai-prices 0.2.3 (the test recomputes it from the fee items and
checks both agree).
"""

from __future__ import annotations

import asyncio
import gc
import json
import weakref
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import anthropic
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from otel_llmlog.instrumentation.hooks import api_key_sha256

from .conftest import API_KEY, check_exception, cost_attributes, load_case

# The recordings name models the SDK now flags as deprecated (and thinking.type=enabled); that is about the data.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# USD per million tokens: (prompt, cache read, 5-minute cache write, 1-hour cache write, completion).
RATES = {
    "claude-sonnet-4": (Decimal("3"), Decimal("0.3"), Decimal("3.75"), Decimal("6"), Decimal("15")),
    "claude-sonnet-4-5": (Decimal("3"), Decimal("0.3"), Decimal("3.75"), Decimal("6"), Decimal("15")),  # below 200k input
    "claude-sonnet-4-6": (Decimal("3"), Decimal("0.3"), Decimal("3.75"), Decimal("6"), Decimal("15")),
    "claude-3-5-sonnet": (Decimal("3"), Decimal("0.3"), Decimal("3.75"), Decimal("6"), Decimal("15")),
    "claude-3-7-sonnet": (Decimal("3"), Decimal("0.3"), Decimal("3.75"), Decimal("6"), Decimal("15")),
    "claude-opus-4-8": (Decimal("5"), Decimal("0.5"), Decimal("6.25"), Decimal("10"), Decimal("25")),
    "claude-haiku-4-5": (Decimal("1"), Decimal("0.1"), Decimal("1.25"), Decimal("2"), Decimal("5")),
    "claude-3-5-haiku": (Decimal("0.8"), Decimal("0.08"), Decimal("1"), Decimal("1.6"), Decimal("4")),
}

NORMALIZED = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_call", "stop_sequence": "stop"}


def case(price, resp_model, resp_id, request_id, native, inp, out, read, write, w5, w1, reasoning, *,
         chunks=None, beta=False, request=None, cost_uusd):
    return dict(price=price, resp_model=resp_model, resp_id=resp_id, request_id=request_id, native=native,
                input=inp, output=out, read=read, write=write, w5=w5, w1=w1, reasoning=reasoning,
                chunks=chunks, beta=beta, request=request or {}, cost_uusd=cost_uusd)


#: stands for the ``req_standin…`` id the stand-in adds where a recording kept no request-id header
ADDED = None

# Written out from each case's response.json / response.sse. ``input`` = input_tokens + cache read + cache
# write; None = the API did not report that number (older recordings have no cache counters or TTL split;
# thinking tokens are only reported by newer API versions). ``chunks`` = stream events the SDK yields
# (every event of response.sse but the ping). ``request`` = request parameters recorded on the span.
CASES: dict[str, dict[str, Any]] = {
    "messages_basic": case(
        "claude-sonnet-4", "claude-sonnet-4-20250514", "msg_01T6ZKdiPpyZ2jcHWNAeByvH", "req_011CY3Ao3z1SqvbaQaRqgFjW",
        "end_turn", 19, 9, 0, 0, 0, 0, None, request={"gen_ai.request.max_tokens": 1000},
        cost_uusd=Decimal("192"),  # 19*3 + 9*15
    ),
    "messages_prompt_cache_read": case(
        "claude-opus-4-8", "claude-opus-4-8", "msg_011CdZ7HELdJntMqdQ6ERgau", ADDED,
        "end_turn", 1592, 4, 1590, 0, 0, 0, 0, beta=True, request={"gen_ai.request.max_tokens": 4096},
        cost_uusd=Decimal("905"),  # 2*5 + 1590*0.5 + 4*25
    ),
    "messages_prompt_cache_write_5m": case(
        "claude-opus-4-8", "claude-opus-4-8", "msg_011CdZ7H96cYjLa6r1Kjqx2H", ADDED,
        "end_turn", 1592, 4, 0, 1590, 1590, 0, 0, beta=True, request={"gen_ai.request.max_tokens": 4096},
        cost_uusd=Decimal("10047.5"),  # 2*5 + 1590*6.25 + 4*25
    ),
    "messages_prompt_cache_write_1h": case(
        "claude-sonnet-4", "claude-sonnet-4-20250514", "msg_01E2NzSzVjyyMLU5k3fo6d8t", "req_011CYvBm7NestsCukYLh1Zqg",
        "max_tokens", 2073, 100, 0, 2056, 0, 2056, None,
        request={"gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1},
        cost_uusd=Decimal("13887"),  # 17*3 + 2056*6 + 100*15
    ),
    "messages_redacted_thinking": case(
        "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "msg_01TbZ1ZKNMPq28AgBLyLX3c4", ADDED,
        "end_turn", 92, 196, 0, 0, 0, 0, None, beta=True, request={"gen_ai.request.max_tokens": 4096},
        cost_uusd=Decimal("3216"),  # 92*3 + 196*15
    ),
    "messages_streaming": case(
        "claude-sonnet-4", "claude-sonnet-4-20250514", "msg_01CpLvutrn5ZEYqp6J9PqxDN", "req_011CY3AoKeapTTgmBHNRgu6L",
        "end_turn", 19, 9, 0, 0, 0, 0, None, chunks=9, request={"gen_ai.request.max_tokens": 1000},
        cost_uusd=Decimal("192"),  # 19*3 + 9*15
    ),
    # no cache_creation breakdown in these two recordings: a write is priced at the default (5-minute) rate
    "messages_streaming_prompt_cache_read": case(
        "claude-sonnet-4", "claude-sonnet-4-20250514", "msg_01RprQMTVaxMt5KCveLCRfwJ", "req_011CQkYazzo4ofJd3sAhFbXv",
        "max_tokens", 1042, 100, 1031, 0, None, None, None, chunks=15,
        request={"gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1},
        cost_uusd=Decimal("1842.3"),  # 11*3 + 1031*0.3 + 100*15
    ),
    "messages_streaming_prompt_cache_write": case(
        "claude-sonnet-4", "claude-sonnet-4-20250514", "msg_01N1s2vim6CWk85jtJPHcuea", "req_011CQkYajyQnyY9eu2Fgbk1o",
        "max_tokens", 1049, 100, 0, 1031, None, None, None, chunks=13,
        request={"gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1},
        cost_uusd=Decimal("5420.25"),  # 18*3 + 1031*3.75 + 100*15
    ),
    # a thinking block, but this API version reported no thinking-token count: reasoning stays unknown
    "messages_thinking": case(
        "claude-3-7-sonnet", "claude-3-7-sonnet-20250219", "msg_01Ayp2LhrapBJLPf22sskg4c", "req_01RkvCovYLbrawv1CaS8EonK",
        "end_turn", 52, 215, 0, 0, None, None, None, request={"gen_ai.request.max_tokens": 2048},
        cost_uusd=Decimal("3381"),  # 52*3 + 215*15
    ),
    "messages_thinking_streaming": case(
        "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "msg_01RTjjePNDCQNgHXg3KeDPfv", "req_011CYEXgx67iagYpjoqW9quB",
        "end_turn", 46, 84, 0, 0, 0, 0, None, chunks=40,
        request={"gen_ai.request.max_tokens": 8192, "gen_ai.request.temperature": 1.0},
        cost_uusd=Decimal("1398"),  # 46*3 + 84*15
    ),
    "messages_thinking_tool_use_streaming": case(
        "claude-haiku-4-5", "claude-haiku-4-5-20251001", "msg_01JdU4xqNHXL9QCFWkwCDKGr", "req_011CbVjqiXA7wxBTF7BBSFMV",
        "tool_use", 598, 92, 0, 0, 0, 0, 53, chunks=12,
        request={"gen_ai.request.max_tokens": 64000, "gen_ai.request.temperature": 1.0},
        cost_uusd=Decimal("1058"),  # 598*1 + 39*5 + 53*5 (thinking billed at the output rate)
    ),
    "messages_tool_result_followup": case(
        "claude-3-5-haiku", "claude-3-5-haiku-20241022", "msg_01QJDheQSo4hSrxgtLpEJFkA", "req_011CRZaepSK9Jc89WTRSudjf",
        "tool_use", 568, 58, 0, 0, None, None, None, request={"gen_ai.request.max_tokens": 1024},
        cost_uusd=Decimal("686.4"),  # 568*0.8 + 58*4
    ),
    "messages_tool_use": case(
        "claude-sonnet-4-6", "claude-sonnet-4-6", "msg_01K41hSx5Bw5rCMGUxZPzbhK", "req_011CZo38VY8yqUd8mH92SEhh",
        "tool_use", 669, 57, 0, 0, 0, 0, None, request={"gen_ai.request.max_tokens": 200},
        cost_uusd=Decimal("2862"),  # 669*3 + 57*15
    ),
    # predates the cache counters: input and output only
    "messages_tool_use_parallel_with_text": case(
        "claude-3-5-sonnet", "claude-3-5-sonnet-20240620", "msg_01RBkXFe9TmDNNWThMz2HmGt", "req_0162S72WMkXgHaRJ9aDTfqmw",
        "tool_use", 514, 152, None, None, None, None, None, request={"gen_ai.request.max_tokens": 1024},
        cost_uusd=Decimal("3822"),  # 514*3 + 152*15
    ),
    "messages_tool_use_streaming": case(
        "claude-haiku-4-5", "claude-haiku-4-5-20251001", "msg_01BnVamfF7ccY9Qt3nZHAyaG", "req_011CZknMJt3GegSmXXNdzLJB",
        "tool_use", 543, 40, 0, 0, 0, 0, None, chunks=6,
        request={"gen_ai.request.max_tokens": 8192, "gen_ai.request.temperature": 1.0},
        cost_uusd=Decimal("743"),  # 543*1 + 40*5
    ),
}

# case: (SDK exception class, status, request id header or ADDED, request parameters on the span)
ERROR_CASES: dict[str, tuple[type[Exception], int, str | None, dict[str, Any]]] = {
    "messages_error_400_invalid_request": (anthropic.BadRequestError, 400, "req_01BjwuzUpsYgKjQJguJyvKb3", {"gen_ai.request.max_tokens": 15}),
    "messages_error_401_authentication": (
        anthropic.AuthenticationError, 401, "req_013JyjhVcnhy8mfJkvBTqMNB", {"gen_ai.request.max_tokens": 15, "gen_ai.request.temperature": 0.8},
    ),
    "messages_error_404_not_found": (anthropic.NotFoundError, 404, ADDED, {"gen_ai.request.max_tokens": 4096}),
}

VOLATILE = {"server.port", "llmlog.response.generation_time", "llmlog.response.throughput", "gen_ai.response.time_to_first_chunk"}


#: async clients made by the current test that may still be alive (see ``collect_clients``)
ASYNC_CLIENTS: weakref.WeakSet[Any] = weakref.WeakSet()


def tracked(client: Any) -> Any:
    if isinstance(client, anthropic.AsyncAnthropic):
        ASYNC_CLIENTS.add(client)
    return client


@pytest.fixture(autouse=True)
def collect_clients() -> Iterator[None]:
    """Free the async clients a test dropped before another test's event loop runs.

    The SDKs' clients sit in reference cycles, so only the garbage collector frees them; an async
    one freed while a later test's loop runs closes its connection from that loop, which fails
    because the connection belongs to the loop that made it. Collected here, outside any loop,
    they close quietly. (A full collection takes a while, so only when such a client is left.)
    """
    yield
    if len(ASYNC_CLIENTS):
        gc.collect()
    ASYNC_CLIENTS.clear()


def test_every_recorded_case_is_covered() -> None:
    from .conftest import FIXTURES

    recorded = {p.name for p in (FIXTURES / "anthropic").iterdir() if p.is_dir()}
    assert recorded == set(CASES) | set(ERROR_CASES)
    assert len(recorded) == 18


# --- driving the SDK ---


def make_client(standin: Any, name: str, async_: bool = False, **kwargs: Any) -> Any:
    kwargs.setdefault("max_retries", 0)
    cls = anthropic.AsyncAnthropic if async_ else anthropic.Anthropic
    url = standin.base_url(name, **{k: kwargs.pop(k) for k in ("fail", "cut") if k in kwargs})
    return tracked(cls(api_key=API_KEY, base_url=url, **kwargs))


def sdk_arguments(name: str) -> tuple[dict[str, Any], bool]:
    """The recorded request as ``messages.create`` arguments, and whether it went to ``beta.messages``.

    anthropic 2.x takes no sampling parameters as arguments any more; they travel in ``extra_body``,
    which lands in the same JSON body.
    """
    recorded = load_case("anthropic", name)["request"]
    body = dict(recorded["body"])
    sampling = {k: body.pop(k) for k in ("temperature", "top_p", "top_k") if k in body}
    if sampling:
        body["extra_body"] = sampling
    return body, recorded.get("query") == "beta=true"


def messages_of(client: Any, beta: bool) -> Any:
    return client.beta.messages if beta else client.messages


def check_result(name: str, result: Any) -> None:
    """What the SDK returned is the SDK's own, complete, unchanged."""
    c = CASES[name]
    if c["chunks"] is None:
        assert type(result) is (anthropic.types.beta.BetaMessage if c["beta"] else anthropic.types.Message)
        assert (result.id, result.model, result.stop_reason) == (c["resp_id"], c["resp_model"], c["native"])
    else:
        assert len(result) == c["chunks"]
        assert [e.type for e in (result[0], result[-2], result[-1])] == ["message_start", "message_delta", "message_stop"]
        assert result[0].message.id == c["resp_id"]
        assert result[-2].delta.stop_reason == c["native"]


# --- the expected snapshot ---


def fee_items(c: dict[str, Any]) -> tuple[list[str], list[int], list[float], list[float], Decimal]:
    prompt, read_rate, w5_rate, w1_rate, out_rate = RATES[c["price"]]
    read, write, w1 = c["read"] or 0, c["write"] or 0, c["w1"] or 0
    reasoning = c["reasoning"] or 0
    items = [
        ("prompt", c["input"] - read - write, prompt),
        ("input_cache_read", read, read_rate),
        ("input_cache_write_5_min", write - w1, w5_rate),
        ("input_cache_write_1_h", w1, w1_rate),
        ("completion", c["output"] - reasoning, out_rate),
    ]
    if reasoning:
        items.append(("internal_reasoning", reasoning, out_rate))
    amounts = [t * r / Decimal(1_000_000) for _, t, r in items]
    return [i[0] for i in items], [i[1] for i in items], [float(i[2]) for i in items], [float(a) for a in amounts], sum(amounts, Decimal(0))


def expected_attributes(name: str) -> dict[str, Any]:
    c = CASES[name]
    body = load_case("anthropic", name)["request"]["body"]
    a: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": body["model"],
        "server.address": "127.0.0.1",
        "gen_ai.request.stream": c["chunks"] is not None,
        **c["request"],
        "gen_ai.response.id": c["resp_id"],
        "gen_ai.response.model": c["resp_model"],
        "llmlog.response.native_finish_reasons": (c["native"],),
        "gen_ai.response.finish_reasons": (NORMALIZED[c["native"]],),
        "http.response.status_code": 200,
        "llmlog.provider.request_id": c["request_id"],
        "llmlog.api_key.sha256": api_key_sha256(API_KEY),
    }
    for key, attr in (("input", "gen_ai.usage.input_tokens"), ("output", "gen_ai.usage.output_tokens"),
                      ("read", "gen_ai.usage.cache_read.input_tokens"), ("write", "gen_ai.usage.cache_write.input_tokens"),
                      ("w5", "llmlog.usage.cache_write_5m.input_tokens"), ("w1", "llmlog.usage.cache_write_1h.input_tokens"),
                      ("reasoning", "gen_ai.usage.reasoning.output_tokens")):
        if c[key] is not None:
            a[attr] = c[key]
    if c["chunks"] is not None:
        a["llmlog.stream.chunks"] = c["chunks"]
    codes, tokens, rates, amounts, total = fee_items(c)
    assert total * 1_000_000 == c["cost_uusd"], (name, total * 1_000_000)
    a.update(cost_attributes(total, codes, tokens, rates, amounts))
    return a


def check_request_id(attrs: dict[str, Any], recorded: str | None) -> None:
    if recorded is ADDED:
        assert attrs["llmlog.provider.request_id"].startswith("req_standin")
        attrs["llmlog.provider.request_id"] = ADDED


def check_span(span: Any, name: str, extra: dict[str, Any] | None = None) -> None:
    c = CASES[name]
    attrs = dict(span.attributes)
    check_request_id(attrs, c["request_id"])
    expected = {**expected_attributes(name), **(extra or {})}
    assert {k: v for k, v in attrs.items() if k not in VOLATILE} == expected
    assert span.name == f"chat {expected['gen_ai.request.model']}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()
    # the volatile ones: consistent with the span's own timing
    assert attrs["server.port"] > 0
    gen = attrs["llmlog.response.generation_time"]
    assert gen == pytest.approx((span.end_time - span.start_time) / 1e9, abs=1e-6)
    assert attrs["llmlog.response.throughput"] == pytest.approx(c["output"] / gen)
    if c["chunks"] is None:
        assert "gen_ai.response.time_to_first_chunk" not in attrs
    else:
        assert 0 < attrs["gen_ai.response.time_to_first_chunk"] <= gen


# --- the replays ---


@pytest.mark.parametrize("name", sorted(CASES))
def test_replay_sync(name: str, tracing, standin) -> None:
    body, beta = sdk_arguments(name)
    result = messages_of(make_client(standin, name), beta).create(**body)
    if CASES[name]["chunks"] is not None:
        assert type(result) is anthropic.Stream
        assert tracing.spans() == []  # the call lasts until the stream is read
        result = list(result)
    check_result(name, result)
    check_span(tracing.one(), name)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_replay_async(name: str, tracing, standin) -> None:
    body, beta = sdk_arguments(name)
    result = await messages_of(make_client(standin, name, async_=True), beta).create(**body)
    if CASES[name]["chunks"] is not None:
        assert type(result) is anthropic.AsyncStream
        assert tracing.spans() == []
        result = [e async for e in result]
    check_result(name, result)
    check_span(tracing.one(), name)


def check_error_span(span: Any, exc: BaseException, model: str, status: int, recorded_id: str | None,
                     request: dict[str, Any]) -> None:
    attrs = dict(span.attributes)
    check_request_id(attrs, recorded_id)
    assert attrs.pop("server.port") > 0
    assert attrs == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": model,
        "server.address": "127.0.0.1",
        "gen_ai.request.stream": False,
        **request,
        "http.response.status_code": status,
        "llmlog.provider.request_id": recorded_id,
        "llmlog.api_key.sha256": api_key_sha256(API_KEY),
        "error.type": str(status),
    }
    assert span.name == f"chat {model}"
    check_exception(span, exc, f"anthropic.{type(exc).__qualname__}")


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_replay_errors(name: str, mode: str, tracing, standin) -> None:
    exc_type, status, recorded_id, request = ERROR_CASES[name]
    body, beta = sdk_arguments(name)
    with pytest.raises(exc_type) as info:
        if mode == "sync":
            messages_of(make_client(standin, name), beta).create(**body)
        else:
            asyncio.run(messages_of(make_client(standin, name, async_=True), beta).create(**body))
    assert type(info.value) is exc_type  # the SDK's own exception, not a subclass or wrapper of ours
    assert info.value.status_code == status
    recorded_body = load_case("anthropic", name)["response"]["body"]
    assert info.value.body == recorded_body
    check_error_span(tracing.one(), info.value, body["model"], status, recorded_id, request)


# --- errors no recording shows, made by the stand-in: rate limited and overloaded ---

# status -> the exact class anthropic 2.x raises for it (OverloadedError is an InternalServerError)
INJECTED = {429: anthropic.RateLimitError, 529: anthropic.OverloadedError}


@pytest.mark.parametrize("status", sorted(INJECTED))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_injected_status_errors(status: int, mode: str, tracing, standin) -> None:
    exc_type = INJECTED[status]
    standin.reset()  # failure counters are per URL prefix, and the stand-in lives for the session
    body, _ = sdk_arguments("messages_basic")
    client = make_client(standin, "messages_basic", async_=mode == "async", fail=(1, status))
    with pytest.raises(anthropic.APIStatusError) as info:
        if mode == "sync":
            client.messages.create(**body)
        else:
            asyncio.run(client.messages.create(**body))
    assert type(info.value) is exc_type
    assert info.value.status_code == status
    assert tracing.one().attributes["llmlog.provider.request_id"] == info.value.request_id
    check_error_span(tracing.one(), info.value, "claude-sonnet-4-20250514", status, ADDED, {"gen_ai.request.max_tokens": 1000})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_overloaded_then_served_on_retry(mode: str, tracing, standin) -> None:
    """One 529, retried by the SDK: one span, the served answer's numbers, one resend."""
    standin.reset()
    body, _ = sdk_arguments("messages_basic")
    client = make_client(standin, "messages_basic", async_=mode == "async", fail=(1, 529), max_retries=1)
    message = client.messages.create(**body) if mode == "sync" else asyncio.run(client.messages.create(**body))
    check_result("messages_basic", message)
    check_span(tracing.one(), "messages_basic", {"http.request.resend_count": 1})
    assert [r.headers["x-stainless-retry-count"] for r in standin.requests] == ["0", "1"]


# --- request parameters the recordings do not show ---


def test_request_parameters(tracing, standin) -> None:
    """temperature, top_p, top_k (through ``extra_body``), stop sequences and a JSON output format.

    The stand-in answers a pinned case whatever the body says, so any parameters can be sent.
    """
    client = make_client(standin, "messages_basic")
    client.messages.create(
        model="claude-sonnet-4-20250514",
        max_tokens=321,
        messages=[{"role": "user", "content": "hi"}],
        stop_sequences=["\n\nHuman:", "END"],
        output_config={"format": {"type": "json_schema", "schema": {"type": "object", "properties": {}}}},
        extra_body={"temperature": 0.25, "top_p": 0.9, "top_k": 40},
    )
    sent = json.loads(standin.requests[-1].body)
    assert (sent["temperature"], sent["top_p"], sent["top_k"]) == (0.25, 0.9, 40)
    a = dict(tracing.one().attributes)
    assert {k: v for k, v in a.items() if k.startswith("gen_ai.request.") or k == "gen_ai.output.type"} == {
        "gen_ai.request.model": "claude-sonnet-4-20250514",
        "gen_ai.request.stream": False,
        "gen_ai.request.max_tokens": 321,
        "gen_ai.request.temperature": 0.25,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.top_k": 40.0,
        "gen_ai.request.stop_sequences": ("\n\nHuman:", "END"),
        "gen_ai.output.type": "json",
    }


def test_request_parameters_left_out_are_absent(tracing, standin) -> None:
    make_client(standin, "messages_basic").messages.create(
        model="claude-sonnet-4-20250514", max_tokens=5, messages=[{"role": "user", "content": "hi"}], stop_sequences=[]
    )
    a = dict(tracing.one().attributes)
    assert not {"gen_ai.request.temperature", "gen_ai.request.top_p", "gen_ai.request.top_k",
                "gen_ai.request.stop_sequences", "gen_ai.output.type"} & set(a)
