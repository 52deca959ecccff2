"""Captured content: the conventions' message schema, the opt-in policy and per-leaf truncation.

Every expected structure below is written out by hand from the case's request.json and
response.json / response.sse, in the OpenTelemetry GenAI message schema: messages of
``role`` + ``parts`` (``text`` / ``tool_call`` / ``tool_call_response`` / ``reasoning``),
output messages with the conventions' ``finish_reason`` (``tool_call``, not OpenAI's
``tool_calls``), system instructions as a bare list of parts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from otel_llmlog.instrumentation import content

from .conftest import Tracing, load_case

INPUT = "gen_ai.input.messages"
OUTPUT = "gen_ai.output.messages"
SYSTEM = "gen_ai.system_instructions"
TRUNCATED = "llmlog.content.truncated"
CONTENT_ATTRIBUTES = (INPUT, OUTPUT, SYSTEM, TRUNCATED)


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "content": value}


def tool_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": name, "arguments": arguments}


SYSTEM_HELPFUL = {"role": "system", "parts": [text("You're a helpful assistant.")]}
USER_WEATHER = {"role": "user", "parts": [text("What's the weather in Seattle and San Francisco today?")]}
WEATHER = "get_current_weather"

REASONING_ANSWER = (
    "```bash\n#!/usr/bin/env bash\n\n# Usage:\n#   ./transpose.sh '[1,2],[3,4],[5,6]'\n\ninput=\"$1\"\n\n"
    "# Extract rows into an array\nIFS='|' read -r -a rows <<< \"$(echo \"$input\" | sed 's/],\\[/]|[/g')\"\n\n"
    "# Remove leading/trailing brackets and split first row to get column count\n"
    "first_row=\"${rows[0]#[}\"\nfirst_row=\"${first_row%]}\"\n"
    "IFS=',' read -r -a first_vals <<< \"$first_row\"\ncols=\"${#first_vals[@]}\"\n\n"
    "# Build transpose\nresult=\"\"\nfor ((c=0; c<cols; c++)); do\n    transposed_row=\"\"\n"
    "    for row in \"${rows[@]}\"; do\n        row=\"${row#[}\"\n        row=\"${row%]}\"\n"
    "        IFS=',' read -r -a vals <<< \"$row\"\n        transposed_row+=\"${vals[c]},\"\n    done\n"
    "    transposed_row=\"[${transposed_row%,}]\"\n    result+=\"$transposed_row,\"\ndone\n\n"
    "# Remove trailing comma and print\necho \"${result%,}\"\n```\n\n"
    "Example:\n```bash\n$ ./transpose.sh '[1,2],[3,4],[5,6]'\n[1,3,5],[2,4,6]\n```"
)

# case -> (system instructions, input messages, output messages); None = attribute absent
EXPECTED: dict[str, tuple[Any, Any, Any]] = {
    "chat_completion_basic": (
        None,
        [{"role": "user", "parts": [text("Say this is a test")]}],
        [{"role": "assistant", "parts": [text("This is a test.")], "finish_reason": "stop"}],
    ),
    "chat_completion_tool_calls": (
        None,  # Chat Completions carries the system prompt inside the history: it stays an input message
        [SYSTEM_HELPFUL, USER_WEATHER],
        [{
            "role": "assistant",
            "parts": [
                tool_call("call_JpNb8OiAkbIbHzDggfpdDHpi", WEATHER, {"location": "Seattle, WA"}),
                tool_call("call_vaFQc3zK6hHTRZKXRI5Eo2cJ", WEATHER, {"location": "San Francisco, CA"}),
            ],
            "finish_reason": "tool_call",
        }],
    ),
    "chat_completion_tool_result_followup": (
        None,
        [
            SYSTEM_HELPFUL,
            USER_WEATHER,
            {"role": "assistant", "parts": [
                tool_call("call_JpNb8OiAkbIbHzDggfpdDHpi", WEATHER, {"location": "Seattle, WA"}),
                tool_call("call_vaFQc3zK6hHTRZKXRI5Eo2cJ", WEATHER, {"location": "San Francisco, CA"}),
            ]},
            {"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "call_JpNb8OiAkbIbHzDggfpdDHpi", "response": "50 degrees and raining"},
            ]},
            {"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "call_vaFQc3zK6hHTRZKXRI5Eo2cJ", "response": "70 degrees and sunny"},
            ]},
        ],
        [{
            "role": "assistant",
            "parts": [text("Today, the weather in Seattle is 50 degrees and raining, while in San Francisco, it's 70 degrees and sunny.")],
            "finish_reason": "stop",
        }],
    ),
    "chat_completion_tool_calls_streaming": (
        None,
        [SYSTEM_HELPFUL, USER_WEATHER],
        # arguments arrive in pieces ('{"lo', 'catio', 'n": "S', ...) and are parsed once reassembled
        [{
            "role": "assistant",
            "parts": [
                tool_call("call_fHCjJqt9Pysde6vcJcvbXGBx", WEATHER, {"location": "Seattle, WA"}),
                tool_call("call_3J9foSw3CUb48lrqIXoTky6U", WEATHER, {"location": "San Francisco, CA"}),
            ],
            "finish_reason": "tool_call",
        }],
    ),
    "chat_completion_streaming_multiple_choices": (
        None,
        [SYSTEM_HELPFUL, USER_WEATHER],
        [
            {"role": "assistant", "parts": [text(
                "I'm unable to provide real-time weather updates. To get the latest weather information for Seattle and "
                "San Francisco, I recommend checking a reliable weather website or using a weather app. You can also ask "
                "a voice assistant or search online for the current weather conditions."
            )], "finish_reason": "stop"},
            {"role": "assistant", "parts": [text(
                "I'm unable to provide real-time weather updates as my capabilities do not include accessing live data. "
                "However, you can easily check the current weather in Seattle and San Francisco using a weather website, "
                "app, or service. Would you like some tips on where to find this information?"
            )], "finish_reason": "stop"},
        ],
    ),
    "responses_basic": (
        [text("You are a helpful assistant.")],  # `instructions` is separate from the history
        [{"role": "user", "parts": [text("Say this is a test")]}],
        [{"role": "assistant", "parts": [text("This is a test.")], "finish_reason": "stop"}],
    ),
    "responses_function_call": (
        None,
        [{"role": "user", "parts": [text("What is the weather like in Boston today?")]}],
        [{
            "role": "assistant",
            "parts": [tool_call("call_tjEzTywkXuBUO42ugPFnQYqi", WEATHER, {"location": "Boston, MA", "unit": "celsius"})],
            "finish_reason": "tool_call",
        }],
    ),
    "responses_reasoning": (
        None,
        [{"role": "user", "parts": [text(
            "\nWrite a bash script that takes a matrix represented as a string with\n"
            "format '[1,2],[3,4],[5,6]' and prints the transpose in the same format.\n"
        )]}],
        # the reasoning item came back with an empty summary: the part records that reasoning happened
        [{"role": "assistant", "parts": [{"type": "reasoning", "content": ""}, text(REASONING_ANSWER)], "finish_reason": "stop"}],
    ),
}


def call(openai_client: Any, case: str) -> Any:
    body = load_case("openai", case)["request"]["body"]
    client = openai_client(case)
    method = client.responses.create if case.startswith("responses") else client.chat.completions.create
    result = method(**body)
    if body.get("stream"):
        return [chunk for chunk in result]
    return result


def messages_of(attrs: Any) -> tuple[Any, Any, Any]:
    return tuple(json.loads(attrs[name]) if name in attrs else None for name in (SYSTEM, INPUT, OUTPUT))  # type: ignore[return-value]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_content_captured(case: str, tracing_content: Tracing, openai_client: Any) -> None:
    call(openai_client, case)
    attrs = tracing_content.one().attributes
    assert messages_of(attrs) == EXPECTED[case]
    assert TRUNCATED not in attrs


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_content_off_records_nothing(case: str, tracing: Tracing, openai_client: Any) -> None:
    call(openai_client, case)
    attrs = tracing.one().attributes
    assert [name for name in CONTENT_ATTRIBUTES if name in attrs] == []
    assert attrs["gen_ai.usage.input_tokens"] > 0  # the span itself is complete


def test_content_is_compact_json(tracing_content: Tracing, openai_client: Any) -> None:
    call(openai_client, "chat_completion_basic")
    attrs = tracing_content.one().attributes
    assert attrs[INPUT] == '[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]'
    assert attrs[OUTPUT] == '[{"role":"assistant","parts":[{"type":"text","content":"This is a test."}],"finish_reason":"stop"}]'


# --- truncation ---

CUT = content.TRUNCATION_MARK


def test_truncation_cuts_every_content_leaf(openai_client: Any) -> None:
    import otel_llmlog

    tracing = Tracing(capture=True)
    otel_llmlog.uninstrument()  # Tracing instrumented with the default length; redo it with 5
    otel_llmlog.instrument(
        tracer_provider=tracing.provider, meter_provider=tracing.meter_provider, capture_content=True, max_content_length=5
    )
    try:
        call(openai_client, "chat_completion_tool_result_followup")
        call(openai_client, "responses_basic")
        chat, responses = tracing.spans()
    finally:
        tracing.close()
    # content (text, tool arguments' values, tool responses) is cut at 5 characters plus the mark;
    # structural fields (role, type, id, tool name, finish_reason) stay whole so the schema still holds
    assert json.loads(chat.attributes[INPUT]) == [
        {"role": "system", "parts": [text("You'r" + CUT)]},
        {"role": "user", "parts": [text("What'" + CUT)]},
        {"role": "assistant", "parts": [
            tool_call("call_JpNb8OiAkbIbHzDggfpdDHpi", WEATHER, {"location": "Seatt" + CUT}),
            tool_call("call_vaFQc3zK6hHTRZKXRI5Eo2cJ", WEATHER, {"location": "San F" + CUT}),
        ]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_JpNb8OiAkbIbHzDggfpdDHpi", "response": "50 de" + CUT}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_vaFQc3zK6hHTRZKXRI5Eo2cJ", "response": "70 de" + CUT}]},
    ]
    assert json.loads(chat.attributes[OUTPUT]) == [{"role": "assistant", "parts": [text("Today" + CUT)], "finish_reason": "stop"}]
    assert chat.attributes[TRUNCATED] is True
    assert json.loads(responses.attributes[SYSTEM]) == [text("You a" + CUT)]
    assert json.loads(responses.attributes[INPUT]) == [{"role": "user", "parts": [text("Say t" + CUT)]}]
    assert json.loads(responses.attributes[OUTPUT]) == [{"role": "assistant", "parts": [text("This " + CUT)], "finish_reason": "stop"}]
    assert responses.attributes[TRUNCATED] is True


def test_encode_leaves_short_values_and_cuts_nested_ones() -> None:
    messages = [{"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {"type": "abcdefgh", "ids": ["123456", "12"], "n": 7}},
        {"type": "text", "content": "12345"},
    ], "finish_reason": "tool_call"}]
    encoded, cut = content.encode(messages, 5)
    # inside arguments, "type" is the caller's data and is cut like any other string
    assert json.loads(encoded) == [{"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {"type": "abcde" + CUT, "ids": ["12345" + CUT, "12"], "n": 7}},
        {"type": "text", "content": "12345"},
    ], "finish_reason": "tool_call"}]
    assert cut is True
    assert content.encode([{"role": "user", "parts": [text("12345")]}], 5) == (
        '[{"role":"user","parts":[{"type":"text","content":"12345"}]}]', False,
    )


# --- the opt-in variable ---


@pytest.mark.parametrize(
    ("value", "on"),
    [
        ("true", True),
        ("TRUE", True),
        (" True ", True),
        ("SPAN_ONLY", True),
        ("span_and_event", True),  # this library writes content on the span only, so "and event" adds nothing
        ("false", False),
        ("", False),
        ("garbage", False),
        ("NO_CONTENT", False),
        ("EVENT_ONLY", False),  # content asked for on events only; this library emits no content events
    ],
)
def test_capture_from_env(value: str, on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(content.CAPTURE_ENV, value)
    assert content.capture_from_env() is on


def test_capture_from_env_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(content.CAPTURE_ENV, raising=False)
    assert content.capture_from_env() is False


@pytest.mark.parametrize(("value", "on"), [("SPAN_ONLY", True), ("garbage", False)])
def test_capture_none_reads_env(value: str, on: bool, monkeypatch: pytest.MonkeyPatch, openai_client: Any) -> None:
    monkeypatch.setenv(content.CAPTURE_ENV, value)
    tracing = Tracing(capture=None)  # type: ignore[arg-type] - None means "read the variable"
    try:
        call(openai_client, "chat_completion_basic")
        attrs = tracing.one().attributes
    finally:
        tracing.close()
    if on:
        assert messages_of(attrs) == EXPECTED["chat_completion_basic"]
    else:
        assert [name for name in CONTENT_ATTRIBUTES if name in attrs] == []
