"""Recorded Anthropic exchanges through the real SDK: tokens, cache buckets, finish reasons, cost.

Costs are worked out here by hand in micro-dollars from the per-million-token rates
(genai-prices 0.2.3): claude-sonnet-4 prompt 3 / 5m write 3.75 / 1h write 6 / read 0.3 / completion 15;
claude-opus-4-8 5 / 6.25 / 10 / 0.5 / 25; claude-haiku-4-5 1 / 1.25 / 2 / 0.1 / 5.
"""

from __future__ import annotations

import warnings
from typing import Any

import anthropic
import pytest
from opentelemetry.trace import StatusCode

from .conftest import API_KEY, load_case

# case: (response model, native finish, input incl. cache, output, cache read, cache write, 5m, 1h, reasoning, cost µ$)
CASES: dict[str, tuple[Any, ...]] = {
    "messages_basic": ("claude-sonnet-4-20250514", "end_turn", 19, 9, 0, 0, 0, 0, None, 192),  # 19*3 + 9*15
    "messages_prompt_cache_write_5m": ("claude-opus-4-8", "end_turn", 1592, 4, 0, 1590, 1590, 0, 0, 10047.5),  # 2*5 + 1590*6.25 + 4*25
    "messages_prompt_cache_read": ("claude-opus-4-8", "end_turn", 1592, 4, 1590, 0, 0, 0, 0, 905),  # 2*5 + 1590*0.5 + 4*25
    "messages_prompt_cache_write_1h": ("claude-sonnet-4-20250514", "max_tokens", 2073, 100, 0, 2056, 0, 2056, None, 13887),  # 17*3 + 2056*6 + 100*15
    # no 5m/1h breakdown in this recording: the write is priced at the default (5-minute) rate
    "messages_streaming_prompt_cache_write": ("claude-sonnet-4-20250514", "max_tokens", 1049, 100, 0, 1031, None, None, None, 5420.25),  # 18*3 + 1031*3.75 + 1500
    "messages_streaming_prompt_cache_read": ("claude-sonnet-4-20250514", "max_tokens", 1042, 100, 1031, 0, None, None, None, 1842.3),  # 11*3 + 1031*0.3 + 1500
    "messages_thinking_tool_use_streaming": ("claude-haiku-4-5-20251001", "tool_use", 598, 92, 0, 0, 0, 0, 53, 1058),  # 598*1 + 39*5 + 53*5
    "messages_streaming": ("claude-sonnet-4-20250514", "end_turn", 19, 9, 0, 0, 0, 0, None, 192),
}
NORMALIZED = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_call"}


def _client(standin, case: str, async_: bool = False):
    cls = anthropic.AsyncAnthropic if async_ else anthropic.Anthropic
    return cls(api_key=API_KEY, base_url=standin.base_url(case), max_retries=0)


def _body(case: str) -> tuple[dict[str, Any], bool]:
    req = load_case("anthropic", case)["request"]
    body = dict(req["body"])
    # anthropic 2.x no longer takes sampling parameters as arguments; they still go out in the body
    extra = {k: body.pop(k) for k in ("temperature", "top_p", "top_k") if k in body}
    if extra:
        body["extra_body"] = extra
    return body, req.get("query") == "beta=true"


def _check(span: Any, case: str) -> None:
    model, native, inp, out, read, write, w5, w1, reasoning, cost_uusd = CASES[case]
    a = dict(span.attributes)
    assert span.status.status_code is StatusCode.UNSET
    assert a["gen_ai.provider.name"] == "anthropic"
    assert a["gen_ai.response.model"] == model
    assert a["llmlog.response.native_finish_reasons"] == (native,)
    assert a["gen_ai.response.finish_reasons"] == (NORMALIZED[native],)
    got = {k: a.get(k) for k in (
        "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_write.input_tokens", "llmlog.usage.cache_write_5m.input_tokens",
        "llmlog.usage.cache_write_1h.input_tokens", "gen_ai.usage.reasoning.output_tokens")}
    assert list(got.values()) == [inp, out, read, write, w5, w1, reasoning]
    assert a["gen_ai.usage.cost.amount"] == pytest.approx(cost_uusd / 1e6, abs=1e-12)
    assert round(a["gen_ai.usage.cost.amount"] * 1e6, 6) == cost_uusd
    sent = load_case("anthropic", case)["request"]["body"]
    assert a["gen_ai.request.max_tokens"] == sent["max_tokens"]
    # sampling parameters travel via extra_body with anthropic 2.x and must still be recorded
    assert a.get("gen_ai.request.temperature") == sent.get("temperature")
    assert a.get("gen_ai.request.top_k") == sent.get("top_k")
    headers = load_case("anthropic", case)["response"]["headers"]
    # pydantic-ai recordings kept no headers; the stand-in then adds a "req_standin..." id
    assert a["llmlog.provider.request_id"] == headers.get("request-id", a["llmlog.provider.request_id"])
    assert a["llmlog.provider.request_id"].startswith("req_")


@pytest.mark.parametrize("case", sorted(CASES))
def test_anthropic_replay_sync(case: str, tracing, standin) -> None:
    body, beta = _body(case)
    client = _client(standin, case)
    messages = client.beta.messages if beta else client.messages
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if case == "messages_streaming":
            body.pop("stream", None)
            with messages.stream(**body) as stream:
                text = "".join(stream.text_stream)
            assert text
        elif body.get("stream"):
            events = list(messages.create(**body))
            assert events[-1].type == "message_stop"
        else:
            assert messages.create(**body).model == CASES[case][0]
    _check(tracing.one(), case)


@pytest.mark.parametrize("case", ["messages_basic", "messages_prompt_cache_write_1h", "messages_thinking_tool_use_streaming"])
async def test_anthropic_replay_async(case: str, tracing, standin) -> None:
    body, beta = _body(case)
    client = _client(standin, case, async_=True)
    messages = client.beta.messages if beta else client.messages
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if body.get("stream"):
            events = [e async for e in await messages.create(**body)]
            assert events[-1].type == "message_stop"
        else:
            await messages.create(**body)
    _check(tracing.one(), case)


def test_anthropic_fee_items_split_5m_and_1h(tracing, standin) -> None:
    body, _ = _body("messages_prompt_cache_write_1h")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _client(standin, "messages_prompt_cache_write_1h").messages.create(**body)
    a = dict(tracing.one().attributes)
    assert a["llmlog.cost.fee_items"] == ("prompt", "input_cache_read", "input_cache_write_5_min", "input_cache_write_1_h", "completion")
    assert a["llmlog.cost.fee_tokens"] == (17, 0, 0, 2056, 100)
    assert a["llmlog.cost.fee_rates"] == (3.0, 0.3, 3.75, 6.0, 15.0)
    assert a["llmlog.cost.fee_amounts"] == (0.000051, 0.0, 0.0, 0.012336, 0.0015)


def test_anthropic_error(tracing, standin) -> None:
    body, beta = _body("messages_error_404_not_found")
    client = _client(standin, "messages_error_404_not_found")
    with pytest.raises(anthropic.NotFoundError):
        (client.beta.messages if beta else client.messages).create(**body)
    span = tracing.one()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "404"
    assert span.attributes["gen_ai.request.model"] == "claude-sonet-4-5"
