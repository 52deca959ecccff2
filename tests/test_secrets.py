"""The API key never leaves the process: only its SHA-256 is exported, and error text is scrubbed.

A mix of calls (plain, streamed, HTTP error, retried, broken stream, and an exception of the
caller's own raised inside ``with stream:`` whose message quotes the key) is exported, then every
span is rendered to text - attributes, events, status, resource, the whole OTLP-style JSON - and
searched for the key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import openai
import pytest
from opentelemetry.trace import StatusCode

from .conftest import API_KEY, Tracing, load_case

KEY_SHA256 = hashlib.sha256(API_KEY.encode()).hexdigest()


class CallerError(Exception):
    pass


def body(case: str) -> dict[str, Any]:
    return load_case("openai", case)["request"]["body"]


def span_text(span: Any) -> str:
    parts = [
        span.to_json(),
        span.name,
        json.dumps(dict(span.attributes), default=str),
        json.dumps([(e.name, dict(e.attributes)) for e in span.events], default=str),
        str(span.status.description),
        json.dumps(dict(span.resource.attributes), default=str),
    ]
    return "\n".join(parts)


def test_key_is_never_exported(tracing_content: Tracing, openai_client: Any, standin: Any) -> None:
    tracing = tracing_content  # content on: the widest export there is
    client = openai_client("chat_completion_basic")
    client.chat.completions.create(**body("chat_completion_basic"))

    stream_case = "chat_completion_streaming_include_usage"
    chunks = list(openai_client(stream_case).chat.completions.create(**body(stream_case)))
    assert len(chunks) == 8

    with pytest.raises(openai.NotFoundError):
        openai_client("chat_completion_error_404_model_not_found").chat.completions.create(
            **body("chat_completion_error_404_model_not_found")
        )

    retried = openai.OpenAI(api_key=API_KEY, base_url=standin.base_url("responses_basic", fail=(1, 502)), max_retries=1)
    retried.responses.create(**body("responses_basic"))

    broken = openai.OpenAI(api_key=API_KEY, base_url=standin.base_url(stream_case, cut=3), max_retries=0)
    with pytest.raises(Exception):  # noqa: B017 - whatever the SDK's HTTP stack raises for a dropped connection
        list(broken.chat.completions.create(**body(stream_case)))

    with pytest.raises(CallerError):
        with openai_client(stream_case).chat.completions.create(**body(stream_case)) as stream:
            for _ in stream:
                raise CallerError(f"the caller failed while holding {API_KEY}")

    async def caller_error_async() -> None:
        client = openai_client(stream_case, async_=True)
        async with await client.chat.completions.create(**body(stream_case)) as stream:
            async for _ in stream:
                raise CallerError(f"async caller failed while holding {API_KEY}")

    with pytest.raises(CallerError):
        asyncio.run(caller_error_async())

    spans = tracing.spans()
    assert len(spans) == 7
    for span in spans:
        text = span_text(span)
        assert API_KEY not in text, span.name
        assert API_KEY[3:] not in text, span.name  # nor the key without its "sk-" prefix
        assert span.attributes["llmlog.api_key.sha256"] == KEY_SHA256

    caller_spans = [s for s in spans if s.attributes.get("error.type") == "CallerError"]
    assert len(caller_spans) == 2
    for span, prefix in zip(caller_spans, ("the caller failed", "async caller failed"), strict=True):
        (event,) = span.events
        assert event.name == "exception"
        assert event.attributes["exception.type"] == f"{__name__}.CallerError"
        assert event.attributes["exception.message"] == f"{prefix} while holding [REDACTED]"
        assert "while holding [REDACTED]" in event.attributes["exception.stacktrace"]
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description == f"CallerError: {prefix} while holding [REDACTED]"

    # the key did reach the server: what is scrubbed is the telemetry, not the call
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}" for r in standin.requests[-7:])
