"""Writes the log explorer's fixture logs from real instrumented calls (run it to regenerate).

    python tests/fixtures_logs/generate.py

Every record comes from a real call: the real ``openai`` / ``anthropic`` SDK against the stand-in
replaying the recorded exchanges of ``tests/fixtures``, instrumented with content capture, the
spans converted by ``otel_llmlog.records`` (``calls``, ``standard``, ``generation``). Only three
things are set afterwards, so that ``tests/test_explorer.py`` can assert exact answers:

* times: call ``n`` starts at ``BASE + 600 s * n`` (the two calls of the grouped request a quarter
  second apart) and takes the first-token time and generation
  time of its row in :data:`CALLS` (the sub-spans of the grouped trace move with their call);
* ``metadata.user_api_key_alias`` = ``team-alpha`` on the calls made with key A, as a proxy in
  front of the application would set it (this library only knows the key's hash);
* the file a record goes to: the older half in ``llm-calls.jsonl.1`` (a rotated file), the newer
  half in ``llm-calls.jsonl``; the same calls as generation records in ``generation/``; three of
  them as OTLP JSON spans in ``spans/``.

Regenerating changes every id, so the literal answers in the tests must be updated with it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anthropic
import openai
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llmlog
from otel_llmlog.records.calls import call_views
from otel_llmlog.records.generation import generation_of
from otel_llmlog.records.models.generation import format_created_at, format_throughput
from otel_llmlog.records.standard import payload_of
from otel_llmlog.testing.standin import StandIn

HERE = Path(__file__).parent
TESTS = HERE.parent
KEY_A = "sk-alpha-0123456789abcdefghijklmnop"
KEY_B = "sk-beta-0123456789abcdefghijklmnopq"
#: 2025-08-22T00:00:00Z: the seed's day
BASE = 1_755_820_800.0

#: (stand-in case, key, first-token ms or None when not streamed, generation ms), in start order
CALLS: tuple[tuple[str, str, int | None, int], ...] = (
    ("chat_completion_basic", KEY_A, None, 640),
    ("chat_completion_streaming_include_usage", KEY_A, 180, 900),
    ("chat_completion_tool_calls", KEY_A, None, 1250),
    ("chat_completion_prompt_cache_hit", KEY_A, None, 2100),
    ("chat_completion_reasoning", KEY_A, None, 3300),
    ("responses_reasoning", KEY_A, None, 4700),
    ("embeddings_float", KEY_A, None, 120),
    ("chat_completion_error_404_model_not_found", KEY_A, None, 95),
    ("messages_basic", KEY_B, None, 1500),
    ("messages_prompt_cache_write_5m", KEY_B, None, 2300),
    ("messages_prompt_cache_write_1h", KEY_B, None, 2600),
    ("messages_prompt_cache_read", KEY_B, None, 1700),
    ("messages_thinking", KEY_B, None, 5200),
    ("messages_tool_use", KEY_B, None, 1900),
    ("messages_streaming", KEY_B, 420, 1300),
    ("messages_error_400_invalid_request", KEY_B, None, 80),
    # the grouped request: a vector search, a pre-call guardrail, two calls, a post-call guardrail
    ("chat_completion_tool_result_followup", KEY_A, None, 1100),
    ("chat_completion_tool_calls", KEY_A, None, 1400),
)
GROUPED = 16  # index in CALLS of the first call of the grouped request


def recorded(case: str) -> tuple[str, dict[str, Any]]:
    for provider in ("openai", "anthropic"):
        path = TESTS / "fixtures" / provider / case / "request.json"
        if path.exists():
            return provider, json.loads(path.read_text())
    raise LookupError(case)


def client_for(standin: StandIn, case: str, key: str, async_: bool = False) -> Any:
    provider, _ = recorded(case)
    if provider == "openai":
        cls: Any = openai.AsyncOpenAI if async_ else openai.OpenAI
    else:
        cls = anthropic.AsyncAnthropic if async_ else anthropic.Anthropic
    return cls(api_key=key, base_url=standin.base_url(case), max_retries=0)


def replay(standin: StandIn, case: str, key: str) -> None:
    """One call with the recorded request's arguments; errors are what the recording holds."""
    provider, request = recorded(case)
    body = dict(request["body"])
    client = client_for(standin, case, key)
    try:
        if provider == "anthropic":
            sampling = {k: body.pop(k) for k in ("temperature", "top_p", "top_k") if k in body}
            if sampling:
                body["extra_body"] = sampling
            messages = client.beta.messages if request.get("query") == "beta=true" else client.messages
            result = messages.create(**body)
            if body.get("stream"):
                list(result)
        elif request["path"].endswith("/embeddings"):
            client.embeddings.create(**body)
        elif request["path"].endswith("/responses"):
            client.responses.create(**body)
        elif body.get("stream"):
            list(client.chat.completions.create(**body))
        else:
            client.chat.completions.create(**body)
    except (openai.APIStatusError, anthropic.APIStatusError):
        pass


async def grouped(standin: StandIn) -> None:
    async with otel_llmlog.trace("answer", session_id="chat-42", end_user="user-7", tags=["rag"], metadata={"tenant": "acme"}):
        with otel_llmlog.vector_store_search("vs_docs", provider="pgvector", query="weather tools", top_k=2) as search:
            search.set_results([("doc-weather-api", 0.91), ("doc-units", 0.47)])
        with otel_llmlog.guardrail("pii-mask", mode="pre_call") as g:
            g.set_result(passed=True, verdict="modify", masked_entity_count={"EMAIL": 1})
        calls = []
        for case, key, _, _ in CALLS[GROUPED:]:
            body = dict(recorded(case)[1]["body"])
            calls.append(client_for(standin, case, key, async_=True).chat.completions.create(**body))
        await asyncio.gather(*calls)
        with otel_llmlog.guardrail("moderation", mode="post_call") as g:
            g.set_result(passed=True)


def retime(record: dict[str, Any], start: float, ttft_ms: int | None, gen_ms: int) -> None:
    """Known times for a standard record; attached sub-spans keep their offset to the call."""
    shift = start - record["startTime"]
    end = start + gen_ms / 1000
    first = start + ttft_ms / 1000 if ttft_ms is not None else end
    record.update(startTime=start, endTime=end, completionStartTime=first, response_time=(first - start) if ttft_ms else gen_ms / 1000)
    meta = record["metadata"]
    for search in meta.get("vector_store_request_metadata") or ():
        search["start_time"] += shift
        search["end_time"] += shift
    guard = meta.get("guardrail_information")
    if guard:
        guard["start_time"] += shift
        guard["end_time"] += shift


def retime_generation(record: dict[str, Any], start: float, ttft_ms: int | None, gen_ms: int) -> None:
    record["createdAt"] = format_created_at(datetime.fromtimestamp(start, UTC))
    record["generationTime"] = gen_ms
    if record["latency"] is not None:
        record["latency"] = ttft_ms if ttft_ms is not None else gen_ms
    if record["throughput"] is not None:
        record["throughput"] = format_throughput(record["nativeTokens"]["completion_tokens"], gen_ms)


def otlp_lines(spans: list[Any], start: float) -> str:
    """The spans as one OTLP JSON line (the Collector file exporter's layout), moved to ``start``."""
    doc = MessageToDict(encode_spans(spans))
    first = min(s.start_time for s in spans)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                for key in ("startTimeUnixNano", "endTimeUnixNano"):
                    s[key] = str(int(s[key]) - first + int(start * 1e9))
                for event in s.get("events", ()):
                    event["timeUnixNano"] = str(int(event["timeUnixNano"]) - first + int(start * 1e9))
    return json.dumps(doc) + "\n"


def main() -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the recorded models are old
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel_llmlog.instrument(tracer_provider=provider, capture_content=True)
    try:
        with StandIn([TESTS / "fixtures", TESTS / "fixtures_synthetic"]) as standin:
            for case, key, _, _ in CALLS[:GROUPED]:
                replay(standin, case, key)
            asyncio.run(grouped(standin))
            live = list(exporter.get_finished_spans())
            exporter.clear()
            for case in ("chat_completion_basic", "chat_completion_tool_calls", "chat_completion_error_404_model_not_found"):
                replay(standin, case, KEY_A)
            span_file = list(exporter.get_finished_spans())
    finally:
        otel_llmlog.uninstrument()
        provider.shutdown()

    views = call_views(live)
    ungrouped = [v for v in views if not v.guardrails]
    group = sorted((v for v in views if v.guardrails), key=lambda v: v.span.attributes["gen_ai.request.model"] + str(v.usage.input_tokens))
    assert len(ungrouped) == GROUPED and len(group) == 2, (len(ungrouped), len(group))
    # the grouped calls ran concurrently: put them in CALLS order (the follow-up has the longer prompt)
    group.sort(key=lambda v: -(v.usage.input_tokens or 0))
    ordered = ungrouped + group
    standard, generation = [], []
    for n, (view, (case, key, ttft, gen_ms)) in enumerate(zip(ordered, CALLS, strict=True)):
        # the grouped calls start a quarter second apart, in the slot of the first of them
        start = BASE + 600 * n if n < GROUPED else BASE + 600 * GROUPED + 0.25 * (n - GROUPED)
        record = payload_of(view).model_dump(mode="json")
        retime(record, start, ttft, gen_ms)
        if key == KEY_A:
            record["metadata"]["user_api_key_alias"] = "team-alpha"
        standard.append(record)
        gen = generation_of(view).model_dump(mode="json")
        retime_generation(gen, start, ttft, gen_ms)
        generation.append(gen)
        print(f"{n:2} {case:45} {record['id']} {record['model']:32} {record['status']}", file=sys.stderr)

    def write(path: Path, records: list[dict[str, Any]]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")

    half = len(standard) // 2
    write(HERE / "llm-calls.jsonl.1", standard[:half])
    write(HERE / "llm-calls.jsonl", standard[half:])
    write(HERE / "generation" / "llm-calls.jsonl", generation)
    (HERE / "spans").mkdir(exist_ok=True)
    (HERE / "spans" / "traces.otlp.jsonl").write_text(otlp_lines(span_file, BASE + 86_400), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
