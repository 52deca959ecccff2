"""Spans -> standard payloads and generation records: golden numbers, round trips, attachment."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import openai
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from otel_llmlog.instrumentation.hooks import api_key_sha256
from otel_llmlog.records.convert import to_generation_records, to_payloads
from otel_llmlog.records.reading import read_path
from otel_llmlog.records.spans import SpanData

from .conftest import API_KEY
from .test_groups import grouped_request

START_NS = 1_755_830_958_000_000_000  # 2025-08-22T02:49:18Z, the seed's createdAt


def golden_span(**extra: Any) -> SpanData:
    """The seed's gateway example as a span: claude-sonnet-4, 16 527 prompt + 95 completion tokens,
    streamed, first token after 2 177 ms, complete after 3 298 ms, finish reason tool_calls."""
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4",
        "gen_ai.response.model": "claude-sonnet-4",
        "gen_ai.request.stream": True,
        "gen_ai.usage.input_tokens": 16527,
        "gen_ai.usage.output_tokens": 95,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.cache_write.input_tokens": 0,
        "llmlog.usage.cache_write_5m.input_tokens": 0,
        "llmlog.usage.cache_write_1h.input_tokens": 0,
        "gen_ai.response.time_to_first_chunk": 2.177,
        "gen_ai.response.finish_reasons": ["tool_call"],
        "llmlog.response.native_finish_reasons": ["tool_use"],
        "server.address": "api.anthropic.com",
        "server.port": 443,
        **extra,
    }
    return SpanData(
        trace_id="0af7651916cd43dd8448eb211c80319c", span_id="b7ad6b7169203331", parent_span_id=None,
        name="chat claude-sonnet-4", kind="CLIENT", start_ns=START_NS, end_ns=START_NS + 3_298_000_000,
        status_code="UNSET", status_message=None, attributes=attrs, events=[], resource={}, scope_name="otel_llmlog",
        scope_version="0.1.0", source="golden",
    )


def test_golden_generation_record_matches_the_seed() -> None:
    (record,) = to_generation_records([golden_span()])
    r = record.model_dump(mode="json")
    assert r["generationTime"] == 3298
    assert r["latency"] == 2177
    assert r["throughput"] == "28.81"
    assert r["streamed"] is True and r["cancelled"] is False
    assert r["createdAt"] == "2025-08-22T02:49:18.000+00:00"
    assert r["modelSlug"] == "anthropic/claude-sonnet-4" and r["providerSlug"] == "anthropic"
    assert r["model"] == "Anthropic: Claude Sonnet 4"
    assert r["nativeFeeTokens"] == {"prompt": 16527, "input_cache_read": 0, "input_cache_write_5_min": 0,
                                    "input_cache_write_1_h": 0, "completion": 95}
    assert r["originAmount"] == r["billAmount"] == r["realAmount"] == "0.051006"
    assert r["discountAmount"] == r["nonpaymentAmount"] == "0"
    details = {d["feeItemCode"]: d for d in r["ratingResponses"]["ratingDetails"]}
    assert details["prompt"]["originAmount"] == 0.049581 and details["prompt"]["rate"] == 3
    assert details["completion"]["originAmount"] == 0.001425 and details["completion"]["rate"] == 15
    assert details["input_cache_read"]["rate"] == 0.3
    assert details["input_cache_write_5_min"]["rate"] == 3.75 and details["input_cache_write_1_h"]["rate"] == 6
    assert r["ratingResponses"]["originAmount"] == 0.051006
    assert r["nativeTokens"] == {
        "completion_tokens": 95, "prompt_tokens": 16527, "total_tokens": 16622,
        "completion_tokens_details": {"reasoning_tokens": 0},
        "prompt_tokens_details": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0, "cached_tokens": 0},
    }
    assert r["finishReason"] == "tool_call" and r["nativeFinishReason"] == "tool_use"
    assert r["requestRetryTimes"] == 0 and r["finalRetry"] is True


def test_golden_standard_payload() -> None:
    (p,) = to_payloads([golden_span()])
    assert p.response_cost == 0.051006
    assert p.response_cost_failure_debug_info is None
    assert (p.prompt_tokens, p.completion_tokens, p.total_tokens) == (16527, 95, 16622)
    assert p.startTime == START_NS / 1e9 and p.endTime == pytest.approx(START_NS / 1e9 + 3.298, abs=1e-6)
    assert p.completionStartTime == pytest.approx(START_NS / 1e9 + 2.177)
    assert p.response_time == 2.177  # streamed: time to first token
    assert p.status == "success"
    assert p.api_base == "https://api.anthropic.com"
    assert p.hidden_params.response_cost == "0.051006"
    assert p.model_map_information.model_map_key == "anthropic/claude-sonnet-4"
    assert p.model_map_information.model_map_value.input_cost_per_token == 3e-06


def test_span_cost_wins_over_the_table_and_unknown_price_is_not_zero() -> None:
    (own,) = to_payloads([golden_span(**{"gen_ai.usage.cost.amount": 0.5, "llmlog.cost.fee_items": ["prompt"],
                                        "llmlog.cost.fee_tokens": [16527], "llmlog.cost.fee_rates": [30.25],
                                        "llmlog.cost.fee_amounts": [0.5]})])
    assert own.response_cost == 0.5
    (unknown,) = to_payloads([golden_span(**{"gen_ai.request.model": "house-model", "gen_ai.response.model": "house-model"})])
    assert unknown.response_cost is None
    assert unknown.response_cost_failure_debug_info.model == "house-model"
    assert "no price known for model 'house-model'" in unknown.response_cost_failure_debug_info.error_str
    (gen,) = to_generation_records([golden_span(**{"gen_ai.request.model": "house-model", "gen_ai.response.model": "house-model"})])
    assert gen.originAmount is None and gen.ratingResponses is None


def test_older_and_peer_attribute_names_are_read() -> None:
    old = golden_span()
    a = old.attributes
    for ours, theirs in (("gen_ai.provider.name", "gen_ai.system"), ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
                         ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")):
        a[theirs] = a.pop(ours)
    (p,) = to_payloads([old])
    assert (p.prompt_tokens, p.completion_tokens, p.response_cost) == (16527, 95, 0.051006)


def run_fixture_calls(openai_client: Any) -> None:
    c = openai_client("chat_completion_basic")
    c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say this is a test"}])
    for _ in openai_client("chat_completion_streaming_prompt_cache_hit").chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "q"}], max_tokens=100, temperature=0.1,
            stream=True, stream_options={"include_usage": True}):
        pass
    with pytest.raises(openai.NotFoundError):
        openai_client("chat_completion_error_404_model_not_found").chat.completions.create(
            model="this-model-does-not-exist", messages=[{"role": "user", "content": "q"}])


def test_round_trip_through_otlp_files(tracing_content, openai_client, tmp_path: Path) -> None:
    run_fixture_calls(openai_client)
    live = tracing_content.spans()
    expected = [p.model_dump(mode="json") for p in to_payloads(live)]
    assert [p["model"] for p in expected] == ["gpt-4o-mini", "gpt-4o", "this-model-does-not-exist"]
    request = encode_spans(live)
    json_lines = tmp_path / "traces.jsonl"
    json_lines.write_text(json.dumps(MessageToDict(request)) + "\n")
    proto = tmp_path / "traces.pb"
    proto.write_bytes(request.SerializeToString())
    for path in (json_lines, proto):
        got = [p.model_dump(mode="json") for p in to_payloads(read_path(path))]
        assert got == expected, path.name
    gens = [g.model_dump(mode="json") for g in to_generation_records(read_path(json_lines))]
    assert gens == [g.model_dump(mode="json") for g in to_generation_records(live)]


def test_payload_fields_of_success_stream_and_failure(tracing_content, openai_client) -> None:
    run_fixture_calls(openai_client)
    basic, cached, failed = to_payloads(tracing_content.spans())
    assert basic.response_cost == 4.8e-06 and basic.status == "success"
    assert basic.messages == [{"role": "user", "parts": [{"type": "text", "content": "Say this is a test"}]}]
    assert basic.response == [{"role": "assistant", "parts": [{"type": "text", "content": "This is a test."}], "finish_reason": "stop"}]
    assert basic.metadata.user_api_key_hash == api_key_sha256(API_KEY)
    assert basic.response_time == pytest.approx(basic.endTime - basic.startTime, abs=1e-6)
    # streamed: response_time is the first-token time and completionStartTime lies inside the call
    assert cached.prompt_tokens == 1420 and cached.completion_tokens == 100
    assert cached.startTime < cached.completionStartTime <= cached.endTime
    assert cached.response_time == pytest.approx(cached.completionStartTime - cached.startTime, abs=1e-6)
    # prompt-cache savings: 1280 read tokens at 2.5 - 1.25 dollars per million
    assert cached.saved_cache_cost == 0.0016
    assert cached.model_parameters == {"max_tokens": 100, "temperature": 0.1, "stream": True}
    assert failed.status == "failure"
    assert failed.error_information.model_dump() == {"error_code": "404", "error_class": "NotFoundError", "llm_provider": "openai"}
    assert failed.error_str.startswith("Error code: 404")
    assert failed.response_cost is None
    assert failed.response_cost_failure_debug_info.error_str == "the call failed; failed calls are not billed"


def test_grouped_request_attaches_guardrails_and_searches(tracing, openai_client) -> None:
    asyncio.run(grouped_request(openai_client))
    payloads = to_payloads(tracing.spans())
    assert len(payloads) == 3
    assert len({p.trace_id for p in payloads}) == 1
    for p in payloads:
        assert p.end_user == "user-7"
        assert p.request_tags == ["rag", "beta"]
        assert p.metadata.requester_metadata == {"tenant": "acme", "tier": "gold"}
        (search,) = p.metadata.vector_store_request_metadata
        assert search.vector_store_id == "vs_synthetic_docs" and search.custom_llm_provider == "openai"
        # both the pre-call and the post-call guardrail belong to the batch; the spec keeps one: the last to run
        guard = p.metadata.guardrail_information
        assert guard.guardrail_name == "moderation" and guard.guardrail_mode == "post_call"
        assert guard.guardrail_status == "failure"
        assert guard.duration == pytest.approx(guard.end_time - guard.start_time, abs=1e-6)


def test_round_trip_through_jaeger_json(tracing_content, openai_client, tmp_path: Path) -> None:
    """Jaeger keeps start and duration in whole microseconds (each truncated on its own, so an end
    time can move by up to 2 µs, plus float rounding of epoch seconds); every other field identical."""
    from .test_readers import to_jaeger

    run_fixture_calls(openai_client)
    live = tracing_content.spans()
    path = tmp_path / "jaeger.json"
    path.write_text(json.dumps(to_jaeger(live)))
    times = ("startTime", "endTime", "completionStartTime", "response_time")
    expected = [p.model_dump(mode="json") for p in to_payloads(live)]
    got = [p.model_dump(mode="json") for p in to_payloads(read_path(path))]
    assert len(got) == len(expected) == 3
    for g, e in zip(got, expected, strict=True):
        for key in times:
            assert g.pop(key) == pytest.approx(e.pop(key), abs=3e-6), key
        assert g == e


def test_a_call_span_inside_a_span_of_the_same_call_is_not_a_second_record() -> None:
    """One record per call: an LLM span whose nearest LLM ancestor has the same provider is a
    second instrumentation of that call (docs/payload.md, "One record per call"); the outermost
    stays, and a guardrail under the inner span belongs to it. A call of another provider inside
    an LLM span is a call of its own."""
    outer = golden_span()
    inner = golden_span()
    inner.span_id, inner.parent_span_id = "00000000000000a1", outer.span_id
    guard = golden_span()
    guard.span_id, guard.parent_span_id = "00000000000000a2", inner.span_id
    guard.attributes = {"gen_ai.operation.name": "apply_guardrail", "gen_ai.guardrail.name": "pii"}
    (record,) = to_payloads([outer, inner, guard])
    assert record.id == outer.span_id
    assert record.metadata.guardrail_information is not None
    assert record.metadata.guardrail_information.guardrail_name == "pii"
    inner.attributes["gen_ai.provider.name"] = "openai"
    assert {p.id for p in to_payloads([outer, inner])} == {outer.span_id, inner.span_id}
