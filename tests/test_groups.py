"""Request groups, guardrail and vector-store sub-spans: one trace, right parents, group facts everywhere."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from typing import Any

import openai
import pytest
from opentelemetry import baggage
from opentelemetry.trace import StatusCode

import otel_llmlog

GROUP_ATTRS = {
    "gen_ai.conversation.id": "session-42",
    "llmlog.end_user": "user-7",
    "llmlog.request.tags": ("rag", "beta"),
    "llmlog.request.metadata": '{"tenant": "acme", "tier": "gold"}',
}


def by_name(spans: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for s in spans:
        out.setdefault(s.name, []).append(s)
    return out


async def grouped_request(openai_client: Any) -> None:
    async with otel_llmlog.trace("answer", session_id="session-42", end_user="user-7", tags=["rag"], metadata={"tenant": "acme"}):
        # an inner group adds a tag and metadata (inner wins on conflicts)
        async with otel_llmlog.trace("retrieve-and-answer", tags=["beta"], metadata={"tier": "gold"}):
            search = await openai_client("vector_store_search", async_=True).vector_stores.search(
                "vs_synthetic_docs", query="refund policy", max_num_results=2
            )
            assert [d.file_id for d in search.data] == ["file-refunds", "file-terms"]
            with otel_llmlog.guardrail("pii-mask", mode="pre_call") as g:
                g.set_result(passed=True, verdict="modify", masked_entity_count={"EMAIL": 2, "PHONE": 1})
            bodies = [("chat_completion_basic", "gpt-4o-mini"), ("chat_completion_tool_calls", "gpt-4o-mini"),
                      ("chat_completion_prompt_cache_hit", "gpt-4o")]
            await asyncio.gather(*[
                openai_client(case, async_=True).chat.completions.create(model=model, messages=[{"role": "user", "content": "q"}])
                for case, model in bodies
            ])
            with otel_llmlog.guardrail("moderation", mode="post_call") as g:
                result = openai_client("moderations_flagged").moderations.create(input="I will hurt them", model="omni-moderation-latest")
                g.set_result(passed=not result.results[0].flagged, reason="flagged by moderation")


def test_grouped_request_one_trace_right_parents(tracing, openai_client) -> None:
    asyncio.run(grouped_request(openai_client))
    spans = tracing.spans()
    names = by_name(spans)
    assert sorted(names) == sorted([
        "invoke_workflow answer", "invoke_workflow retrieve-and-answer", "retrieval vs_synthetic_docs",
        "apply_guardrail pii-mask", "chat gpt-4o-mini", "chat gpt-4o", "apply_guardrail moderation",
        "apply_guardrail openai.moderation",
    ])
    assert len(spans) == 9 and len(names["chat gpt-4o-mini"]) == 2
    assert len({s.context.trace_id for s in spans}) == 1
    outer, inner = names["invoke_workflow answer"][0], names["invoke_workflow retrieve-and-answer"][0]
    assert outer.parent is None
    assert inner.parent.span_id == outer.context.span_id
    moderation_guard = names["apply_guardrail moderation"][0]
    for s in spans:
        if s in (outer, inner):
            continue
        expected_parent = moderation_guard if s.name == "apply_guardrail openai.moderation" else inner
        assert s.parent.span_id == expected_parent.context.span_id, s.name
    # group facts on every span inside the inner group, merged (tags appended, metadata inner wins)
    for s in spans:
        if s is outer:
            assert s.attributes["llmlog.request.tags"] == ("rag",)
            continue
        for key, value in GROUP_ATTRS.items():
            assert s.attributes[key] == value, (s.name, key)
    assert outer.attributes["gen_ai.operation.name"] == "invoke_workflow"
    assert outer.attributes["gen_ai.workflow.name"] == "answer"
    # the three concurrent calls keep their own tokens
    tokens = sorted((s.attributes["gen_ai.usage.input_tokens"], s.attributes["gen_ai.usage.output_tokens"])
                    for s in spans if s.name.startswith("chat "))
    assert tokens == [(12, 5), (75, 51), (1220, 100)]


def test_guardrail_and_search_attributes(tracing, openai_client) -> None:
    asyncio.run(grouped_request(openai_client))
    names = by_name(tracing.spans())
    pii = dict(names["apply_guardrail pii-mask"][0].attributes)
    assert {k: v for k, v in pii.items() if k not in GROUP_ATTRS} == {
        "gen_ai.operation.name": "apply_guardrail",
        "gen_ai.guardrail.name": "pii-mask",
        "llmlog.guardrail.mode": "pre_call",
        "gen_ai.guardrail.target.type": "llm_input",
        "llmlog.guardrail.status": "success",
        "gen_ai.guardrail.verdict.type": "modify",
        "gen_ai.guardrail.security.content.modified": True,
        "llmlog.guardrail.masked_entities": ("EMAIL", "PHONE"),
        "llmlog.guardrail.masked_counts": (2, 1),
    }
    post = names["apply_guardrail moderation"][0]
    assert post.attributes["llmlog.guardrail.status"] == "failure"
    assert post.attributes["gen_ai.guardrail.verdict.type"] == "deny"
    assert post.attributes["gen_ai.guardrail.target.type"] == "llm_output"
    assert post.attributes["gen_ai.guardrail.verdict.reason"] == "flagged by moderation"
    mod = dict(names["apply_guardrail openai.moderation"][0].attributes)
    assert {k: v for k, v in mod.items() if k not in GROUP_ATTRS and k != "server.port"} == {
        "gen_ai.operation.name": "apply_guardrail",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "omni-moderation-latest",
        "gen_ai.request.stream": False,
        "gen_ai.guardrail.name": "openai.moderation",
        "server.address": "127.0.0.1",
        "gen_ai.response.model": "omni-moderation-2024-09-26",
        "gen_ai.guardrail.verdict.type": "deny",
        "llmlog.guardrail.status": "failure",
        "llmlog.guardrail.flagged_categories": ("violence",),
        "gen_ai.guardrail.security.risk.category": "violence",
        "gen_ai.guardrail.security.risk.score": 0.8731,
        "http.response.status_code": 200,
        "llmlog.provider.request_id": "req_synthetic_moderation_0001",
        "llmlog.api_key.sha256": mod["llmlog.api_key.sha256"],
    }
    search = dict(names["retrieval vs_synthetic_docs"][0].attributes)
    assert search["gen_ai.operation.name"] == "retrieval"
    assert search["gen_ai.data_source.id"] == "vs_synthetic_docs"
    assert search["gen_ai.retrieval.top_k"] == 2
    assert search["llmlog.retrieval.result_count"] == 2
    # content capture is off: no query text, no documents, no guardrail content
    assert "gen_ai.retrieval.query.text" not in search and "gen_ai.retrieval.documents" not in search
    assert not any(k.startswith("gen_ai.guardrail.security.content.") and k.endswith(".value") for k in mod)
    # guardrail and retrieval spans carry no cost or token attributes
    for s in (pii, mod, search):
        assert not any(k.startswith(("gen_ai.usage.", "llmlog.cost.")) for k in s)


def test_content_capture_on_for_subspans(tracing_content, openai_client) -> None:
    with otel_llmlog.vector_store_search("vs_manual", provider="pgvector", query="refunds", top_k=3) as search:
        search.set_results([("doc-1", 0.9), {"id": "doc-2", "score": 0.5}])
    with otel_llmlog.guardrail("pii", mode="during_call") as g:
        g.set_result(request={"text": "mail a@b.c"}, response="mail [EMAIL]", verdict="modify")
    openai_client("moderations_flagged").moderations.create(input="I will hurt them", model="omni-moderation-latest")
    openai_client("vector_store_search").vector_stores.search("vs_synthetic_docs", query="refund policy", max_num_results=2)
    names = by_name(tracing_content.spans())
    manual = names["retrieval vs_manual"][0].attributes
    assert manual["gen_ai.retrieval.query.text"] == "refunds"
    assert json.loads(manual["gen_ai.retrieval.documents"]) == [{"id": "doc-1", "score": 0.9}, {"id": "doc-2", "score": 0.5}]
    assert manual["gen_ai.provider.name"] == "pgvector" and manual["gen_ai.retrieval.top_k"] == 3
    guard = names["apply_guardrail pii"][0].attributes
    assert json.loads(guard["gen_ai.guardrail.security.content.input.value"]) == {"text": "mail a@b.c"}
    assert guard["gen_ai.guardrail.security.content.output.value"] == "mail [EMAIL]"
    mod = names["apply_guardrail openai.moderation"][0].attributes
    assert mod["gen_ai.guardrail.security.content.input.value"] == "I will hurt them"
    assert json.loads(mod["gen_ai.guardrail.security.content.output.value"])[0]["flagged"] is True
    auto = names["retrieval vs_synthetic_docs"][0].attributes
    assert auto["gen_ai.retrieval.query.text"] == "refund policy"
    assert json.loads(auto["gen_ai.retrieval.documents"]) == [{"id": "file-refunds", "score": 0.91}, {"id": "file-terms", "score": 0.47}]


def test_guardrail_exception_is_failure_and_propagates(tracing) -> None:
    class Blocked(Exception):
        pass

    err = Blocked("prompt injection")
    with pytest.raises(Blocked) as info, otel_llmlog.guardrail("injection", mode="pre_call"):
        raise err
    assert info.value is err
    span = tracing.one()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["llmlog.guardrail.status"] == "failure"
    assert span.attributes["error.type"] == "Blocked"


def test_decorators_sync_async_and_nested_ids(tracing, openai_client) -> None:
    @otel_llmlog.trace("outer", session_id="s-1", tags=["a"], metadata={"k": 1})
    def outer() -> str:
        return inner()

    @otel_llmlog.trace("inner", end_user="u", tags=["b", "a"], metadata={"k": 2, "j": 3})
    def inner() -> str:
        openai_client("chat_completion_basic").chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "q"}])
        return "ok"

    @otel_llmlog.guardrail("async-check", mode="post_call")
    async def check() -> int:
        return 7

    assert outer() == "ok"
    assert asyncio.run(check()) == 7
    names = by_name(tracing.spans())
    call = names["chat gpt-4o-mini"][0].attributes
    assert call["gen_ai.conversation.id"] == "s-1"
    assert call["llmlog.end_user"] == "u"
    assert call["llmlog.request.tags"] == ("a", "b")
    assert json.loads(call["llmlog.request.metadata"]) == {"k": 2, "j": 3}
    assert names["apply_guardrail async-check"][0].attributes["llmlog.guardrail.status"] == "success"
    # a group without a session id sets no conversation id
    assert "gen_ai.conversation.id" not in names["apply_guardrail async-check"][0].attributes


def test_group_holds_across_threads_that_propagate_context(tracing, openai_client) -> None:
    with otel_llmlog.trace("threads", session_id="s-threads"):
        ctx = contextvars.copy_context()
        done = []
        t = threading.Thread(target=lambda: done.append(ctx.run(
            openai_client("chat_completion_basic").chat.completions.create,
            model="gpt-4o-mini", messages=[{"role": "user", "content": "q"}])))
        t.start()
        t.join()
    assert done
    spans = by_name(tracing.spans())
    call, group = spans["chat gpt-4o-mini"][0], spans["invoke_workflow threads"][0]
    assert call.attributes["gen_ai.conversation.id"] == "s-threads"
    assert call.parent.span_id == group.context.span_id


def test_group_baggage_is_opt_in() -> None:
    with otel_llmlog.trace("b", session_id="s", end_user="u", tags=["x", "y"], baggage=True):
        assert baggage.get_all() == {"gen_ai.conversation.id": "s", "llmlog.end_user": "u", "llmlog.request.tags": "x,y"}
    with otel_llmlog.trace("nb", session_id="s"):
        assert baggage.get_all() == {}


def test_no_group_attributes_outside_a_group(tracing, openai_client) -> None:
    openai_client("chat_completion_basic").chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "q"}])
    attrs = tracing.one().attributes
    assert not any(k in attrs for k in GROUP_ATTRS)


def test_sdk_errors_inside_a_group_are_recorded_on_both(tracing, openai_client) -> None:
    with pytest.raises(openai.NotFoundError), otel_llmlog.trace("failing"):
        openai_client("chat_completion_error_404_model_not_found").chat.completions.create(
            model="this-model-does-not-exist", messages=[{"role": "user", "content": "q"}])
    names = by_name(tracing.spans())
    assert names["invoke_workflow failing"][0].status.status_code is StatusCode.ERROR
    assert names["chat this-model-does-not-exist"][0].attributes["error.type"] == "404"
