"""The API key never leaves the process: only its SHA-256 is exported, and error text is scrubbed.

A mix of calls (plain, streamed, HTTP error, retried, broken stream, and an exception of the
caller's own raised inside ``with stream:`` whose message quotes the key) is exported, then every
span is rendered to text - attributes, events, status, resource, the whole OTLP-style JSON - and
searched for the key.

Then every recorded exchange of both SDKs is replayed with content capture on and the key given
each way an application gives it - to the client, in the environment, in default headers - and
everything this library exports or writes is searched for the key and for the values of the
headers that carry it: spans, the OTel log records of ``OtelLogsExporter``, metric points, the
lines of ``JsonLogExporter`` and the converted records.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import StatusCode

from otel_llmlog.records.convert import to_generation_records, to_payloads
from otel_llmlog.records.exporters import JsonLogExporter, OtelLogsExporter

from .conftest import API_KEY, Tracing, load_case, recorded_call, recorded_cases

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


# --- every recorded exchange, the key given every way ---

#: what must never be exported: the key, the key without its prefix, and each header value carrying it
SECRETS = (API_KEY, API_KEY[3:], f"Bearer {API_KEY}")
SDKS = {"openai": (openai.OpenAI, "OPENAI_API_KEY"), "anthropic": (anthropic.Anthropic, "ANTHROPIC_API_KEY")}
#: what the client is given in "headers" mode, where only the headers carry the key
PLACEHOLDER = "placeholder-key-not-secret"


def client_for(provider: str, case: str, mode: str, standin: Any, http: httpx2.Client) -> Any:
    """A client of ``provider`` on ``case``, given the key the ``mode`` way (the environment is set by the test)."""
    cls, _ = SDKS[provider]
    kwargs: dict[str, Any] = {"base_url": standin.base_url(case), "max_retries": 0, "http_client": http}
    if mode == "client":
        kwargs["api_key"] = API_KEY
    elif mode == "headers":
        kwargs["api_key"] = PLACEHOLDER
        kwargs["default_headers"] = {"Authorization": f"Bearer {API_KEY}", "x-api-key": API_KEY}
    return cls(**kwargs)


def replay_everything(mode: str, standin: Any) -> int:
    """Every recorded case of both SDKs, streams read to their end; errors are the recordings' own."""
    calls = 0
    with httpx2.Client() as http:  # one connection pool (and SSL context) for all the clients
        for provider in SDKS:
            for case in recorded_cases(provider):
                client = client_for(provider, case, mode, standin, http)
                with contextlib.suppress(openai.APIStatusError, anthropic.APIStatusError):
                    result = recorded_call(client, provider, case)
                    if isinstance(result, openai.Stream | anthropic.Stream):
                        list(result)
                calls += 1
    return calls


def metric_text(tracing: Tracing) -> str:
    data = tracing.reader.get_metrics_data()
    return data.to_json() if data is not None else ""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the recordings name deprecated models
@pytest.mark.parametrize("mode", ["client", "environment", "headers"])
def test_key_is_never_exported_from_any_recorded_exchange(mode: str, standin: Any, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    for _, env in SDKS.values():
        if mode == "environment":
            monkeypatch.setenv(env, API_KEY)
        else:
            monkeypatch.delenv(env, raising=False)
    tracing = Tracing(capture=True)
    log_path = tmp_path / "calls.jsonl"
    logs = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    tracing.provider.add_span_processor(SimpleSpanProcessor(JsonLogExporter(log_path)))
    tracing.provider.add_span_processor(SimpleSpanProcessor(OtelLogsExporter(logger_provider)))
    seen = len(standin.requests)
    try:
        calls = replay_everything(mode, standin)
        spans = tracing.spans()
        tracing.provider.force_flush()
    finally:
        tracing.close()

    # the key did reach the server, on every request: what is kept out is the telemetry, not the call
    sent = standin.requests[seen:]
    assert len(sent) == calls == len(spans)
    assert all(any(API_KEY in r.headers.get(name, "") for name in ("authorization", "x-api-key")) for r in sent)
    key_hash = hashlib.sha256((PLACEHOLDER if mode == "headers" else API_KEY).encode()).hexdigest()
    assert {s.attributes["llmlog.api_key.sha256"] for s in spans} == {key_hash}

    records = list(logs.get_finished_logs())
    payloads = to_payloads(spans)
    lines = log_path.read_text().splitlines()
    llm_calls = [s for s in spans if s.attributes["gen_ai.operation.name"] not in ("apply_guardrail", "retrieval")]
    assert len(records) == len(payloads) == len(lines) == len(llm_calls)
    exported = {
        "spans": "\n".join(span_text(s) for s in spans),
        "log records": "\n".join(r.to_json() for r in records),
        "metrics": metric_text(tracing),
        "json log": "\n".join(lines),
        "payloads": "\n".join(p.model_dump_json() for p in payloads),
        "generation records": "\n".join(g.model_dump_json() for g in to_generation_records(spans)),
    }
    for where, text in exported.items():
        assert text, where
        for secret in SECRETS:
            assert secret not in text, (where, secret)
