"""Captured Anthropic content in the OpenTelemetry GenAI message schema, to the exact JSON text.

Extended thinking (a ``thinking`` block and a ``redacted_thinking`` one) becomes ``reasoning``
parts, tool use ``tool_call`` parts with parsed arguments, a tool result sent back a ``tool``
message with a ``tool_call_response`` part; text stays ``text``. Streamed answers are rebuilt from
their deltas (``thinking_delta``, ``text_delta``, ``input_json_delta``) and must equal what the
non-streamed shape gives. Every expected structure is written out by hand from the recording.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from .test_anthropic_replay import (
    collect_clients,  # noqa: F401 - autouse
    make_client,
    messages_of,
    sdk_arguments,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

INPUT = "gen_ai.input.messages"
OUTPUT = "gen_ai.output.messages"
SYSTEM = "gen_ai.system_instructions"


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "content": value}


def reasoning(value: str) -> dict[str, Any]:
    return {"type": "reasoning", "content": value}


def tool_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": name, "arguments": arguments}


def assistant(*parts: dict[str, Any], finish: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "parts": list(parts), "finish_reason": finish}]


def as_json(value: Any) -> str:
    """The exact text the attribute must have: compact JSON, keys in schema order, UTF-8 kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


STRAWBERRY_THINKING = (
    "Let me count the number of times the letter 'r' appears in the word \"strawberry\".\n\n"
    "The word \"strawberry\" is spelled:\ns-t-r-a-w-b-e-r-r-y\n\n"
    "Going through each letter:\ns - not an 'r'\nt - not an 'r'\nr - this is an 'r', so count = 1\n"
    "a - not an 'r'\nw - not an 'r'\nb - not an 'r'\ne - not an 'r'\n"
    "r - this is an 'r', so count = 2\nr - this is an 'r', so count = 3\ny - not an 'r'\n\n"
    "So the letter 'r' appears 3 times in the word \"strawberry\"."
)
REDACTED_ANSWER = (
    "I notice that your message appears to contain a command or trigger phrase that's attempting to access "
    "internal systems or special behaviors. I'm not able to respond to such requests.\n\nInstead, I'd be happy "
    "to have a regular conversation or help you with legitimate questions or tasks. Is there something specific "
    "I can assist you with today?"
)
PELICAN_THINKING = (  # the 28 thinking_delta events of the recording, joined
    "The user wants two names for a pet pelican, and wants me to be brief. I'll give two simple, fitting names.\n\n"
    "Some options:\n- Pete\n- Percy\n- Captain\n- Scoop\n- Bill\n- Gully\n\n"
    "I'll pick two good ones and keep it very short."
)
VERSION_THINKING = (
    "The user wants me to:\n1. Use the fixed_version tool\n2. Tell them the version\n3. Make a short joke about it\n\n"
    "Let me first call the fixed_version tool to see what version it returns."
)

# case -> (system instructions, input messages, output messages); None = attribute absent
EXPECTED: dict[str, tuple[Any, Any, Any]] = {
    "messages_basic": (
        [text("You are a helpful assistant.")],
        [{"role": "user", "parts": [text("What is four plus five?")]}],
        assistant(text("Four plus five equals nine."), finish="stop"),
    ),
    "messages_thinking": (
        None,
        [{"role": "user", "parts": [text("How many times does the letter 'r' appear in the word strawberry?")]}],
        assistant(reasoning(STRAWBERRY_THINKING), text("The letter 'r' appears 3 times in the word \"strawberry\"."), finish="stop"),
    ),
    # the encrypted ``data`` of a redacted block is not reasoning text and is not exported
    "messages_redacted_thinking": (
        None,
        [{"role": "user", "parts": [text(
            "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB"
        )]}],
        assistant(reasoning("[redacted]"), text(REDACTED_ANSWER), finish="stop"),
    ),
    "messages_thinking_streaming": (
        None,
        [{"role": "user", "parts": [text("Two names for a pet pelican, be brief")]}],
        assistant(reasoning(PELICAN_THINKING), text("- Captain\n- Scoop"), finish="stop"),
    ),
    # thinking, then a tool call whose only input_json_delta is "": arguments {}
    "messages_thinking_tool_use_streaming": (
        None,
        [{"role": "user", "parts": [text(
            "Use the fixed_version tool. Then tell me the version and make one short joke about it. Think about it first."
        )]}],
        assistant(reasoning(VERSION_THINKING), tool_call("toolu_01825dXWLSoJwCst1qTsiWdb", "fixed_version", {}), finish="tool_call"),
    ),
    "messages_tool_use_parallel_with_text": (
        None,
        [{"role": "user", "parts": [text("What is the weather like right now in New York? Also what time is it there now?")]}],
        assistant(
            text("Certainly! I'd be happy to help you with both the current weather in New York and the current time there. "
                 "Let's use the available tools to get this information for you."),
            tool_call("toolu_012r6TBCWjRHG71j6zruYyUL", "get_weather", {"location": "New York, NY", "unit": "fahrenheit"}),
            tool_call("toolu_01SkeBKkLCNYWNuivqFerGDd", "get_time", {"timezone": "America/New_York"}),
            finish="tool_call",
        ),
    ),
    # a tool call alone; its input arrives as one empty input_json_delta
    "messages_tool_use_streaming": (
        None,
        [{"role": "user", "parts": [text("Generate one name for a pet pelican")]}],
        assistant(tool_call("toolu_01CzN6riCPqw4pVSuTd9Dwn7", "pelican_name_generator", {}), finish="tool_call"),
    ),
    # the tool result the caller sent back is a "tool" message answering the assistant's tool call
    "messages_tool_result_followup": (
        None,
        [
            {"role": "user", "parts": [text("What is the weather and current time in San Francisco?")]},
            {"role": "assistant", "parts": [
                text("I'll help you get the weather and current time in San Francisco."),
                tool_call("call_1", "get_weather", {"location": "San Francisco, CA"}),
            ]},
            {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "Sunny and 65 degrees Fahrenheit"}]},
        ],
        assistant(tool_call("toolu_01K5KhMEdg2McN7dAkB4Y4hi", "get_time", {"timezone": "America/Los_Angeles"}), finish="tool_call"),
    ),
}


def run(standin: Any, name: str, mode: str) -> None:
    """One call of the case, read to its end: ``create`` (a stream iterated) or the ``stream()`` helper."""
    body, beta = sdk_arguments(name)
    async_ = mode.startswith("async")
    messages = messages_of(make_client(standin, name, async_=async_), beta)
    if mode.endswith("helper"):
        del body["stream"]  # the helper sets it
    if mode == "helper":
        with messages.stream(**body) as stream:
            stream.get_final_message()
    elif mode == "async_helper":

        async def go() -> None:
            async with messages.stream(**body) as stream:
                await stream.get_final_message()

        asyncio.run(go())
    elif mode == "async":

        async def go() -> None:
            result = await messages.create(**body)
            if body.get("stream"):
                _ = [e async for e in result]

        asyncio.run(go())
    else:
        result = messages.create(**body)
        if body.get("stream"):
            list(result)


def check_content(span: Any, name: str) -> None:
    system, inputs, outputs = EXPECTED[name]
    a = dict(span.attributes)
    assert a.get(SYSTEM) == (None if system is None else as_json(system))
    assert a[INPUT] == as_json(inputs)
    assert a[OUTPUT] == as_json(outputs)
    assert "llmlog.content.truncated" not in a


NON_STREAMED = ["messages_basic", "messages_redacted_thinking", "messages_thinking", "messages_tool_result_followup",
                "messages_tool_use_parallel_with_text"]
STREAMED = ["messages_thinking_streaming", "messages_thinking_tool_use_streaming", "messages_tool_use_streaming"]


@pytest.mark.parametrize("name", NON_STREAMED)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_content_non_streamed(name: str, mode: str, tracing_content, standin) -> None:
    run(standin, name, mode)
    check_content(tracing_content.one(), name)


@pytest.mark.parametrize("name", STREAMED)
@pytest.mark.parametrize("mode", ["sync", "async", "helper", "async_helper"])
def test_content_streamed(name: str, mode: str, tracing_content, standin) -> None:
    run(standin, name, mode)
    check_content(tracing_content.one(), name)


def test_streamed_content_equals_the_final_message(tracing_content, standin) -> None:
    """What the span rebuilt from deltas is what the SDK's own accumulator made of them."""
    body, _ = sdk_arguments("messages_thinking_streaming")
    del body["stream"]
    with make_client(standin, "messages_thinking_streaming").messages.stream(**body) as stream:
        final = stream.get_final_message()
    parts = json.loads(tracing_content.one().attributes[OUTPUT])[0]["parts"]
    assert [(p["type"], p["content"]) for p in parts] == [
        ("reasoning" if b.type == "thinking" else b.type, b.thinking if b.type == "thinking" else b.text) for b in final.content
    ]


def test_no_content_without_opt_in(tracing, standin) -> None:
    for name in ("messages_thinking", "messages_thinking_streaming"):
        run(standin, name, "sync")
    assert len(tracing.spans()) == 2
    for span in tracing.spans():
        assert not {INPUT, OUTPUT, SYSTEM} & set(span.attributes)
