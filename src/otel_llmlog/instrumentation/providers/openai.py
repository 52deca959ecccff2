"""Facts of OpenAI calls: Chat Completions, Responses and Embeddings.

Only extraction lives here - reading request bodies and SDK response objects into a
:class:`~otel_llmlog.instrumentation.call_facts.CallFacts`. Spans, timing, cost and errors are
:mod:`~otel_llmlog.instrumentation.call`'s. SDK objects are read with
:func:`~otel_llmlog.instrumentation.providers.sdk_objects.read`, so older and newer SDK models
(and plain dicts of the same shape) read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...facts import semconv as sc
from ...facts.messages import as_text, parse_arguments, text_part
from ...facts.providers import OPENAI
from ..call_facts import CallFacts
from ..protocol import Endpoint, Provider, StreamState
from .sdk_objects import as_int, as_number, read


def _common_request(body: Mapping[str, Any], facts: CallFacts, max_tokens_keys: tuple[str, ...]) -> None:
    a = facts.request_attributes
    for key in max_tokens_keys:
        value = as_int(body.get(key))
        if value is not None:
            a[sc.REQUEST_MAX_TOKENS] = value
            break
    for key, attr in (
        ("temperature", sc.REQUEST_TEMPERATURE),
        ("top_p", sc.REQUEST_TOP_P),
        ("frequency_penalty", sc.REQUEST_FREQUENCY_PENALTY),
        ("presence_penalty", sc.REQUEST_PRESENCE_PENALTY),
    ):
        value = as_number(body.get(key))
        if value is not None:
            a[attr] = float(value)
    seed = as_int(body.get("seed"))
    if seed is not None:
        a[sc.REQUEST_SEED] = seed


def _usage_chat(usage: Any, facts: CallFacts) -> None:
    """Chat Completions / Embeddings usage: ``prompt_tokens`` already includes cached tokens."""
    if usage is None:
        return
    u = facts.usage
    u.input_tokens = as_int(read(usage, "prompt_tokens"))
    u.output_tokens = as_int(read(usage, "completion_tokens"))
    details = read(usage, "prompt_tokens_details")
    if details is not None:
        u.cache_read_tokens = as_int(read(details, "cached_tokens"))
        u.audio_input_tokens = as_int(read(details, "audio_tokens")) or None
    details = read(usage, "completion_tokens_details")
    if details is not None:
        u.reasoning_tokens = as_int(read(details, "reasoning_tokens"))
        u.audio_output_tokens = as_int(read(details, "audio_tokens")) or None


def _response_common(obj: Any, facts: CallFacts) -> None:
    facts.response_id = read(obj, "id") or facts.response_id
    facts.response_model = read(obj, "model") or facts.response_model
    tier = read(obj, "service_tier")
    if isinstance(tier, str):
        facts.response_attributes[sc.OPENAI_RESPONSE_SERVICE_TIER] = tier
        facts.price_context["service_tier"] = tier
    fingerprint = read(obj, "system_fingerprint")
    if isinstance(fingerprint, str):
        facts.response_attributes[sc.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint


# --- content conversion into the conventions' message schema (only run when capture is on) ---


def _parts_of(content_value: Any) -> list[dict[str, Any]]:
    if content_value is None:
        return []
    if isinstance(content_value, str):
        return [text_part(content_value)]
    parts = []
    for part in content_value if isinstance(content_value, list) else [content_value]:
        kind = read(part, "type")
        if kind in ("text", "input_text", "output_text"):
            parts.append(text_part(read(part, "text", "")))
        elif kind == "refusal":
            parts.append(text_part(read(part, "refusal", "")))
        else:
            parts.append({"type": kind or "unknown"})
    return parts


def _tool_call_part(call: Any) -> dict[str, Any]:
    fn = read(call, "function")
    return {
        "type": "tool_call",
        "id": read(call, "id"),
        "name": read(fn, "name") if fn is not None else read(call, "name"),
        "arguments": parse_arguments(read(fn, "arguments") if fn is not None else read(call, "arguments")),
    }


def _chat_input_messages(messages: Any) -> list[dict[str, Any]]:
    out = []
    for m in messages or ():
        role = read(m, "role") or "user"
        if role == "tool":
            out.append({"role": "tool", "parts": [
                {"type": "tool_call_response", "id": read(m, "tool_call_id"), "response": as_text(read(m, "content"))}
            ]})
            continue
        parts = _parts_of(read(m, "content"))
        parts += [_tool_call_part(c) for c in read(m, "tool_calls") or ()]
        out.append({"role": role, "parts": parts})
    return out


# --- Chat Completions ---


class ChatCompletions(Endpoint):
    operation = "chat"

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        _common_request(body, facts, ("max_completion_tokens", "max_tokens"))
        a = facts.request_attributes
        n = as_int(body.get("n"))
        if n is not None and n != 1:
            a[sc.REQUEST_CHOICE_COUNT] = n
        stop = body.get("stop")
        if isinstance(stop, str):
            a[sc.REQUEST_STOP_SEQUENCES] = [stop]
        elif isinstance(stop, list) and stop:
            a[sc.REQUEST_STOP_SEQUENCES] = [s for s in stop if isinstance(s, str)]
        fmt = body.get("response_format")
        kind = read(fmt, "type") if fmt is not None else None
        if kind in ("json_object", "json_schema"):
            a[sc.OUTPUT_TYPE] = "json"
        elif kind == "text":
            a[sc.OUTPUT_TYPE] = "text"
        if capture:
            facts.input_messages = _chat_input_messages(body.get("messages"))

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        _response_common(obj, facts)
        choices = read(obj, "choices") or ()
        facts.native_finish_reasons = [read(c, "finish_reason") or "" for c in choices]
        _usage_chat(read(obj, "usage"), facts)
        if capture:
            out = []
            for c in choices:
                msg = read(c, "message")
                parts = _parts_of(read(msg, "content"))
                refusal = read(msg, "refusal")
                if refusal:
                    parts.append(text_part(refusal))
                parts += [_tool_call_part(t) for t in read(msg, "tool_calls") or ()]
                out.append({"role": read(msg, "role") or "assistant", "parts": parts,
                            "finish_reason": read(c, "finish_reason") or ""})
            facts.output_messages = out

    def stream_state(self, facts: CallFacts, capture: bool) -> StreamState:
        return ChatStream(facts, capture)


class ChatStream(StreamState):
    """Chunks carry deltas per choice index; usage (when asked for) comes in a last chunk."""

    __slots__ = ("reasons", "texts", "tools")

    def __init__(self, facts: CallFacts, capture: bool) -> None:
        super().__init__(facts, capture)
        self.reasons: dict[int, str] = {}
        self.texts: dict[int, list[str]] = {}
        self.tools: dict[int, dict[int, dict[str, Any]]] = {}

    def chunk(self, chunk: Any) -> None:
        # Runs once per chunk: the SDK's chunk models are read by attribute (no helper call per
        # field); a plain mapping, or an object without these fields, takes the ``read`` path.
        facts = self.facts
        if facts.response_id is None:
            _response_common(chunk, facts)
        try:
            usage = chunk.usage
            choices = chunk.choices
        except AttributeError:
            usage = read(chunk, "usage")
            choices = read(chunk, "choices")
        if usage is not None:
            _usage_chat(usage, facts)
        for choice in choices or ():
            try:
                index = choice.index
                reason = choice.finish_reason
                delta = choice.delta
            except AttributeError:
                index = read(choice, "index", 0)
                reason = read(choice, "finish_reason")
                delta = read(choice, "delta")
            if reason:
                self.reasons[index] = reason
            if self.capture:
                try:
                    text = delta.content
                    calls = delta.tool_calls
                except AttributeError:
                    text = read(delta, "content")
                    calls = read(delta, "tool_calls")
                if text:
                    texts = self.texts.get(index)
                    if texts is None:
                        texts = self.texts[index] = []
                    texts.append(text)
                if calls:
                    self._tool_calls(index, calls)

    def _tool_calls(self, index: int, calls: Any) -> None:
        for call in calls:
            slots = self.tools.setdefault(index, {})
            slot = slots.setdefault(read(call, "index", 0), {"id": None, "name": None, "arguments": []})
            fn = read(call, "function")
            if read(call, "id"):
                slot["id"] = read(call, "id")
            if read(fn, "name"):
                slot["name"] = read(fn, "name")
            if read(fn, "arguments"):
                slot["arguments"].append(read(fn, "arguments"))

    def finish(self) -> None:
        facts = self.facts
        indexes = sorted(set(self.reasons) | set(self.texts) | set(self.tools))
        facts.native_finish_reasons = [self.reasons.get(i, "") for i in indexes]
        if self.capture:
            out = []
            for i in indexes:
                parts = [text_part("".join(self.texts[i]))] if i in self.texts else []
                for slot in (self.tools.get(i) or {}).values():
                    parts.append({"type": "tool_call", "id": slot["id"], "name": slot["name"],
                                  "arguments": parse_arguments("".join(slot["arguments"]))})
                out.append({"role": "assistant", "parts": parts, "finish_reason": self.reasons.get(i, "")})
            facts.output_messages = out


# --- Responses ---


def _responses_input(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = body.get("input")
    if isinstance(value, str):
        return [{"role": "user", "parts": [text_part(value)]}]
    out = []
    for item in value or ():
        kind = read(item, "type")
        if kind == "function_call_output":
            out.append({"role": "tool", "parts": [
                {"type": "tool_call_response", "id": read(item, "call_id"), "response": as_text(read(item, "output"))}
            ]})
        elif kind == "function_call":
            out.append({"role": "assistant", "parts": [
                {"type": "tool_call", "id": read(item, "call_id"), "name": read(item, "name"),
                 "arguments": parse_arguments(read(item, "arguments"))}
            ]})
        elif kind in (None, "message"):
            out.append({"role": read(item, "role") or "user", "parts": _parts_of(read(item, "content"))})
        else:
            out.append({"role": "user", "parts": [{"type": kind}]})
    return out


class Responses(Endpoint):
    operation = "chat"

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        _common_request(body, facts, ("max_output_tokens",))
        fmt = read(body.get("text"), "format")
        kind = read(fmt, "type") if fmt is not None else None
        if kind in ("json_object", "json_schema"):
            facts.request_attributes[sc.OUTPUT_TYPE] = "json"
        elif kind == "text":
            facts.request_attributes[sc.OUTPUT_TYPE] = "text"
        if capture:
            instructions = body.get("instructions")
            if isinstance(instructions, str) and instructions:
                facts.system_instructions = [text_part(instructions)]
            facts.input_messages = _responses_input(body)

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        _response_common(obj, facts)
        status = read(obj, "status") or ""
        output = read(obj, "output") or ()
        incomplete = read(read(obj, "incomplete_details"), "reason")
        native = incomplete or status
        has_tool_call = any(read(item, "type") == "function_call" for item in output)
        if status == "completed":
            normalized = "tool_call" if has_tool_call else "stop"
        elif incomplete == "max_output_tokens":
            normalized = "length"
        elif incomplete == "content_filter":
            normalized = "content_filter"
        elif status == "failed":
            normalized = "error"
        else:
            normalized = native
        if native:
            facts.native_finish_reasons = [native]
            facts.finish_reasons = [normalized]
        usage = read(obj, "usage")
        if usage is not None:
            u = facts.usage
            u.input_tokens = as_int(read(usage, "input_tokens"))
            u.output_tokens = as_int(read(usage, "output_tokens"))
            u.cache_read_tokens = as_int(read(read(usage, "input_tokens_details"), "cached_tokens"))
            u.reasoning_tokens = as_int(read(read(usage, "output_tokens_details"), "reasoning_tokens"))
        if capture:
            parts: list[dict[str, Any]] = []
            for item in output:
                kind = read(item, "type")
                if kind == "message":
                    parts += _parts_of(read(item, "content"))
                elif kind == "function_call":
                    parts.append({"type": "tool_call", "id": read(item, "call_id"), "name": read(item, "name"),
                                  "arguments": parse_arguments(read(item, "arguments"))})
                elif kind == "reasoning":
                    summary = " ".join(read(s, "text", "") for s in read(item, "summary") or ())
                    parts.append({"type": "reasoning", "content": summary})
            facts.output_messages = [{"role": "assistant", "parts": parts, "finish_reason": normalized}]

    def stream_state(self, facts: CallFacts, capture: bool) -> StreamState:
        return ResponsesStream(facts, capture, self)


class ResponsesStream(StreamState):
    """Named events; the terminal one (completed / incomplete / failed) carries the whole response."""

    __slots__ = ("endpoint",)

    TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})

    def __init__(self, facts: CallFacts, capture: bool, endpoint: Responses) -> None:
        super().__init__(facts, capture)
        self.endpoint = endpoint

    def chunk(self, event: Any) -> None:
        try:
            kind = event.type
        except AttributeError:
            kind = read(event, "type")
        if kind == "response.created":
            _response_common(read(event, "response"), self.facts)
        elif kind in self.TERMINAL:
            self.endpoint.response(read(event, "response"), self.facts, self.capture)


# --- Embeddings ---


class Embeddings(Endpoint):
    operation = "embeddings"

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        fmt = body.get("encoding_format")
        if isinstance(fmt, str):
            facts.request_attributes[sc.REQUEST_ENCODING_FORMATS] = [fmt]

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        facts.response_model = read(obj, "model")
        _usage_chat(read(obj, "usage"), facts)
        data = read(obj, "data") or ()
        if data:
            vector = read(data[0], "embedding")
            if isinstance(vector, list):
                facts.response_attributes[sc.EMBEDDINGS_DIMENSION_COUNT] = len(vector)


# --- guardrail and retrieval endpoints: spans of their own kind, no tokens, no cost ---


class Moderations(Endpoint):
    """``moderations.create`` is a guardrail check; the provider's own verdict values are kept."""

    operation = "apply_guardrail"
    role = "guardrail"

    def span_name(self, facts: CallFacts) -> str:
        return "apply_guardrail openai.moderation"

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        facts.request_attributes[sc.GUARDRAIL_NAME] = "openai.moderation"
        if capture and body.get("input") is not None:
            facts.response_attributes[sc.GUARDRAIL_INPUT] = as_text(body.get("input"))

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        facts.response_model = read(obj, "model")
        results = read(obj, "results") or ()
        flagged = any(read(r, "flagged") for r in results)
        categories: list[str] = []
        top: tuple[str, float] | None = None
        for r in results:
            cats, scores = read(r, "categories"), read(r, "category_scores")
            for name, value in _fields(cats):
                if value and name not in categories:
                    categories.append(name)
            for name, score in _fields(scores):
                if isinstance(score, (int, float)) and (top is None or score > top[1]):
                    top = (name, float(score))
        a = facts.response_attributes
        if facts.response_model:
            a[sc.RESPONSE_MODEL] = facts.response_model
        a[sc.GUARDRAIL_VERDICT_TYPE] = "deny" if flagged else "allow"
        a[sc.GUARDRAIL_STATUS] = "failure" if flagged else "success"
        a[sc.GUARDRAIL_FLAGGED_CATEGORIES] = categories
        if top is not None:
            a[sc.GUARDRAIL_RISK_CATEGORY], a[sc.GUARDRAIL_RISK_SCORE] = top
        if capture:
            a[sc.GUARDRAIL_OUTPUT] = as_text([{"flagged": read(r, "flagged"), "categories": dict(_fields(read(r, "categories")))}
                                              for r in results])


def _fields(obj: Any) -> list[tuple[str, Any]]:
    """(name, value) pairs of an SDK model or mapping, by the provider's own (aliased) names."""
    if obj is None:
        return []
    if isinstance(obj, Mapping):
        return list(obj.items())
    dump = getattr(obj, "model_dump", None)
    return list(dump(by_alias=True).items()) if dump is not None else []


class VectorStoreSearch(Endpoint):
    """``vector_stores.search``: a retrieval span; query and hits only when capture is on."""

    operation = "retrieval"
    role = "retrieval"

    def span_name(self, facts: CallFacts) -> str:
        return f"retrieval {facts.request_attributes.get(sc.DATA_SOURCE_ID, '')}".rstrip()

    def request(self, body: Mapping[str, Any], facts: CallFacts, capture: bool) -> None:
        parts = facts.path.strip("/").split("/")
        if len(parts) >= 3:
            facts.request_attributes[sc.DATA_SOURCE_ID] = parts[1]
        top_k = as_int(body.get("max_num_results"))
        if top_k is not None:
            facts.request_attributes[sc.RETRIEVAL_TOP_K] = top_k
        if capture and body.get("query") is not None:
            facts.request_attributes[sc.RETRIEVAL_QUERY_TEXT] = as_text(body.get("query"))

    def response(self, obj: Any, facts: CallFacts, capture: bool) -> None:
        data = read(obj, "data") or ()
        facts.response_attributes[sc.RETRIEVAL_RESULT_COUNT] = len(data)
        if capture:
            facts.response_attributes[sc.RETRIEVAL_DOCUMENTS] = as_text(
                [{"id": read(d, "file_id"), "score": read(d, "score")} for d in data]
            )


PROVIDER = Provider.of(
    OPENAI,
    endpoints={
        "/chat/completions": ChatCompletions(),
        "/responses": Responses(),
        "/embeddings": Embeddings(),
        "/moderations": Moderations(),
    },
    patterns=(("/vector_stores/", "/search", VectorStoreSearch()),),
)
