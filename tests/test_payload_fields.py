"""Every field of the standard record, listed from the models and exercised by real calls.

The list of fields comes from the pydantic models themselves (recursively), so a field added to the
spec models cannot go unnoticed: each one is either filled by some call below, or named in
``NEVER_FILLED`` with the reason, and documented as null in docs/payload.md.
"""

from __future__ import annotations

import asyncio
import types
import typing
from pathlib import Path
from typing import Any

import openai
import pytest
from pydantic import BaseModel

import otel_llmlog
from otel_llmlog.records.convert import to_payloads
from otel_llmlog.records.models.standard import StandardLoggingPayload

from .test_groups import grouped_request

DOCS = Path(__file__).parent.parent / "docs" / "payload.md"

#: fields no span source carries, with the reason; each must be null in every record
NEVER_FILLED: dict[str, str] = {
    "model_id": "a gateway deployment id",
    "model_group": "a gateway routing group",
    "cache_hit": "a proxy's response cache (prompt caching is in the token fields)",
    "cache_key": "a proxy's response cache",
    "requester_ip_address": "the end user's IP is not the SDK's to know",
    "metadata.user_api_key_alias": "virtual-key concept of a proxy",
    "metadata.user_api_key_org_id": "virtual-key concept of a proxy",
    "metadata.user_api_key_team_id": "virtual-key concept of a proxy",
    "metadata.user_api_key_user_id": "virtual-key concept of a proxy",
    "metadata.user_api_key_team_alias": "virtual-key concept of a proxy",
    "metadata.spend_logs_metadata": "a proxy's spend-log tags",
    "metadata.requester_custom_headers": "always {}: client headers are not recorded (they can carry credentials)",
    "metadata.requester_ip_address": "as requester_ip_address",
    "metadata.vector_store_request_metadata.vector_store_search_response.search_query": "the query is in `query`",
    "metadata.vector_store_request_metadata.vector_store_search_response.has_more": "not recorded on the span",
    "metadata.vector_store_request_metadata.vector_store_search_response.next_page": "not recorded on the span",
    "metadata.vector_store_request_metadata.vector_store_search_response.data.filename": "not recorded on the span",
    "metadata.vector_store_request_metadata.vector_store_search_response.data.attributes": "not recorded on the span",
    "metadata.vector_store_request_metadata.vector_store_search_response.data.content": "documents are recorded as ids and scores",
    "metadata.vector_store_request_metadata.vector_store_search_response.data.content.type": "as content",
    "metadata.vector_store_request_metadata.vector_store_search_response.data.content.text": "as content",
    "model_map_information.model_map_value.max_tokens": "context limits are not in the price table",
    "model_map_information.model_map_value.max_input_tokens": "context limits are not in the price table",
    "model_map_information.model_map_value.max_output_tokens": "context limits are not in the price table",
    "model_map_information.model_map_value.supported_openai_params": "a gateway's capability list",
    "response_cost_failure_debug_info.cache_hit": "as cache_hit",
    "response_cost_failure_debug_info.base_model": "a gateway's deployment alias",
    "hidden_params.model_id": "as model_id",
    "hidden_params.cache_key": "as cache_key",
    "hidden_params.additional_headers": "rate-limit headers are not recorded on spans",
    "hidden_params.additional_headers.x_ratelimit_limit_requests": "as additional_headers",
    "hidden_params.additional_headers.x_ratelimit_limit_tokens": "as additional_headers",
    "hidden_params.additional_headers.x_ratelimit_remaining_requests": "as additional_headers",
    "hidden_params.additional_headers.x_ratelimit_remaining_tokens": "as additional_headers",
    "hidden_params.batch_models": "a gateway's batch fan-out",
}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, unions, lists, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, typing.Literal):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of every field, nested models included (a list's items share the list's path)."""
    paths = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        for sub in _models_in(info.annotation):
            paths.extend(field_paths(sub, f"{path}."))
    return paths


def values_at(record: Any, path: str) -> list[Any]:
    """Every value at ``path`` in a dumped record (lists are walked)."""
    items = [record]
    for part in path.split("."):
        nxt = []
        for item in items:
            for x in item if isinstance(item, list) else [item]:
                if isinstance(x, dict) and part in x:
                    nxt.append(x[part])
        items = nxt
    return items


def filled(value: Any) -> bool:
    return value is not None and value != {} and value != []


def make_calls(openai_client: Any, anthropic_client: Any) -> None:
    """Calls that between them fill every fillable field: a grouped request with a vector search
    and guardrails (metadata, tags, end user), a guardrail with content and masking, a cached streamed
    Anthropic call, a streamed OpenAI call with every sampling parameter, and a failure (unknown price)."""
    asyncio.run(grouped_request(openai_client))
    with otel_llmlog.trace("cached", end_user="user-9", tags=["t"]):
        for _ in anthropic_client("messages_streaming_prompt_cache_read").messages.create(
                model="claude-sonnet-4-20250514", max_tokens=64,
                stop_sequences=["END"], messages=[{"role": "user", "content": "q"}], stream=True):
            pass
    with otel_llmlog.trace("masked"):
        with otel_llmlog.guardrail("pii-mask", mode="pre_call") as g:
            g.set_result(verdict="modify", request={"text": "mail a@b.c"}, response={"text": "mail [EMAIL]"},
                         masked_entity_count={"EMAIL": 1})
        openai_client("chat_completion_basic").chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "mail [EMAIL]"}])
    c = openai_client("chat_completion_streaming_prompt_cache_hit")
    for _ in c.chat.completions.create(model="gpt-4o", messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "q"}],
                                       max_tokens=100, temperature=0.1, top_p=0.5, frequency_penalty=0.1, presence_penalty=0.1,
                                       seed=7, n=1, stop=["x"], response_format={"type": "text"},
                                       stream=True, stream_options={"include_usage": True}):
        pass
    with pytest.raises(openai.NotFoundError):
        openai_client("chat_completion_error_404_model_not_found").chat.completions.create(
            model="this-model-does-not-exist", messages=[{"role": "user", "content": "q"}])


@pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")  # the recording's model
def test_every_field_is_filled_by_some_call_or_documented_as_never(tracing_content, openai_client, anthropic_client) -> None:
    make_calls(openai_client, anthropic_client)
    records = [p.model_dump(mode="json") for p in to_payloads(tracing_content.spans())]
    assert len(records) == 7
    paths = field_paths(StandardLoggingPayload)
    assert len(paths) == len(set(paths)) > 80
    assert set(NEVER_FILLED) <= set(paths), set(NEVER_FILLED) - set(paths)
    unfilled = {p for p in paths if not any(filled(v) for r in records for v in values_at(r, p))}
    assert unfilled == set(NEVER_FILLED)


def test_the_mapping_doc_has_a_row_for_every_top_level_and_metadata_field() -> None:
    text = DOCS.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    named = " ".join(row.split("|")[1] for row in rows)
    for path in field_paths(StandardLoggingPayload):
        parts = path.split(".")
        if len(parts) == 1 or (parts[0] in {"metadata", "hidden_params"} and len(parts) == 2):
            assert parts[-1] in named, f"docs/payload.md has no row for {path}"
