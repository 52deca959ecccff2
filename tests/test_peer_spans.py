"""Spans written by other instrumentations convert to the same records as ours.

``tests/peers/<peer>.jsonl`` hold what OpenLLMetry, OpenInference, the official
``opentelemetry-instrumentation-openai-v2`` and the ``anthropic`` SDK's own tracing really emitted
for the recorded fixtures (``tests/peers/regenerate.py``, run in each peer's own environment; see
``tests/peers/README.md``). Here the same calls run under our instrumentation against the same
stand-in, and every peer's record of a case must state the same facts as ours: model, provider,
prompt / completion tokens (prompt inclusive of cache reads and writes), cache reads, 5-minute and
1-hour cache writes, cost, status, whether it streamed, the finish reason (normalized and native),
and the captured content (``messages`` / ``response``).

Where a peer does not report a fact, or reports it wrongly, ``DEVIATIONS`` holds what the
converter then documents (``docs/payload.md``, "Spans from other instrumentations"), written out
by hand with the arithmetic, so a change in either the peer data or the converter shows up here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from otel_llmlog.records.calls import CallView, call_views
from otel_llmlog.records.generation import generation_of
from otel_llmlog.records.live import from_readable_spans
from otel_llmlog.records.reading import read_path
from otel_llmlog.records.spans import SpanData
from otel_llmlog.records.standard import payload_of
from otel_llmlog.testing.standin import StandIn

from .conftest import Tracing
from .peers.regenerate import CASE_SCOPE, CASES, PEERS, run_case

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PEER_DIR = Path(__file__).parent / "peers"

Facts = dict[str, Any]

#: what each peer's record says differently from ours, per case, and why (docs/payload.md)
DEVIATIONS: dict[str, dict[str, Facts]] = {
    "openllmetry": {
        # No 5-minute / 1-hour split: the write is priced at the 5-minute rate (the price table's
        # default for an unsplit write): 17*3 + 2056*3.75 + 100*15 = 9261 micro-dollars.
        "messages_prompt_cache_write_1h": {"write_5m": 2056, "write_1h": 0, "cost": 0.009261},
        # Peer bug: its Anthropic stream accumulator adds message_start's output_tokens (1) to
        # message_delta's, which is already the running total: one output token too many.
        "messages_streaming": {"completion": 10, "cost": 0.000207},  # 19*3 + 10*15
        "messages_streaming_prompt_cache_write": {"completion": 101, "cost": 0.00543525},  # 18*3 + 1031*3.75 + 101*15
        "messages_streaming_prompt_cache_read": {"completion": 101, "cost": 0.0018573},  # 11*3 + 1031*0.3 + 101*15
    },
    "openinference": {
        "messages_prompt_cache_write_1h": {"write_5m": 2056, "write_1h": 0, "cost": 0.009261},  # as above
        # no llm.finish_reason on Responses API spans
        "responses_basic": {"finish": None, "native_finish": None},
        "responses_streaming": {"finish": None, "native_finish": None},
    },
    "otel-v2": {
        # No cache-read count at all (v1.30 conventions): every prompt token priced uncached.
        "chat_completion_prompt_cache_hit": {"cache_read": 0, "cost": 0.00405},  # 1220*2.5 + 100*10
        # ... and nothing says a call streamed (no stream flag, no first-chunk time), nor how it finished
        "chat_completion_streaming_prompt_cache_hit": {
            "cache_read": 0, "cost": 0.00455, "streamed": False, "finish": None, "native_finish": None,  # 1420*2.5 + 100*10
        },
        "chat_completion_streaming_include_usage": {"streamed": False, "finish": None, "native_finish": None},
    },
    "anthropic-sdk": {},
}

#: cases a peer makes no LLM span for (it does not instrument that API)
NOT_TRACED: dict[str, frozenset[str]] = {
    "otel-v2": frozenset({"responses_basic", "responses_streaming"}),
}
#: peers that write only the normalized finish reason: the record's native one is that value
#: (``stop`` where ours says ``end_turn``, ``tool_call`` where ours says ``tool_calls``)
NATIVE_FINISH_NOT_KEPT = frozenset({"openllmetry"})


def expected(peer: str, case: str, ours: dict[str, Facts]) -> Facts:
    """Our facts of a case, with the peer's documented deviations applied."""
    want = {**ours[case], **DEVIATIONS[peer].get(case, {})}
    if peer in NATIVE_FINISH_NOT_KEPT:
        want["native_finish"] = want["finish"]
    return want


def facts(view: CallView) -> Facts:
    """The facts compared: what a log store or cost report built on the records would show."""
    payload, generation = payload_of(view), generation_of(view)
    details = generation.model_dump()["nativeTokens"]["prompt_tokens_details"] if generation.nativeTokens else {}
    assert payload.model_map_information.model_map_key.startswith(f"{view.provider}/")
    return {
        "model": payload.model,
        "provider": view.provider,
        "prompt": payload.prompt_tokens,
        "completion": payload.completion_tokens,
        "cache_read": details.get("cached_tokens"),
        "write_5m": details.get("ephemeral_5m_input_tokens"),
        "write_1h": details.get("ephemeral_1h_input_tokens"),
        "cost": payload.response_cost,
        "status": payload.status,
        "streamed": generation.streamed,
        "finish": generation.finishReason,
        "native_finish": generation.nativeFinishReason,
    }


def content(view: CallView) -> Facts:
    """The captured content of a call, as the standard payload carries it."""
    payload = payload_of(view)
    return {"messages": payload.messages, "response": payload.response}


def by_case(spans: list[SpanData]) -> dict[str, CallView]:
    """Each LLM call keyed by the case its trace belongs to (the root span's name); one call per case."""
    case_of = {s.trace_id: s.name for s in spans if s.scope_name == CASE_SCOPE}
    views: dict[str, CallView] = {}
    for view in call_views(spans):
        case = case_of[view.span.trace_id]
        assert case not in views, f"two LLM calls in {case}"
        views[case] = view
    return views


@pytest.fixture(scope="module")
def our_views(standin: StandIn) -> Iterator[dict[str, CallView]]:
    """Our instrumentation's call of every case (content captured), from the same calls the peers
    were recorded with."""
    tracing = Tracing(capture=True)
    tracer = tracing.provider.get_tracer(CASE_SCOPE)
    try:
        for case in CASES:
            with tracer.start_as_current_span(case.name):
                run_case(case, standin.base_url(case.name))
        yield by_case(from_readable_spans(tracing.spans()))
    finally:
        tracing.close()


@pytest.fixture(scope="module")
def ours(our_views: dict[str, CallView]) -> dict[str, Facts]:
    return {case: facts(view) for case, view in our_views.items()}


def test_ours_cover_every_case(ours: dict[str, Facts]) -> None:
    assert set(ours) == {c.name for c in CASES}
    # the numbers other tests pin, as a check that the shared calls drive the intended recordings
    assert ours["messages_prompt_cache_write_1h"] == {
        "model": "claude-sonnet-4-20250514", "provider": "anthropic", "prompt": 2073, "completion": 100,
        "cache_read": 0, "write_5m": 0, "write_1h": 2056, "cost": 0.013887, "status": "success", "streamed": False,
        "finish": "length", "native_finish": "max_tokens",
    }
    assert ours["chat_completion_streaming_prompt_cache_hit"]["cost"] == 0.00295  # 140*2.5 + 1280*1.25 + 100*10
    assert (ours["chat_completion_tool_calls"]["finish"], ours["chat_completion_tool_calls"]["native_finish"]) == ("tool_call", "tool_calls")
    assert (ours["messages_tool_use"]["finish"], ours["messages_tool_use"]["native_finish"]) == ("tool_call", "tool_use")


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_file_is_what_regenerate_writes(peer: str) -> None:
    """One trace per case the peer covers, rooted at the case span; nothing else in the file."""
    spans = list(read_path(PEER_DIR / f"{peer}.jsonl"))
    roots = [s for s in spans if s.parent_span_id is None]
    assert all(s.scope_name == CASE_SCOPE for s in roots)
    covered = [c.name for c in CASES if c.provider in PEERS[peer].providers]
    assert [s.name for s in roots] == covered
    assert (PEER_DIR / f"{peer}.jsonl").stat().st_size < 300_000


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_records_state_our_facts(peer: str, ours: dict[str, Facts]) -> None:
    views = by_case(list(read_path(PEER_DIR / f"{peer}.jsonl")))
    covered = {c.name for c in CASES if c.provider in PEERS[peer].providers}
    assert set(views) == covered - NOT_TRACED.get(peer, frozenset())
    got = {case: facts(view) for case, view in views.items()}
    assert got == {case: expected(peer, case, ours) for case in views}


#: the attribute each peer puts the input-token count of a call in
INPUT_ATTRIBUTE = {
    "openllmetry": "gen_ai.usage.input_tokens",
    "openinference": "llm.token_count.prompt",
    "otel-v2": "gen_ai.usage.input_tokens",
    "anthropic-sdk": "gen_ai.usage.input_tokens",
}
#: Anthropic's raw ``input_tokens`` (exclusive of the cache) in the recordings with cache traffic
ANTHROPIC_RAW_INPUT = {
    "messages_prompt_cache_write_5m": 2,
    "messages_prompt_cache_write_1h": 17,
    "messages_prompt_cache_read": 2,
    "messages_streaming_prompt_cache_write": 18,
    "messages_streaming_prompt_cache_read": 11,
}


@pytest.mark.parametrize("peer", sorted(p for p in PEERS if "anthropic" in PEERS[p].providers))
def test_peers_write_anthropic_input_tokens_inclusive(peer: str, ours: dict[str, Facts]) -> None:
    """Measured, not assumed: every peer already adds cache reads and writes to Anthropic's
    ``input_tokens``, so its number is ours, and not the raw one of the response."""
    views = by_case(list(read_path(PEER_DIR / f"{peer}.jsonl")))
    written = {case: views[case].attrs[INPUT_ATTRIBUTE[peer]] for case in ANTHROPIC_RAW_INPUT}
    assert written == {case: ours[case]["prompt"] for case in ANTHROPIC_RAW_INPUT}
    assert all(written[case] > raw for case, raw in ANTHROPIC_RAW_INPUT.items())


@pytest.mark.parametrize("peer", sorted(p for p in PEERS if "anthropic" in PEERS[p].providers))
def test_exclusive_anthropic_input_tokens_are_made_inclusive(peer: str, ours: dict[str, Facts]) -> None:
    """A producer that passes Anthropic's raw, exclusive count through (older releases) converts
    to the same prompt tokens and cost: the count is below its own cached part, so it cannot be
    inclusive, and the converter adds the cache reads and writes."""
    spans = list(read_path(PEER_DIR / f"{peer}.jsonl"))
    for span in spans:
        if INPUT_ATTRIBUTE[peer] in span.attributes:
            case = next(s.name for s in spans if s.trace_id == span.trace_id and s.scope_name == CASE_SCOPE)
            span.attributes[INPUT_ATTRIBUTE[peer]] = ANTHROPIC_RAW_INPUT.get(case, span.attributes[INPUT_ATTRIBUTE[peer]])
    views = by_case(spans)
    got = {case: facts(views[case]) for case in ANTHROPIC_RAW_INPUT}
    assert got == {case: expected(peer, case, ours) for case in ANTHROPIC_RAW_INPUT}


#: streamed cases whose time to first token the peer recorded (an attribute or a first-chunk event)
FIRST_CHUNK_KNOWN = {
    "openllmetry": {"chat_completion_streaming_include_usage", "chat_completion_streaming_prompt_cache_hit"},
    "openinference": {"chat_completion_streaming_include_usage", "chat_completion_streaming_prompt_cache_hit", "responses_streaming"},
    "otel-v2": set(),
    "anthropic-sdk": {"messages_streaming", "messages_streaming_prompt_cache_write", "messages_streaming_prompt_cache_read"},
}


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_stream_timing(peer: str) -> None:
    """``response_time`` is the time to first token where the peer recorded it, inside the call;
    else the whole call, as for a call that did not stream."""
    views = by_case(list(read_path(PEER_DIR / f"{peer}.jsonl")))
    assert {case for case, view in views.items() if view.ttfc is not None} == FIRST_CHUNK_KNOWN[peer]
    for case, view in views.items():
        payload = payload_of(view)
        if view.ttfc is not None:
            assert view.stream and 0 < payload.response_time < view.duration, case
            assert payload.completionStartTime == pytest.approx(payload.startTime + view.ttfc, abs=1e-6)
        else:
            assert payload.response_time == pytest.approx(view.duration, abs=1e-9), case


#: the attribute each peer writes a call's finish reason in, and its value for the tool-call cases
FINISH_ATTRIBUTE: dict[str, tuple[str, dict[str, Any]]] = {
    "openllmetry": ("gen_ai.response.finish_reasons", {"chat_completion_tool_calls": ["tool_call"], "messages_tool_use": ["tool_call"]}),
    "openinference": ("llm.finish_reason", {"chat_completion_tool_calls": "tool_calls", "messages_tool_use": "tool_use"}),
    "otel-v2": ("gen_ai.response.finish_reasons", {"chat_completion_tool_calls": ["tool_calls"]}),
    "anthropic-sdk": ("anthropic.message.stop_reason", {"messages_tool_use": "tool_use"}),
}


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_finish_reasons_are_normalized(peer: str) -> None:
    """Each peer's own name is read, and its native value normalized by our provider tables: the
    record says ``tool_call`` whatever the peer wrote, and keeps the native value beside it."""
    views = by_case(list(read_path(PEER_DIR / f"{peer}.jsonl")))
    attribute, written = FINISH_ATTRIBUTE[peer]
    assert {case: views[case].attrs[attribute] for case in written} == written
    records = {case: generation_of(views[case]) for case in written}
    assert {case: r.finishReason for case, r in records.items()} == dict.fromkeys(written, "tool_call")
    native = {case: value[0] if isinstance(value, list) else value for case, value in written.items()}
    assert {case: r.nativeFinishReason for case, r in records.items()} == native


#: how a peer's captured content differs from ours, per case (``None``: the record has none)
CONTENT_DEVIATIONS: dict[str, dict[str, Facts]] = {
    # the rejected request (a bare string where a message belongs) is not recorded
    "openllmetry": {"messages_error_400_invalid_request": {"messages": None}},
    "openinference": {
        "messages_error_400_invalid_request": {"messages": None},
        # no finish reason on Responses spans, so the output message has none
        "responses_basic": {"response": [{"role": "assistant", "parts": [{"type": "text", "content": "This is a test."}]}]},
        "responses_streaming": {"response": [{"role": "assistant", "parts": [{"type": "text", "content": "This is a test."}]}]},
    },
    # content only in log events, never on the span
    "otel-v2": {c.name: {"messages": None, "response": None} for c in CASES if c.provider == "openai"},
    # no output messages on streams
    "anthropic-sdk": dict.fromkeys(
        ("messages_streaming", "messages_streaming_prompt_cache_write", "messages_streaming_prompt_cache_read"), {"response": None},
    ),
}


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_content_reads_as_ours(peer: str, our_views: dict[str, CallView]) -> None:
    """``messages`` / ``response`` of a peer's record are ours, message for message, in the
    conventions' shape: OpenInference's flattened ``llm.input_messages.*`` / ``llm.output_messages.*``
    included, and output messages given the span's finish reason where the peer leaves it out."""
    views = by_case(list(read_path(PEER_DIR / f"{peer}.jsonl")))
    got = {case: content(view) for case, view in views.items()}
    assert got == {case: {**content(our_views[case]), **CONTENT_DEVIATIONS[peer].get(case, {})} for case in views}


def test_openinference_flattened_messages() -> None:
    """The flattened names are what OpenInference's content came from; its Anthropic tool call,
    listed both as a content block and in ``tool_calls``, is one part."""
    views = by_case(list(read_path(PEER_DIR / "openinference.jsonl")))
    view = views["messages_tool_use"]
    assert not any(name.startswith("gen_ai.") for name in view.attrs)
    assert view.attrs["llm.output_messages.0.message.contents.0.tool_call.id"] == "toolu_01SPFDdcu8vF1EsjtoTa6cYx"
    assert view.attrs["llm.output_messages.0.message.tool_calls.0.tool_call.id"] == "toolu_01SPFDdcu8vF1EsjtoTa6cYx"
    assert content(view) == {
        "messages": [{"role": "user", "parts": [{"type": "text", "content": "What is the weather in San Francisco, CA?"}]}],
        "response": [{"role": "assistant", "finish_reason": "tool_call", "parts": [
            {"type": "tool_call", "id": "toolu_01SPFDdcu8vF1EsjtoTa6cYx", "name": "get_weather", "arguments": {"location": "San Francisco, CA"}},
        ]}],
    }


@pytest.mark.parametrize("peer", ["openllmetry", "openinference"])
def test_sdk_span_inside_a_peer_span_is_one_record(peer: str, ours: dict[str, Facts]) -> None:
    """With OpenLLMetry or OpenInference and a global tracer provider, anthropic 2.x makes its own
    call span too, a child of the peer's: one call, two LLM spans. Built from the real spans (each
    anthropic-sdk span moved under the peer's span of the same case, in its trace), the call makes
    one record, the outer span's, with the facts the peer's span gives alone."""
    spans = list(read_path(PEER_DIR / f"{peer}.jsonl"))
    outer = by_case(spans)
    sdk = by_case(list(read_path(PEER_DIR / "anthropic-sdk.jsonl")))
    inner = [
        dataclasses.replace(view.span, trace_id=outer[case].span.trace_id, parent_span_id=outer[case].span.span_id)
        for case, view in sdk.items()
    ]
    assert len(inner) == 9
    views = by_case(spans + inner)  # fails on two LLM calls in one case
    assert {case: v.span.span_id for case, v in views.items()} == {case: v.span.span_id for case, v in outer.items()}
    assert {case: facts(v) for case, v in views.items()} == {case: expected(peer, case, ours) for case in views}


def test_error_type_written_as_a_class_repr() -> None:
    """Newer ``opentelemetry-util-genai`` can write ``error.type`` as ``str(type(exc))``; the record
    names the class as the peer's plain ``NotFoundError`` does."""
    view = by_case(list(read_path(PEER_DIR / "otel-v2.jsonl")))["chat_completion_error_404_model_not_found"]
    assert view.attrs["error.type"] == "NotFoundError" and not view.span.events
    plain = payload_of(view).error_information
    view.span.attributes["error.type"] = "<class 'openai.NotFoundError'>"
    wrapped = payload_of(view).error_information
    expected_info = {"error_code": None, "error_class": "NotFoundError", "llm_provider": "openai"}
    assert plain is not None and plain.model_dump() == expected_info
    assert wrapped is not None and wrapped.model_dump() == expected_info
