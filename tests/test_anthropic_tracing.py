"""Our spans beside the anthropic SDK's own tracing: exactly one call span per call, whichever is on.

anthropic 2.x starts a span of its own (scope ``com.anthropic.sdk.python``, name
``anthropic.messages.create``) for every call whenever it gets a tracer: from the client's
``open_telemetry={"tracer_provider": ...}`` option, or from the global tracer provider once one is
registered. ``ANTHROPIC_OPEN_TELEMETRY=false`` (read when a client is constructed) or
``open_telemetry=False`` turns that off; ``propagation`` (default on) makes the SDK send the W3C
``traceparent`` of its call span with each request. See docs/anthropic-tracing.md for the decision
these tests hold us to: while otel-llmlog is instrumented and its span records, the SDK's span is
replaced by a non-recording stand-in carrying our span's context, so the SDK records nothing and
propagates our span; everywhere else the SDK's span is left alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

import otel_llmlog

from .conftest import API_KEY, FIXTURES, SYNTHETIC_FIXTURES
from .test_anthropic_replay import (
    check_span,
    collect_clients,  # noqa: F401 - autouse
    sdk_arguments,
    tracked,
)
from .test_lifecycle import logs  # noqa: F401 - autouse: no span ends twice, nothing swallowed

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SDK_SCOPE = "com.anthropic.sdk.python"
SDK_SPAN = "anthropic.messages.create"
PLAIN = "messages_prompt_cache_write_1h"  # non-streamed, 5m/1h cache split
STREAMED = "messages_thinking_tool_use_streaming"  # streamed, thinking tokens, tool call


class SdkTraces:
    """A tracer provider for the SDK's own spans only, given to clients through their option."""

    def __init__(self, **provider_options: Any) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(**provider_options)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def spans(self) -> list[Any]:
        return list(self.exporter.get_finished_spans())


@pytest.fixture
def sdk_traces() -> Iterator[SdkTraces]:
    traces = SdkTraces()
    yield traces
    traces.provider.shutdown()


def client(standin: Any, name: str, async_: bool = False, **options: Any) -> Any:
    cls = anthropic.AsyncAnthropic if async_ else anthropic.Anthropic
    return tracked(cls(api_key=API_KEY, base_url=standin.base_url(name), max_retries=0, **options))


def call(c: Any, name: str, async_: bool) -> None:
    """The recorded call of ``name``, its stream (if any) read to the end."""
    body, beta = sdk_arguments(name)
    messages = c.beta.messages if beta else c.messages

    async def go() -> None:
        result = await messages.create(**body)
        if body.get("stream"):
            _ = [e async for e in result]

    if async_:
        asyncio.run(go())
    else:
        result = messages.create(**body)
        if body.get("stream"):
            list(result)


def traceparent(standin: Any) -> str | None:
    return standin.requests[-1].headers.get("traceparent")


def w3c(span: Any) -> str:
    """The traceparent that carries ``span``'s context (version 00, sampled)."""
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


# --- 1. the SDK's tracing on, through the client option: ours is the one span ---


@pytest.mark.parametrize("name", [PLAIN, STREAMED])
@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_sdk_tracer_provider_option(name: str, async_: bool, tracing, sdk_traces, standin) -> None:
    c = client(standin, name, async_, open_telemetry={"tracer_provider": sdk_traces.provider})
    call(c, name, async_)
    assert sdk_traces.spans() == []  # no second call span
    span = tracing.one()
    check_span(span, name)  # and ours carries everything, exactly as without the SDK's tracing
    assert span.parent is None
    # the SDK still propagates, with our span as the parent of whatever the server does
    assert traceparent(standin) == w3c(span)


def test_sdk_propagation_off(tracing, sdk_traces, standin) -> None:
    c = client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider, "propagation": False})
    call(c, PLAIN, False)
    assert sdk_traces.spans() == []
    check_span(tracing.one(), PLAIN)
    assert traceparent(standin) is None  # off stays off: we add no header of our own


def test_sdk_stream_helper(tracing, sdk_traces, standin) -> None:
    body, _ = sdk_arguments("messages_streaming")
    del body["stream"]
    c = client(standin, "messages_streaming", open_telemetry={"tracer_provider": sdk_traces.provider})
    with c.messages.stream(**body) as stream:
        assert stream.get_final_text() == "Four plus five equals nine."
    assert sdk_traces.spans() == []
    check_span(tracing.one(), "messages_streaming")
    assert traceparent(standin) == w3c(tracing.one())


@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_sdk_tracing_on_failed_call(async_: bool, tracing, sdk_traces, standin) -> None:
    name = "messages_error_401_authentication"
    c = client(standin, name, async_, open_telemetry={"tracer_provider": sdk_traces.provider})
    with pytest.raises(anthropic.AuthenticationError):
        call(c, name, async_)
    assert sdk_traces.spans() == []
    span = tracing.one()
    assert span.attributes["error.type"] == "401"
    assert traceparent(standin) == w3c(span)


def test_sdk_tracing_on_error_event(tracing, sdk_traces, standin) -> None:
    body, _ = sdk_arguments("messages_streaming")
    c = client(standin, "messages_streaming_error_event", open_telemetry={"tracer_provider": sdk_traces.provider})
    with pytest.raises(anthropic.APIStatusError):
        list(c.messages.create(**body))
    assert sdk_traces.spans() == []
    assert tracing.one().attributes["error.type"] == "overloaded_error"


def test_conversation_id_option_reaches_our_span(tracing, sdk_traces, standin) -> None:
    """The client's ``conversation_id`` was on the SDK's span; with that span gone it is on ours."""
    c = client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider, "conversation_id": "conv_42"})
    call(c, PLAIN, False)
    check_span(tracing.one(), PLAIN, {"gen_ai.conversation.id": "conv_42"})
    tracing.exporter.clear()
    # a request group's session id is the caller's own word for this call, and wins
    with otel_llmlog.trace("answer", session_id="session-7"):
        call(c, PLAIN, False)
    (ours,) = [s for s in tracing.spans() if s.name.startswith("chat ")]
    assert ours.attributes["gen_ai.conversation.id"] == "session-7"
    assert sdk_traces.spans() == []


def test_same_facts_as_the_sdk_span(tracing, sdk_traces, standin) -> None:
    """Everything the SDK's own span says about a call, ours says too, under its own names where they differ."""
    for name in (PLAIN, STREAMED, "messages_prompt_cache_write_5m", "messages_basic"):
        otel_llmlog.uninstrument()
        call(client(standin, name, open_telemetry={"tracer_provider": sdk_traces.provider}), name, False)
        (theirs,) = sdk_traces.spans()
        otel_llmlog.instrument(tracer_provider=tracing.provider, meter_provider=tracing.meter_provider, capture_content=False)
        call(client(standin, name, open_telemetry={"tracer_provider": sdk_traces.provider}), name, False)
        ours = dict(tracing.one().attributes)
        sdk = dict(theirs.attributes)
        assert theirs.instrumentation_scope.name == SDK_SCOPE
        renamed = {
            "anthropic.request.id": "llmlog.provider.request_id",
            "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": "llmlog.usage.cache_write_5m.input_tokens",
            "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": "llmlog.usage.cache_write_1h.input_tokens",
        }
        # the SDK measures its time to first chunk at the first content delta, we at the first event
        timing = {"gen_ai.response.time_to_first_chunk"}
        shared = {k for k in sdk if (k.startswith("gen_ai.") or k.startswith("server.") or k.startswith("http.response")) and k not in timing}
        assert {k: ours[k] for k in shared} == {k: sdk[k] for k in shared}, name
        for k, v in renamed.items():
            if str(sdk[k]).startswith("req_standin"):  # no recorded id: the stand-in made one per request
                assert ours[v].startswith("req_standin")
            else:
                assert ours[v] == sdk[k], k
        assert ours["llmlog.response.native_finish_reasons"] == (sdk["anthropic.message.stop_reason"],)
        sdk_traces.exporter.clear()
        tracing.exporter.clear()


# --- 2. the SDK's tracing off, or without a tracer provider ---


def test_sdk_tracing_off_by_environment(tracing, standin, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "false")
    c = client(standin, PLAIN)  # the variable is read here, at construction
    monkeypatch.delenv("ANTHROPIC_OPEN_TELEMETRY")
    assert c.open_telemetry["traces"]["enabled"] is False
    call(c, PLAIN, False)
    check_span(tracing.one(), PLAIN)
    assert traceparent(standin) is None  # the SDK propagates only with its tracing on; we add nothing


def test_sdk_tracing_off_by_option(tracing, standin) -> None:
    call(client(standin, STREAMED, open_telemetry=False), STREAMED, False)
    check_span(tracing.one(), STREAMED)
    assert traceparent(standin) is None


def test_no_tracer_provider_for_the_sdk(tracing, standin) -> None:
    """The default: no global provider is registered in this process, so the SDK's tracer is a no-op
    one, whose span is our span's context - the same header as when ours stands in for it."""
    c = client(standin, PLAIN)
    assert c.open_telemetry["traces"]["enabled"] is True
    call(c, PLAIN, False)
    check_span(tracing.one(), PLAIN)
    assert traceparent(standin) == w3c(tracing.one())


# --- 3. no call lost: where ours is absent, the SDK's span stays ---


def test_uninstrumented_sdk_span_is_back(tracing, sdk_traces, standin) -> None:
    otel_llmlog.uninstrument()
    import anthropic._base_client as base

    assert not hasattr(base.start_api_call_span, "__wrapped__")  # restored to the SDK's own function
    c = client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider})
    call(c, PLAIN, False)
    (theirs,) = sdk_traces.spans()
    assert theirs.name == SDK_SPAN
    assert theirs.attributes["gen_ai.usage.input_tokens"] == 2073
    assert traceparent(standin) == w3c(theirs)
    assert tracing.spans() == []
    otel_llmlog.instrument(tracer_provider=tracing.provider, meter_provider=tracing.meter_provider, capture_content=False)
    assert hasattr(base.start_api_call_span, "__wrapped__")
    call(c, PLAIN, False)
    assert len(sdk_traces.spans()) == 1
    check_span(tracing.one(), PLAIN)


def test_our_span_not_recording_keeps_the_sdk_span(tracing, standin) -> None:
    """Not recorded on our side (sampled out, or a no-op provider) while the SDK records whatever
    its parent says: the SDK's span is the call's only record, so it is not replaced."""
    otel_llmlog.uninstrument()
    sampled_out = TracerProvider(sampler=ALWAYS_OFF)
    otel_llmlog.instrument(tracer_provider=sampled_out, capture_content=False)
    sdk_traces = SdkTraces(sampler=ALWAYS_ON)  # with the default (parent-based) it would follow ours: dropped
    try:
        call(client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider}), PLAIN, False)
        (theirs,) = sdk_traces.spans()
        assert theirs.name == SDK_SPAN
        assert theirs.attributes["gen_ai.usage.input_tokens"] == 2073
    finally:
        otel_llmlog.uninstrument()
        otel_llmlog.instrument(tracer_provider=tracing.provider, meter_provider=tracing.meter_provider, capture_content=False)
        sampled_out.shutdown()
        sdk_traces.provider.shutdown()
    assert tracing.spans() == []


def test_endpoint_we_do_not_cover_keeps_the_sdk_span(tracing, sdk_traces, standin) -> None:
    """``count_tokens`` is no LLM call of ours; the SDK's span for it stays (the stand-in answers 404)."""
    c = client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider})
    with pytest.raises(anthropic.NotFoundError):
        c.messages.count_tokens(model="claude-sonnet-4-20250514", messages=[{"role": "user", "content": "hi"}])
    assert tracing.spans() == []
    (theirs,) = sdk_traces.spans()
    assert theirs.name == "anthropic.messages.count_tokens"


def test_instrumentation_suppressed_keeps_the_sdk_span(tracing, sdk_traces, standin) -> None:
    from opentelemetry import context
    from opentelemetry.instrumentation.utils import _SUPPRESS_INSTRUMENTATION_KEY

    token = context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        call(client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider}), PLAIN, False)
    finally:
        context.detach(token)
    assert tracing.spans() == []
    assert [s.name for s in sdk_traces.spans()] == [SDK_SPAN]


# --- 4. a global tracer provider (set once per process: in a child process) ---

GLOBAL_SCRIPT = textwrap.dedent('''
    import asyncio, json, sys, warnings
    warnings.simplefilter("ignore")
    import anthropic
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    import otel_llmlog
    from otel_llmlog.testing.standin import StandIn

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    otel_llmlog.instrument(capture_content=False)  # our spans go to the global provider too

    def run(standin, label):
        out = []
        def note(what):
            spans = exporter.get_finished_spans()
            exporter.clear()
            out.append({
                "label": label, "call": what,
                "spans": [[s.name, s.instrumentation_scope.name, s.parent is not None,
                           "%032x-%016x" % (s.context.trace_id, s.context.span_id),
                           s.attributes.get("gen_ai.usage.input_tokens")] for s in spans],
                "traceparent": standin.requests[-1].headers.get("traceparent"),
            })
        c = anthropic.Anthropic(api_key="sk-test-0123456789abcdefghijklmnop", base_url=standin.base_url("messages_basic"), max_retries=0)
        c.messages.create(model="claude-sonnet-4-20250514", max_tokens=1000, messages=[{"role": "user", "content": "What is four plus five?"}])
        note("create")
        s = anthropic.Anthropic(api_key="sk-test-0123456789abcdefghijklmnop", base_url=standin.base_url("messages_streaming"), max_retries=0)
        with s.messages.stream(model="claude-sonnet-4-20250514", max_tokens=1000, messages=[{"role": "user", "content": "hi"}]) as st:
            st.until_done()
        note("stream")
        a = anthropic.AsyncAnthropic(api_key="sk-test-0123456789abcdefghijklmnop", base_url=standin.base_url("messages_basic"), max_retries=0)
        asyncio.run(a.messages.create(model="claude-sonnet-4-20250514", max_tokens=1000, messages=[{"role": "user", "content": "hi"}]))
        note("async create")
        try:
            c.messages.count_tokens(model="claude-sonnet-4-20250514", messages=[{"role": "user", "content": "hi"}])
        except anthropic.NotFoundError:
            pass
        note("count_tokens")
        return out

    with StandIn(sys.argv[1:]).start() as standin:
        result = run(standin, "instrumented")
        otel_llmlog.uninstrument()
        result += run(standin, "uninstrumented")
    print(json.dumps(result))
''')


def test_global_tracer_provider_in_a_child_process() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_OPEN_TELEMETRY", "OTEL_"))}
    done = subprocess.run(
        [sys.executable, "-c", GLOBAL_SCRIPT, str(FIXTURES), str(SYNTHETIC_FIXTURES)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    results = {(r["label"], r["call"]): r for r in json.loads(done.stdout)}
    for what in ("create", "stream", "async create"):
        r = results[("instrumented", what)]
        (span,) = r["spans"]  # one call span, ours, though the SDK had a recording tracer
        name, scope, has_parent, ids, input_tokens = span
        assert (name, scope, has_parent, input_tokens) == ("chat claude-sonnet-4-20250514", "otel_llmlog", False, 19)
        assert r["traceparent"] is not None and r["traceparent"][3:-3] == ids  # propagated: our span
        theirs = results[("uninstrumented", what)]
        (span,) = theirs["spans"]  # without us, the SDK's own span - no call lost either way
        assert span[:3] == [SDK_SPAN, SDK_SCOPE, False]
        assert theirs["traceparent"][3:-3] == span[3]
    for label in ("instrumented", "uninstrumented"):
        (span,) = results[(label, "count_tokens")]["spans"]
        assert span[:2] == ["anthropic.messages.count_tokens", SDK_SCOPE]


def test_a_fault_in_the_stand_in_leaves_the_call_alone(tracing, sdk_traces, standin, logs, monkeypatch) -> None:  # noqa: F811
    """A failure inside our hook is logged at debug level; the SDK then makes its own span as usual."""
    from otel_llmlog.instrumentation.providers import anthropic as provider

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(provider, "_stand_in_for_sdk_span", boom)
    logs.expect_failures = True
    call(client(standin, PLAIN, open_telemetry={"tracer_provider": sdk_traces.provider}), PLAIN, False)
    check_span(tracing.one(), PLAIN)
    assert [s.name for s in sdk_traces.spans()] == [SDK_SPAN]
    (failure,) = logs.ours()
    assert failure.getMessage() == "otel-llmlog: failed to stand in for the SDK's call span"
    assert str(failure.exc_info[1]) == "injected fault"
