"""Every attribute and metric name this library emits, in one place.

Why one module: a name typed twice drifts. The span code, the converter, the docs table
(`docs/attributes.md`, generated from :data:`REGISTRY`) and the test that fails on any
unregistered attribute all read from here.

Names come from the newest OpenTelemetry GenAI semantic conventions (the
``semantic-conventions-genai`` registry), the cost proposal (``gen_ai.usage.cost.*``), a few
general conventions (``server.*``, ``error.type``, ``http.*``), and, for what no convention
covers, the project namespace ``llmlog.``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AttrType = Literal["string", "string[]", "int", "int[]", "double", "double[]", "boolean"]
Origin = Literal["genai", "genai-proposal", "general", "llmlog"]


@dataclass(frozen=True, slots=True)
class Attr:
    """One registered name: its value type, where it comes from, and what it means."""

    name: str
    type: AttrType
    origin: Origin
    brief: str
    when: str = "span"  # "span", "metric" (metric dimension only) or "span+metric"


REGISTRY: dict[str, Attr] = {}


def _reg(name: str, type_: AttrType, origin: Origin, brief: str, when: str = "span") -> str:
    if name in REGISTRY:  # pragma: no cover - guards against editing mistakes
        raise ValueError(f"attribute {name} registered twice")
    REGISTRY[name] = Attr(name, type_, origin, brief, when)
    return name


# --- GenAI conventions: identity of the call (set at span start, samplers can see them) ---
OPERATION_NAME = _reg("gen_ai.operation.name", "string", "genai", "Operation: `chat`, `embeddings`, ...", "span+metric")
PROVIDER_NAME = _reg("gen_ai.provider.name", "string", "genai", "Provider: `openai`, `anthropic`.", "span+metric")
REQUEST_MODEL = _reg("gen_ai.request.model", "string", "genai", "Model named in the request.", "span+metric")
SERVER_ADDRESS = _reg("server.address", "string", "general", "Host of the API endpoint called.", "span+metric")
SERVER_PORT = _reg("server.port", "int", "general", "Port of the API endpoint called.", "span+metric")

# --- GenAI conventions: request parameters ---
REQUEST_MAX_TOKENS = _reg("gen_ai.request.max_tokens", "int", "genai", "Maximum tokens the model may generate.")
REQUEST_TEMPERATURE = _reg("gen_ai.request.temperature", "double", "genai", "Sampling temperature.")
REQUEST_TOP_P = _reg("gen_ai.request.top_p", "double", "genai", "Nucleus sampling probability.")
REQUEST_TOP_K = _reg("gen_ai.request.top_k", "double", "genai", "Top-k sampling.")
REQUEST_FREQUENCY_PENALTY = _reg("gen_ai.request.frequency_penalty", "double", "genai", "Frequency penalty.")
REQUEST_PRESENCE_PENALTY = _reg("gen_ai.request.presence_penalty", "double", "genai", "Presence penalty.")
REQUEST_STOP_SEQUENCES = _reg("gen_ai.request.stop_sequences", "string[]", "genai", "Stop sequences.")
REQUEST_SEED = _reg("gen_ai.request.seed", "int", "genai", "Seed for reproducible sampling.")
REQUEST_CHOICE_COUNT = _reg("gen_ai.request.choice.count", "int", "genai", "Number of choices asked for (`n`), when not 1.")
REQUEST_STREAM = _reg("gen_ai.request.stream", "boolean", "genai", "Whether the response was requested as a stream.")
REQUEST_ENCODING_FORMATS = _reg("gen_ai.request.encoding_formats", "string[]", "genai", "Embedding encoding formats asked for.")
OUTPUT_TYPE = _reg("gen_ai.output.type", "string", "genai", "Output type asked for: `text` or `json`.")

# --- GenAI conventions: response ---
RESPONSE_ID = _reg("gen_ai.response.id", "string", "genai", "Provider's id of the completion (`chatcmpl-…`, `resp_…`, `msg_…`).")
RESPONSE_MODEL = _reg("gen_ai.response.model", "string", "genai", "Model that answered, as the provider reports it.", "span+metric")
RESPONSE_FINISH_REASONS = _reg(
    "gen_ai.response.finish_reasons", "string[]", "genai",
    "Finish reason per choice, normalized: `stop`, `length`, `content_filter`, `tool_call`, `error`.",
)
RESPONSE_TIME_TO_FIRST_CHUNK = _reg(
    "gen_ai.response.time_to_first_chunk", "double", "genai", "Seconds from request start to the first streamed chunk (streams only)."
)
EMBEDDINGS_DIMENSION_COUNT = _reg("gen_ai.embeddings.dimension.count", "int", "genai", "Dimensions of the returned embedding.")
CONVERSATION_ID = _reg("gen_ai.conversation.id", "string", "genai", "Session / conversation id, when the caller gave one.")

# --- GenAI conventions: usage ---
USAGE_INPUT_TOKENS = _reg("gen_ai.usage.input_tokens", "int", "genai", "Input tokens, inclusive of cache reads and cache writes.")
USAGE_OUTPUT_TOKENS = _reg("gen_ai.usage.output_tokens", "int", "genai", "Output tokens, inclusive of reasoning tokens.")
USAGE_CACHE_READ_INPUT_TOKENS = _reg("gen_ai.usage.cache_read.input_tokens", "int", "genai", "Input tokens served from the prompt cache.")
USAGE_CACHE_WRITE_INPUT_TOKENS = _reg("gen_ai.usage.cache_write.input_tokens", "int", "genai", "Input tokens written to the prompt cache (all TTLs).")
USAGE_REASONING_OUTPUT_TOKENS = _reg("gen_ai.usage.reasoning.output_tokens", "int", "genai", "Output tokens spent on reasoning.")
TOKEN_TYPE = _reg("gen_ai.token.type", "string", "genai", "Token kind of a token-usage metric point: `input` or `output`.", "metric")

# --- GenAI content (opt-in) ---
INPUT_MESSAGES = _reg("gen_ai.input.messages", "string", "genai", "Input messages as JSON (conventions' message schema). Opt-in.")
OUTPUT_MESSAGES = _reg("gen_ai.output.messages", "string", "genai", "Output messages as JSON (conventions' message schema). Opt-in.")
SYSTEM_INSTRUCTIONS = _reg("gen_ai.system_instructions", "string", "genai", "System instructions as JSON parts. Opt-in.")

# --- GenAI cost proposal ---
USAGE_COST_AMOUNT = _reg("gen_ai.usage.cost.amount", "double", "genai-proposal", "Cost of the call; absent when no price is known.")
USAGE_COST_CURRENCY = _reg("gen_ai.usage.cost.currency", "string", "genai-proposal", "Currency of the cost: `USD`.")
USAGE_COST_SOURCE = _reg(
    "gen_ai.usage.cost.source", "string", "genai-proposal", "`local` when computed from the price table, `provider` when reported."
)

# --- OpenAI specific conventions ---
OPENAI_RESPONSE_SERVICE_TIER = _reg("openai.response.service_tier", "string", "genai", "Service tier that served the request.")
OPENAI_RESPONSE_SYSTEM_FINGERPRINT = _reg("openai.response.system_fingerprint", "string", "genai", "Backend configuration fingerprint.")

# --- general conventions ---
ERROR_TYPE = _reg("error.type", "string", "general", "HTTP status code or exception class name of a failed call.", "span+metric")
HTTP_RESEND_COUNT = _reg("http.request.resend_count", "int", "general", "Retries the SDK made before the final attempt (absent when 0).")
HTTP_STATUS_CODE = _reg("http.response.status_code", "int", "general", "HTTP status of the final attempt.")

# --- project namespace: what no convention covers ---
CACHE_WRITE_5M_INPUT_TOKENS = _reg("llmlog.usage.cache_write_5m.input_tokens", "int", "llmlog", "Cache-write tokens with a 5-minute TTL.")
CACHE_WRITE_1H_INPUT_TOKENS = _reg("llmlog.usage.cache_write_1h.input_tokens", "int", "llmlog", "Cache-write tokens with a 1-hour TTL.")
AUDIO_INPUT_TOKENS = _reg("llmlog.usage.audio.input_tokens", "int", "llmlog", "Audio input tokens (part of input tokens).")
AUDIO_OUTPUT_TOKENS = _reg("llmlog.usage.audio.output_tokens", "int", "llmlog", "Audio output tokens (part of output tokens).")
COST_FEE_ITEMS = _reg(
    "llmlog.cost.fee_items", "string[]", "llmlog",
    "Fee-item codes of the cost breakdown (`prompt`, `completion`, `input_cache_read`, ...); parallel to the three below.",
)
COST_FEE_TOKENS = _reg("llmlog.cost.fee_tokens", "int[]", "llmlog", "Tokens billed per fee item.")
COST_FEE_RATES = _reg("llmlog.cost.fee_rates", "double[]", "llmlog", "Rate per fee item, USD per million tokens.")
COST_FEE_AMOUNTS = _reg("llmlog.cost.fee_amounts", "double[]", "llmlog", "Amount per fee item, USD (tokens x rate / 1e6).")
COST_PRICE_SOURCE = _reg("llmlog.cost.price_source", "string", "llmlog", "Where the rates came from: `genai-prices <version>` or `override`.")
COST_UNKNOWN_REASON = _reg("llmlog.cost.unknown_reason", "string", "llmlog", "Why no cost is given (no price known for the model, ...).")
NATIVE_FINISH_REASONS = _reg("llmlog.response.native_finish_reasons", "string[]", "llmlog", "Finish reasons exactly as the provider sent them.")
GENERATION_TIME = _reg("llmlog.response.generation_time", "double", "llmlog", "Seconds from request start until the response was complete.")
THROUGHPUT = _reg("llmlog.response.throughput", "double", "llmlog", "Output tokens per second of generation time.")
STREAM_CANCELLED = _reg("llmlog.stream.cancelled", "boolean", "llmlog", "True when a stream was closed or dropped before its end.")
STREAM_CHUNKS = _reg("llmlog.stream.chunks", "int", "llmlog", "Chunks (stream events) received.")
PROVIDER_REQUEST_ID = _reg("llmlog.provider.request_id", "string", "llmlog", "Provider's request id header (`x-request-id`, `request-id`).")
API_KEY_SHA256 = _reg("llmlog.api_key.sha256", "string", "llmlog", "SHA-256 hex of the API key used; the key itself is never exported.")
CONTENT_TRUNCATED = _reg("llmlog.content.truncated", "boolean", "llmlog", "True when a captured content attribute was cut at the maximum length.")

# --- request groups (otel_llmlog.trace): copied onto every span inside the group ---
WORKFLOW_NAME = _reg("gen_ai.workflow.name", "string", "genai", "Name of the request group (`otel_llmlog.trace(name)`).")
END_USER = _reg("llmlog.end_user", "string", "llmlog", "End user the request was made for, as the caller named it.")
REQUEST_TAGS = _reg("llmlog.request.tags", "string[]", "llmlog", "Tags of the request group (outer and inner groups merged).")
REQUEST_METADATA = _reg("llmlog.request.metadata", "string", "llmlog", "Caller metadata of the request group, as a JSON object.")

# --- guardrails (apply_guardrail spans; GenAI security proposal where it has a name) ---
GUARDRAIL_NAME = _reg("gen_ai.guardrail.name", "string", "genai-proposal", "Name of the guardrail that ran.")
GUARDRAIL_TARGET_TYPE = _reg(
    "gen_ai.guardrail.target.type", "string", "genai-proposal", "What was checked: `llm_input` (pre/during call) or `llm_output` (post call)."
)
GUARDRAIL_VERDICT_TYPE = _reg("gen_ai.guardrail.verdict.type", "string", "genai-proposal", "Verdict: `allow`, `deny` or `modify`.")
GUARDRAIL_VERDICT_REASON = _reg("gen_ai.guardrail.verdict.reason", "string", "genai-proposal", "Why the guardrail decided as it did.")
GUARDRAIL_RISK_CATEGORY = _reg("gen_ai.guardrail.security.risk.category", "string", "genai-proposal", "Highest-scoring risk category.")
GUARDRAIL_RISK_SCORE = _reg("gen_ai.guardrail.security.risk.score", "double", "genai-proposal", "Score of that category (0..1).")
GUARDRAIL_CONTENT_MODIFIED = _reg(
    "gen_ai.guardrail.security.content.modified", "boolean", "genai-proposal", "True when the guardrail changed the content."
)
GUARDRAIL_INPUT = _reg(
    "gen_ai.guardrail.security.content.input.value", "string", "genai-proposal", "What the guardrail was given, as JSON. Opt-in (content capture)."
)
GUARDRAIL_OUTPUT = _reg(
    "gen_ai.guardrail.security.content.output.value", "string", "genai-proposal", "What the guardrail answered, as JSON. Opt-in (content capture)."
)
GUARDRAIL_MODE = _reg(
    "llmlog.guardrail.mode", "string", "llmlog", "When it ran: `pre_call`, `during_call`, `post_call`, `logging_only`."
)
GUARDRAIL_STATUS = _reg(
    "llmlog.guardrail.status", "string", "llmlog", "`success` (ran and let the content through) or `failure` (blocked it, or failed to run)."
)
GUARDRAIL_MASKED_ENTITIES = _reg("llmlog.guardrail.masked_entities", "string[]", "llmlog", "Kinds of entities masked; parallel to the counts.")
GUARDRAIL_MASKED_COUNTS = _reg("llmlog.guardrail.masked_counts", "int[]", "llmlog", "How many entities of each kind were masked.")
GUARDRAIL_FLAGGED_CATEGORIES = _reg(
    "llmlog.guardrail.flagged_categories", "string[]", "llmlog", "Categories a moderation model flagged, as the provider names them."
)

# --- retrieval (vector-store searches) ---
DATA_SOURCE_ID = _reg("gen_ai.data_source.id", "string", "genai", "Vector store searched.")
RETRIEVAL_TOP_K = _reg("gen_ai.retrieval.top_k", "int", "genai", "How many results were asked for.")
RETRIEVAL_QUERY_TEXT = _reg("gen_ai.retrieval.query.text", "string", "genai", "The search query. Opt-in (content capture).")
RETRIEVAL_DOCUMENTS = _reg(
    "gen_ai.retrieval.documents", "string", "genai", "Returned documents as JSON `[{\"id\", \"score\"}]`. Opt-in (content capture)."
)
RETRIEVAL_RESULT_COUNT = _reg("llmlog.retrieval.result_count", "int", "llmlog", "How many results the search returned.")

# --- metric names ---
METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
METRIC_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"
METRIC_COST = "llmlog.client.cost"

METRICS: dict[str, tuple[str, str, str]] = {
    METRIC_OPERATION_DURATION: ("histogram", "s", "Duration of a GenAI call, request start to response complete."),
    METRIC_TIME_TO_FIRST_CHUNK: ("histogram", "s", "Time from request start to the first streamed chunk."),
    METRIC_TOKEN_USAGE: ("histogram", "{token}", "Tokens used per call, by `gen_ai.token.type`."),
    METRIC_COST: ("counter", "USD", "Cost of GenAI calls (only calls with a known price)."),
}

#: Prefixes whose attributes must all be registered here (checked by the test suite).
OWNED_PREFIXES: tuple[str, ...] = ("gen_ai.", "llmlog.")


def is_registered(name: str) -> bool:
    """True when ``name`` is a registered attribute."""
    return name in REGISTRY


def attributes_markdown() -> str:
    """Render the registry as the Markdown table kept in ``docs/attributes.md``."""
    lines = [
        "# Attributes and metrics",
        "",
        "Generated from `src/otel_llmlog/facts/semconv.py` by `otel-llmlog attributes > docs/attributes.md`;",
        "a test fails when this file is stale or when any span carries a `gen_ai.*` or `llmlog.*` attribute not listed.",
        "",
        "Origin: `genai` = OpenTelemetry GenAI semantic conventions; `genai-proposal` = the open GenAI cost proposal;",
        "`general` = general OpenTelemetry conventions; `llmlog` = this project's namespace.",
        "",
        "## Span attributes",
        "",
        "| name | type | origin | on | meaning |",
        "|---|---|---|---|---|",
    ]
    for a in REGISTRY.values():
        lines.append(f"| `{a.name}` | {a.type} | {a.origin} | {a.when} | {a.brief} |")
    lines += ["", "## Metrics", "", "| name | instrument | unit | meaning |", "|---|---|---|---|"]
    for name, (kind, unit, brief) in METRICS.items():
        lines.append(f"| `{name}` | {kind} | `{unit}` | {brief} |")
    lines += [
        "",
        "Metric dimensions: `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,",
        "`gen_ai.response.model`, `server.address`, `server.port`, `error.type` (and `gen_ai.token.type` on token usage).",
        "",
        "A call queues its measurements instead of recording them: they reach the instruments at the next",
        "collection (every export includes every call that ended before it), from a background thread once",
        "4 096 calls are waiting, and at `uninstrument()`. Values are unchanged; a measurement's timestamp is",
        "when it was recorded, and its exemplar links to the call's own span. See docs/performance.md.",
        "",
    ]
    return "\n".join(lines)
