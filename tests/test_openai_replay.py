"""Every recorded OpenAI exchange replayed through the real SDK (sync and async) over loopback.

Each span's whole attribute set is compared with an expected snapshot written out below from
the recorded response: exact token counts, exact finish reasons, exact cost worked out here
from the per-million-token rates (genai-prices 0.2.3), in micro-dollars.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from otel_llmlog.instrumentation.hooks import api_key_sha256

from .conftest import API_KEY, cost_attributes, load_case

# Rates in USD per million tokens: (prompt, input_cache_read, completion); None = no such rate.
RATES = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.075"), Decimal("0.6")),
    "gpt-4": (Decimal("30"), None, Decimal("60")),
    "gpt-4o": (Decimal("2.5"), Decimal("1.25"), Decimal("10")),
    "gpt-5-nano": (Decimal("0.05"), Decimal("0.005"), Decimal("0.4")),
    "gpt-5.4": (Decimal("2.5"), Decimal("0.25"), Decimal("15")),
    "gpt-5": (Decimal("1.25"), Decimal("0.125"), Decimal("10")),
    "gpt-5 flex": (Decimal("0.625"), Decimal("0.0625"), Decimal("5")),  # service_tier=flex variant
    "gpt-4.1": (Decimal("2"), Decimal("0.5"), Decimal("8")),
    "text-embedding-3-small": (Decimal("0.02"), None, None),
}


def case(op, endpoint, price, resp_model, resp_id, native, finish, inp, out, cached, reasoning, *, stream=False, extra=None, cost_uusd=None):
    return dict(op=op, endpoint=endpoint, price=price, resp_model=resp_model, resp_id=resp_id, native=native, finish=finish,
                input=inp, output=out, cached=cached, reasoning=reasoning, stream=stream, extra=extra or {}, cost_uusd=cost_uusd)


# Written out from each case's response.json / response.sse. cost_uusd is the cost in micro-dollars,
# computed by hand from RATES (the test recomputes it from the fee items and checks both agree).
CASES: dict[str, dict[str, Any]] = {
    "chat_completion_basic": case(
        "chat", "chat", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q",
        ["stop"], ["stop"], 12, 5, 0, 0, extra={"openai.response.system_fingerprint": "fp_0ba0d124f1"},
        cost_uusd=Decimal("4.8"),  # 12*0.15 + 5*0.6
    ),
    "chat_completion_prompt_cache_hit": case(
        "chat", "chat", "gpt-4o", "gpt-4o-2024-08-06", "chatcmpl-BpJAaDu4TDQQAGQSrmLLVy6RWZTsy",
        ["length"], ["length"], 1220, 100, 1152, 0,
        extra={"openai.response.service_tier": "default", "openai.response.system_fingerprint": "fp_07871e2ad8", "gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1},
        cost_uusd=Decimal("2610"),  # 68*2.5 + 1152*1.25 + 100*10 = 170 + 1440 + 1000
    ),
    "chat_completion_reasoning": case(
        "chat", "chat", "gpt-5-nano", "gpt-5-nano-2025-08-07", "chatcmpl-C6DUm0Lah8z5kRsRhhtk97oh5ey0B",
        ["stop"], ["stop"], 11, 228, 0, 192, extra={"openai.response.service_tier": "default"}, cost_uusd=Decimal("91.75"),  # 11*0.05 + 36*0.4 + 192*0.4
    ),
    "chat_completion_streaming_include_usage": case(
        "chat", "chat", "gpt-4", "gpt-4-0613", "chatcmpl-ASYMZ4oSykiIFK4lXLReDiKyAjsQl",
        ["stop"], ["stop"], 12, 5, 0, 0, stream=True, cost_uusd=Decimal("660"),  # 12*30 + 5*60
    ),
    "chat_completion_streaming_multiple_choices": case(
        "chat", "chat", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-ASYMaNc7XmbGRUNREnmvhyyISBHsv",
        ["stop", "stop"], ["stop", "stop"], 26, 104, 0, 0, stream=True,
        extra={"openai.response.system_fingerprint": "fp_0ba0d124f1", "gen_ai.request.choice.count": 2}, cost_uusd=Decimal("66.3"),  # 26*0.15 + 104*0.6
    ),
    "chat_completion_streaming_prompt_cache_hit": case(
        "chat", "chat", "gpt-4o", "gpt-4o-2024-08-06", "chatcmpl-BpJBM4XqgLRpLxmTeun39ESCNhQwb",
        ["length"], ["length"], 1420, 100, 1280, 0, stream=True,
        extra={"openai.response.service_tier": "default", "openai.response.system_fingerprint": "fp_07871e2ad8", "gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1},
        cost_uusd=Decimal("2950"),  # 140*2.5 + 1280*1.25 + 100*10 = 350 + 1600 + 1000
    ),
    "chat_completion_streaming_without_usage": case(
        "chat", "chat", "gpt-4", "gpt-4-0613", "chatcmpl-ASYMZbRqo8Bkz53FVzaTj7W7feOn4",
        ["stop"], ["stop"], None, None, None, None, stream=True,
    ),
    "chat_completion_tool_calls": case(
        "chat", "chat", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-ASYMU9Ntix7ePttk0MSuerJstef6U",
        ["tool_calls"], ["tool_call"], 75, 51, 0, 0, extra={"openai.response.system_fingerprint": "fp_0ba0d124f1"}, cost_uusd=Decimal("41.85"),  # 75*0.15 + 51*0.6
    ),
    "chat_completion_tool_calls_streaming": case(
        "chat", "chat", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-ASYMbACebDoWcuraMEWQhU48q4dAp",
        ["tool_calls"], ["tool_call"], 75, 51, 0, 0, stream=True, extra={"openai.response.system_fingerprint": "fp_9b78b61c52"}, cost_uusd=Decimal("41.85"),
    ),
    "chat_completion_tool_result_followup": case(
        "chat", "chat", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-ASYMVzdmBGDbUoHFmt6R16tdtZUzR",
        ["stop"], ["stop"], 99, 25, 0, 0, extra={"openai.response.system_fingerprint": "fp_9b78b61c52"}, cost_uusd=Decimal("29.85"),  # 99*0.15 + 25*0.6
    ),
    "responses_basic": case(
        "chat", "responses", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "resp_0f4faba17dcd0f1e0069e2f3e4907881909179832ba1237025",
        ["completed"], ["stop"], 22, 6, 0, 0, extra={"openai.response.service_tier": "default"}, cost_uusd=Decimal("6.9"),  # 22*0.15 + 6*0.6
    ),
    "responses_function_call": case(
        "chat", "responses", "gpt-4.1", "gpt-4.1-2025-04-14", "resp_682f80f5bdb88191bb25ea6b93eb685f03d0b2fd90d3afa9",
        ["completed"], ["tool_call"], 75, 23, 0, 0, extra={"openai.response.service_tier": "default"}, cost_uusd=Decimal("334"),  # 75*2 + 23*8
    ),
    "responses_function_call_streaming": case(
        "chat", "responses", "gpt-4.1", "gpt-4.1-2025-04-14", "resp_682c9421a0b881918d920a1c0ad7a6250b603284be451166",
        ["completed"], ["tool_call"], 75, 23, 0, 0, stream=True, extra={"openai.response.service_tier": "default"}, cost_uusd=Decimal("334"),
    ),
    "responses_prompt_cache_hit": case(
        "chat", "responses", "gpt-4o", "gpt-4o-2024-08-06", "resp_6866ce1f61ec819c93434cbeced9b5550e67800fb44be4fd",
        ["completed"], ["stop"], 1515, 8, 1390, 0,
        extra={"openai.response.service_tier": "default", "gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1},
        cost_uusd=Decimal("2130"),  # 125*2.5 + 1390*1.25 + 8*10 = 312.5 + 1737.5 + 80
    ),
    "responses_reasoning": case(
        "chat", "responses", "gpt-5.4", "gpt-5.4-2026-03-05", "resp_05177a4994c7df3a0069e2f402f00881a1b9eda520cb779fef",
        ["completed"], ["stop"], 44, 288, 0, 9, extra={"openai.response.service_tier": "default", "gen_ai.request.max_tokens": 300},
        cost_uusd=Decimal("4430"),  # 44*2.5 + 279*15 + 9*15 = 110 + 4185 + 135
    ),
    "responses_streaming": case(
        "chat", "responses", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "resp_0415a3de5d3015560069e2f3f4b3088192949253e91aff1eb3",
        ["completed"], ["stop"], 22, 6, 0, 0, stream=True, extra={"openai.response.service_tier": "default"},
        cost_uusd=Decimal("6.9"),
    ),
    "responses_streaming_prompt_cache_hit": case(
        "chat", "responses", "gpt-4o", "gpt-4o-2024-08-06", "resp_6866cf894080819eb7bfe6d71ac9b5f60f7302bc38f74547",
        ["completed"], ["stop"], 1515, 8, 1390, 0, stream=True,
        extra={"openai.response.service_tier": "default", "gen_ai.request.max_tokens": 100, "gen_ai.request.temperature": 0.1}, cost_uusd=Decimal("2130"),
    ),
    "responses_streaming_reasoning": case(
        "chat", "responses", "gpt-5 flex", "gpt-5-2025-08-07", "resp_0050471a34b36ae60068c97b94a480819587a9d70cf2979b33",
        ["completed"], ["tool_call"], 53, 469, 0, 448, stream=True,
        extra={"openai.response.service_tier": "flex"},
        cost_uusd=Decimal("2378.125"),  # served on the flex tier: 53*0.625 + 21*5 + 448*5
    ),
    "embeddings_float": case(
        "embeddings", "embeddings", "text-embedding-3-small", "text-embedding-3-small", None,
        [], [], 8, None, None, None, extra={"gen_ai.request.encoding_formats": ("base64",), "gen_ai.embeddings.dimension.count": 512}, cost_uusd=Decimal("0.16"),  # 8*0.02
    ),
}

ERROR_CASES = {
    "chat_completion_error_404_model_not_found": ("chat", openai.NotFoundError, "404"),
    "responses_error_400_model_not_found": ("chat", openai.BadRequestError, "400"),
    "embeddings_error_404_model_not_found": ("embeddings", openai.NotFoundError, "404"),
}

REQUEST_ID_ADDED_BY_STANDIN = object()
VOLATILE = {"server.port", "llmlog.response.generation_time", "llmlog.response.throughput", "gen_ai.response.time_to_first_chunk"}


def call_sdk(client: Any, endpoint: str, body: dict[str, Any]) -> Any:
    method = {
        "chat": client.chat.completions.create,
        "responses": client.responses.create,
        "embeddings": client.embeddings.create,
    }[endpoint]
    return method(**body)


def consume_sync(result: Any, stream: bool) -> Any:
    if stream:
        return [chunk for chunk in result]
    return result


async def consume_async(result: Any, stream: bool) -> Any:
    if stream:
        return [chunk async for chunk in result]
    return result


def expected_fee_items(c: dict[str, Any]) -> tuple[list[str], list[int], list[float], list[float], Decimal]:
    prompt_rate, read_rate, out_rate = RATES[c["price"]]
    items: list[tuple[str, int, Decimal]] = []
    cached = c["cached"] or 0
    items.append(("prompt", c["input"] - (cached if read_rate is not None else 0), prompt_rate))
    if read_rate is not None:
        items.append(("input_cache_read", cached, read_rate))
    if out_rate is not None:
        if c["reasoning"]:
            items.append(("completion", c["output"] - c["reasoning"], out_rate))
            items.append(("internal_reasoning", c["reasoning"], out_rate))
        else:
            items.append(("completion", c["output"], out_rate))
    amounts = [t * r / Decimal(1_000_000) for _, t, r in items]
    return [i[0] for i in items], [i[1] for i in items], [float(i[2]) for i in items], [float(a) for a in amounts], sum(amounts, Decimal(0))


def expected_attributes(name: str, c: dict[str, Any], body: dict[str, Any], port: int) -> dict[str, Any]:
    model = body["model"]
    a: dict[str, Any] = {
        "gen_ai.operation.name": c["op"],
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        "server.address": "127.0.0.1",
        "server.port": port,
        "gen_ai.request.stream": c["stream"],
        "gen_ai.response.model": c["resp_model"],
        "http.response.status_code": 200,
        "llmlog.api_key.sha256": api_key_sha256(API_KEY),
        **c["extra"],
    }
    recorded_id = load_case("openai", name)["response"]["headers"].get("x-request-id")
    # the stand-in adds a random x-request-id where the recording has none
    a["llmlog.provider.request_id"] = recorded_id or REQUEST_ID_ADDED_BY_STANDIN
    if c["resp_id"]:
        a["gen_ai.response.id"] = c["resp_id"]
    if c["native"]:
        a["llmlog.response.native_finish_reasons"] = tuple(c["native"])
        a["gen_ai.response.finish_reasons"] = tuple(c["finish"])
    for key, attr in (("input", "gen_ai.usage.input_tokens"), ("output", "gen_ai.usage.output_tokens"),
                      ("cached", "gen_ai.usage.cache_read.input_tokens"), ("reasoning", "gen_ai.usage.reasoning.output_tokens")):
        if c[key] is not None:
            a[attr] = c[key]
    if c["stream"]:
        a["llmlog.stream.chunks"] = len([e for e in (pathlib_sse(name)) if e])
    if c["cost_uusd"] is not None:
        codes, tokens, rates, amounts, total = expected_fee_items(c)
        assert total * 1_000_000 == c["cost_uusd"], (name, total)
        a.update(cost_attributes(total, codes, tokens, rates, amounts))
    else:
        a["llmlog.cost.unknown_reason"] = "the response reported no token usage"
    return a


def pathlib_sse(name: str) -> list[str]:
    """SSE data payloads of a streaming case, without the terminal [DONE]: one chunk each."""
    from .conftest import FIXTURES

    text = (FIXTURES / "openai" / name / "response.sse").read_text()
    return [line for line in text.split("\n") if line.startswith("data: ") and line != "data: [DONE]"]


def check_span(span: Any, name: str, body: dict[str, Any]) -> None:
    c = CASES[name]
    port = span.attributes["server.port"]
    attrs = dict(span.attributes)
    expected = expected_attributes(name, c, body, port)
    if expected["llmlog.provider.request_id"] is REQUEST_ID_ADDED_BY_STANDIN:
        assert attrs["llmlog.provider.request_id"].startswith("req_")
        expected["llmlog.provider.request_id"] = attrs["llmlog.provider.request_id"]
    assert {k: v for k, v in attrs.items() if k not in VOLATILE} == {k: v for k, v in expected.items() if k not in VOLATILE}
    assert attrs["server.port"] == port
    assert span.name == f"{c['op']} {body['model']}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    gen = attrs["llmlog.response.generation_time"]
    assert gen == pytest.approx((span.end_time - span.start_time) / 1e9, abs=1e-6)
    if c["output"]:
        assert attrs["llmlog.response.throughput"] == pytest.approx(c["output"] / gen)
    else:
        assert "llmlog.response.throughput" not in attrs
    if c["stream"]:
        ttfc = attrs["gen_ai.response.time_to_first_chunk"]
        assert 0 < ttfc <= gen
    else:
        assert "gen_ai.response.time_to_first_chunk" not in attrs


@pytest.mark.parametrize("name", sorted(CASES))
def test_replay_sync(name: str, tracing, openai_client) -> None:
    c = CASES[name]
    body = load_case("openai", name)["request"]["body"]
    result = consume_sync(call_sdk(openai_client(name), c["endpoint"], body), c["stream"])
    if not c["stream"]:
        assert result.model == c["resp_model"]
    check_span(tracing.one(), name, body)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_replay_async(name: str, tracing, openai_client) -> None:
    c = CASES[name]
    body = load_case("openai", name)["request"]["body"]
    result = await consume_async(await call_sdk(openai_client(name, async_=True), c["endpoint"], body), c["stream"])
    if not c["stream"]:
        assert result.model == c["resp_model"]
    check_span(tracing.one(), name, body)


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_replay_errors(name: str, mode: str, tracing, openai_client) -> None:
    op, exc_type, status = ERROR_CASES[name]
    recorded = load_case("openai", name)
    body = recorded["request"]["body"]
    endpoint = {"/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/embeddings": "embeddings"}[recorded["request"]["path"]]
    with pytest.raises(exc_type) as info:
        if mode == "sync":
            call_sdk(openai_client(name), endpoint, body)
        else:
            asyncio.run(call_sdk(openai_client(name, async_=True), endpoint, body))
    span = tracing.one()
    attrs = dict(span.attributes)
    assert span.name == f"{op} {body['model']}"
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description.startswith(type(info.value).__qualname__)
    assert {k: v for k, v in attrs.items() if k != "server.port"} == {
        "gen_ai.operation.name": op,
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": body["model"],
        "server.address": "127.0.0.1",
        "gen_ai.request.stream": False,
        **({"gen_ai.request.encoding_formats": ("base64",)} if op == "embeddings" else {}),
        "http.response.status_code": int(status),
        "llmlog.provider.request_id": recorded["response"]["headers"]["x-request-id"],
        "llmlog.api_key.sha256": api_key_sha256(API_KEY),
        "error.type": status,
    }
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == f"openai.{type(info.value).__qualname__}"
    assert event.attributes["exception.message"] == str(info.value)
