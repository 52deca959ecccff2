"""The one view: each record format read with its own column types, projected to the same columns.

Every command asks its question of one SQL view, ``calls`` (:func:`view_sql`), never of the records
directly. The standard record (``StandardLoggingPayload``) and the gateway generation record say
the same facts in different places and shapes; the two SELECTs here are the one place that knows
where each fact lives in each format, so filters, the ``logs`` table, ``show`` and ``stats`` never
disagree. :data:`COLUMNS` lists what every row has.

Facts the standard record does not carry. ``StandardLoggingPayload`` has no finish reason (only
inside ``response`` when content was captured), no cache-read / cache-write / reasoning / audio
split and no fee items. The view reads them from, in order: a usage object in the OpenAI shape
(``metadata.usage_object``, the name LiteLLM's own records use; the generation record's
``nativeTokens``), and else derives what is exact from the record's own numbers: cache reads from
``saved_cache_cost`` and the price map's rates (the converter computes one from the other), and
the fee items when prompt, cache-read and completion tokens at the record's rates add up to its
``response_cost`` to the micro-dollar (which also proves there were no cache writes). What can
be neither read nor derived is shown as unknown, never as 0.

Reading: ``read_json(..., ignore_errors=true)`` turns a line DuckDB cannot read into a row of NULLs
instead of failing (and skips blank lines); such rows are kept with ``valid`` false, so the fast
path costs nothing and :mod:`.lines` reads only the files that have one again, to say why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...facts.fees import FEE_CODES
from .inputs import RecordFormat, Source

__all__ = ["COLUMNS", "GENERATION_SHAPE", "MAX_OBJECT_BYTES", "STANDARD_SHAPE", "fee_items_sql", "sql_identifier", "view_sql"]

#: the longest line DuckDB reads as one record (its default is 16 MiB; captured content can be long)
MAX_OBJECT_BYTES = 64 * 1024 * 1024

#: What is read of a standard record. Nested dicts are STRUCTs (a missing key reads as NULL);
#: "JSON" keeps a value of varying shape as text for ``json_extract``.
STANDARD_SHAPE: dict[str, Any] = {
    "id": "VARCHAR", "trace_id": "VARCHAR", "call_type": "VARCHAR", "status": "VARCHAR",
    "response_cost": "DOUBLE", "prompt_tokens": "BIGINT", "completion_tokens": "BIGINT",
    "startTime": "DOUBLE", "endTime": "DOUBLE", "completionStartTime": "DOUBLE",
    "model": "VARCHAR", "saved_cache_cost": "DOUBLE", "end_user": "VARCHAR", "error_str": "VARCHAR",
    "response": "JSON",
    "model_map_information": {
        "model_map_key": "VARCHAR",
        "model_map_value": {
            "litellm_provider": "VARCHAR", "input_cost_per_token": "DOUBLE", "output_cost_per_token": "DOUBLE",
            "cache_read_input_token_cost": "DOUBLE", "cache_creation_input_token_cost": "DOUBLE",
            "cache_creation_input_token_cost_above_1hr": "DOUBLE",
        },
    },
    "metadata": {"user_api_key_hash": "VARCHAR", "user_api_key_alias": "VARCHAR", "usage_object": "JSON"},
    "hidden_params": {"litellm_model_name": "VARCHAR"},
    "error_information": {"llm_provider": "VARCHAR"},
    "response_cost_failure_debug_info": {"custom_llm_provider": "VARCHAR"},
}

#: What is read of a gateway generation record.
GENERATION_SHAPE: dict[str, Any] = {
    "generationId": "VARCHAR", "modelSlug": "VARCHAR", "providerSlug": "VARCHAR", "apiKeyId": "VARCHAR",
    "createdAt": "VARCHAR", "generationTime": "DOUBLE", "latency": "DOUBLE", "throughput": "VARCHAR",
    "finishReason": "VARCHAR", "nativeFinishReason": "VARCHAR",
    "realAmount": "VARCHAR", "billAmount": "VARCHAR", "originAmount": "VARCHAR",
    "nativeTokens": "JSON",
    "nativeFeeTokens": {code: "BIGINT" for code in FEE_CODES},
    "ratingResponses": {"ratingDetails": "STRUCT(feeItemCode VARCHAR, rate DOUBLE, billAmount DOUBLE)[]"},
}


def _type_sql(shape: Any) -> str:
    if isinstance(shape, str):
        return shape
    return "STRUCT(" + ", ".join(f"{sql_identifier(k)} {_type_sql(v)}" for k, v in shape.items()) + ")"


def sql_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier: record keys and ``--by`` paths may hold any character."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """``text`` as an SQL string literal (file names and JSON paths go into the SQL text itself)."""
    return "'" + text.replace("'", "''") + "'"


def _json_path(keys: Sequence[str]) -> str:
    return "$" + "".join(f'."{k}"' for k in keys)


def _usage(u: str) -> dict[str, str]:
    """Token kinds of a usage object in the OpenAI shape (plus the Anthropic names LiteLLM keeps)."""

    def first(*paths: str) -> str:
        return "coalesce(" + ", ".join(f"TRY_CAST(json_extract_string({u}, '{p}') AS BIGINT)" for p in paths) + ")"

    w5 = first("$.prompt_tokens_details.ephemeral_5m_input_tokens", "$.cache_creation.ephemeral_5m_input_tokens")
    w1 = first("$.prompt_tokens_details.ephemeral_1h_input_tokens", "$.cache_creation.ephemeral_1h_input_tokens")
    return {
        "x_input": first("$.prompt_tokens", "$.input_tokens"),
        "x_output": first("$.completion_tokens", "$.output_tokens"),
        "x_cache_read": first("$.prompt_tokens_details.cached_tokens", "$.cache_read_input_tokens"),
        "x_cache_write": f"coalesce({first('$.cache_creation_input_tokens')}, {w5} + {w1})",
        "x_write_5m": w5,
        "x_write_1h": w1,
        "x_reasoning": first("$.completion_tokens_details.reasoning_tokens"),
        "x_audio": first("$.completion_tokens_details.audio_tokens"),
        "x_web_search": first("$.server_tool_use.web_search_requests"),
    }


def _standard_select() -> list[tuple[str, str]]:
    mm = "r.model_map_information.model_map_value"
    u = _usage("r.metadata.usage_object")
    return [
        ("id", "r.id"),
        ("kind", "'standard'"),
        ("trace_id", "r.trace_id"),
        ("ts", "r.startTime"),
        ("model", "coalesce(r.model, r.hidden_params.litellm_model_name)"),
        ("response_model", "r.hidden_params.litellm_model_name"),
        ("provider", "lower(coalesce(" + f"{mm}.litellm_provider, r.response_cost_failure_debug_info.custom_llm_provider, "
         "r.error_information.llm_provider, CASE WHEN contains(r.model_map_information.model_map_key, '/') "
         "THEN split_part(r.model_map_information.model_map_key, '/', 1) END))"),
        ("call_type", "r.call_type"),
        ("status", "r.status"),
        ("input_tokens", "coalesce(r.prompt_tokens, 0)"),
        ("output_tokens", "coalesce(r.completion_tokens, 0)"),
        ("x_cache_read", u["x_cache_read"]),
        ("x_cache_write", u["x_cache_write"]),
        ("x_write_5m", u["x_write_5m"]),
        ("x_write_1h", u["x_write_1h"]),
        ("reasoning", u["x_reasoning"]),
        ("audio", u["x_audio"]),
        ("web_search", u["x_web_search"]),
        ("images", "NULL::BIGINT"),
        ("saved_cache_cost", "r.saved_cache_cost"),
        ("rate_prompt", f"{mm}.input_cost_per_token * 1e6"),
        ("rate_completion", f"{mm}.output_cost_per_token * 1e6"),
        ("rate_cache_read", f"{mm}.cache_read_input_token_cost * 1e6"),
        ("rate_write_5m", f"{mm}.cache_creation_input_token_cost * 1e6"),
        ("rate_write_1h", f"{mm}.cache_creation_input_token_cost_above_1hr * 1e6"),
        ("cost", "r.response_cost"),
        ("latency_ms", "CASE WHEN r.status = 'failure' THEN NULL ELSE (r.completionStartTime - r.startTime) * 1000 END"),
        ("generation_ms", "(r.endTime - r.startTime) * 1000"),
        ("throughput_recorded", "NULL::DOUBLE"),
        ("finish_read", "coalesce(json_extract_string(r.response, '$[0].finish_reason'), "
         "json_extract_string(r.response, '$.choices[0].finish_reason'))"),
        ("native_finish", "NULL::VARCHAR"),
        ("api_key_hash", "r.metadata.user_api_key_hash"),
        ("api_key_alias", "r.metadata.user_api_key_alias"),
        ("response_id", "json_extract_string(r.response, '$.id')"),
        ("end_user", "r.end_user"),
        ("error", "r.error_str"),
        ("gen_fee_items", "NULL"),
    ]


def _generation_select() -> list[tuple[str, str]]:
    u = _usage("r.nativeTokens")
    fee = "r.nativeFeeTokens"
    fee_items = (
        "[{'code': d.feeItemCode, 'quantity': CASE d.feeItemCode "
        + " ".join(f"WHEN '{c}' THEN {fee}.{sql_identifier(c)}" for c in FEE_CODES)
        + " END, 'rate': d.rate, 'amount': d.billAmount} for d in r.ratingResponses.ratingDetails]"
    )
    return [
        ("id", "r.generationId"),
        ("kind", "'generation'"),
        ("trace_id", "NULL::VARCHAR"),
        ("ts", "epoch(TRY_CAST(r.createdAt AS TIMESTAMPTZ))"),
        ("model", "CASE WHEN starts_with(r.modelSlug, r.providerSlug || '/') THEN r.modelSlug[strlen(r.providerSlug) + 2:] ELSE r.modelSlug END"),
        ("response_model", "CASE WHEN starts_with(r.modelSlug, r.providerSlug || '/') THEN r.modelSlug[strlen(r.providerSlug) + 2:] ELSE r.modelSlug END"),
        ("provider", "lower(r.providerSlug)"),
        ("call_type", "NULL::VARCHAR"),
        # the generation record has no status: a call without usage and without a first token failed
        ("status", "CASE WHEN r.finishReason = 'error' OR (r.nativeTokens IS NULL AND r.latency IS NULL) THEN 'failure' ELSE 'success' END"),
        ("input_tokens", f"coalesce({u['x_input']}, 0)"),
        ("output_tokens", f"coalesce({u['x_output']}, 0)"),
        ("x_cache_read", f"coalesce({u['x_cache_read']}, {fee}.input_cache_read)"),
        ("x_cache_write", f"coalesce({u['x_cache_write']}, {fee}.input_cache_write, {fee}.input_cache_write_5_min + {fee}.input_cache_write_1_h)"),
        ("x_write_5m", f"coalesce({u['x_write_5m']}, {fee}.input_cache_write_5_min)"),
        ("x_write_1h", f"coalesce({u['x_write_1h']}, {fee}.input_cache_write_1_h)"),
        ("reasoning", f"coalesce({u['x_reasoning']}, {fee}.internal_reasoning)"),
        ("audio", f"coalesce({u['x_audio']}, {fee}.audio)"),
        ("web_search", f"coalesce({u['x_web_search']}, {fee}.web_search)"),
        ("images", f"{fee}.image"),
        ("saved_cache_cost", "NULL::DOUBLE"),
        ("rate_prompt", "NULL::DOUBLE"),
        ("rate_completion", "NULL::DOUBLE"),
        ("rate_cache_read", "NULL::DOUBLE"),
        ("rate_write_5m", "NULL::DOUBLE"),
        ("rate_write_1h", "NULL::DOUBLE"),
        ("cost", "TRY_CAST(coalesce(r.realAmount, r.billAmount, r.originAmount) AS DOUBLE)"),
        ("latency_ms", "r.latency"),
        ("generation_ms", "r.generationTime"),
        ("throughput_recorded", "TRY_CAST(r.throughput AS DOUBLE)"),
        ("finish_read", "r.finishReason"),
        ("native_finish", "r.nativeFinishReason"),
        ("api_key_hash", "r.apiKeyId"),
        ("api_key_alias", "NULL::VARCHAR"),
        ("response_id", "NULL::VARCHAR"),
        ("end_user", "NULL::VARCHAR"),
        ("error", "NULL::VARCHAR"),
        ("gen_fee_items", fee_items),
    ]


#: Sum of the fee items the standard record's rates give, in micro-dollars (tokens x USD per million).
_DERIVED_SUM = (
    "(input_tokens - coalesce(d_cache_read, 0) - coalesce(x_cache_write, 0)) * rate_prompt"
    " + coalesce(d_cache_read, 0) * coalesce(rate_cache_read, 0)"
    " + coalesce(x_write_5m, 0) * coalesce(rate_write_5m, 0) + coalesce(x_write_1h, 0) * coalesce(rate_write_1h, 0)"
    " + output_tokens * coalesce(rate_completion, 0)"
)

#: The normalized columns every command reads, with what they mean. ``None`` marks "unknown".
COLUMNS: dict[str, str] = {
    "id": "the record id (the call's span id; generationId)",
    "kind": "standard or generation",
    "filename": "the file the record was read from",
    "trace_id": "the trace the call belongs to",
    "ts": "start of the call, epoch seconds",
    "model": "the model asked for (else the one that answered)",
    "response_model": "the model that answered",
    "provider": "openai, anthropic, ...",
    "call_type": "chat, embeddings, ...",
    "status": "success or failure",
    "input_tokens": "input tokens, cache reads and writes included",
    "output_tokens": "output tokens, reasoning included",
    "prompt_uncached": "input tokens neither read from nor written to the cache",
    "cache_read": "input tokens read from the prompt cache",
    "cache_write": "input tokens written to the prompt cache",
    "cache_write_5m": "... of which with a 5-minute lifetime",
    "cache_write_1h": "... of which with a 1-hour lifetime",
    "reasoning": "output tokens spent on reasoning",
    "audio": "audio output tokens",
    "web_search": "web-search requests",
    "images": "images",
    "cost": "USD; NULL when no price is known",
    "fee_items": "the cost per fee item: code, quantity, rate (USD per million), amount",
    "latency_ms": "first-token latency; NULL for a failed call",
    "generation_ms": "whole call",
    "throughput": "output tokens per second of generation time",
    "finish": "normalized finish reason (stop, length, tool_call, content_filter, error)",
    "native_finish": "the provider's own finish reason, where the record has it",
    "api_key": "the key's alias, else the first 12 hex digits of its SHA-256",
    "api_key_hash": "SHA-256 of the API key",
    "api_key_alias": "the key's alias",
    "response_id": "the provider's response id, where the record has it",
    "end_user": "the end user",
    "error": "the error message of a failed call",
    "valid": "false for a line that could not be read as a record",
}


#: Whether the standard record's own numbers add up: its tokens at its rates give its cost to the
#: micro-dollar. Then a token kind it prices apart and has no tokens of is 0, and one it has no rate
#: for is billed inside ``prompt`` (``pricing.compute``), so as a fee bucket it is 0 too.
_RECONCILED = f"(cost IS NOT NULL AND rate_prompt IS NOT NULL AND abs(({_DERIVED_SUM}) - cost * 1e6) <= 1e-6 + 1e-9 * cost * 1e6)"

#: cache reads: read, else derived from the savings (saved = reads x (prompt rate - read rate) / 1e6)
_CACHE_READ = (
    "coalesce(x_cache_read, CASE WHEN input_tokens = 0 THEN 0 WHEN rate_cache_read IS NOT NULL AND rate_prompt > rate_cache_read "
    "THEN round(coalesce(saved_cache_cost, 0) * 1e6 / (rate_prompt - rate_cache_read))::BIGINT END)"
)


def _derived() -> list[tuple[str, str]]:
    """Columns computed the same way for both formats, from the ones read (see the module docstring)."""
    known_zero = "CASE WHEN input_tokens = 0 OR reconciled THEN 0 END"
    return [
        ("cache_read", f"coalesce(d_cache_read, {known_zero})"),
        ("cache_write", f"coalesce(x_cache_write, {known_zero})"),
        ("cache_write_5m", f"coalesce(x_write_5m, {known_zero})"),
        ("cache_write_1h", f"coalesce(x_write_1h, {known_zero})"),
        ("prompt_uncached", f"input_tokens - coalesce(d_cache_read, {known_zero}) - coalesce(x_cache_write, {known_zero})"),
        ("throughput", "coalesce(throughput_recorded, CASE WHEN status = 'success' AND output_tokens > 0 AND generation_ms > 0 "
         "THEN output_tokens / (generation_ms / 1000) END)"),
        ("finish", "coalesce(finish_read, CASE WHEN status = 'failure' THEN 'error' END)"),
        ("api_key", "coalesce(api_key_alias, api_key_hash[1:12])"),
        ("valid", "id IS NOT NULL AND ts IS NOT NULL"),
    ]


def fee_items_sql() -> str:
    """``fee_items`` of a row of ``calls``: the generation record's own, else the standard record's
    when its numbers add up. Computed for the rows shown only (a list per row costs, per million)."""
    items = ", ".join(
        f"{{'code': '{code}', 'quantity': {qty}, 'rate': {rate}, 'amount': ({qty}) * {rate} / 1e6}}"
        for code, qty, rate in (
            ("prompt", "input_tokens - coalesce(d_cache_read, 0) - coalesce(x_cache_write, 0)", "rate_prompt"),
            ("input_cache_read", "coalesce(d_cache_read, 0)", "rate_cache_read"),
            ("input_cache_write_5_min", "coalesce(x_write_5m, 0)", "rate_write_5m"),
            ("input_cache_write_1_h", "coalesce(x_write_1h, 0)", "rate_write_1h"),
            ("completion", "output_tokens", "rate_completion"),
        )
    )
    return f"coalesce(gen_fee_items, CASE WHEN reconciled THEN [x FOR x IN [{items}] IF x.rate IS NOT NULL] END)"


def _read_json(sources: Sequence[Source], columns: dict[str, Any]) -> str:
    """``read_json`` over ``sources`` (one record format, one compression) with the columns of ``columns``."""
    files = "[" + ", ".join(sql_string(s.path) for s in sources) + "]"
    args = [files, "format='newline_delimited'", "ignore_errors=true", "filename=true", f"maximum_object_size={MAX_OBJECT_BYTES}"]
    if sources[0].gzip:
        args.append("compression='gzip'")
    args.append("columns={" + ", ".join(f"{sql_string(k)}: {sql_string(_type_sql(v))}" for k, v in columns.items()) + "}")
    return f"read_json({', '.join(args)})"


def _groups(sources: Sequence[Source]) -> dict[tuple[RecordFormat, bool], list[Source]]:
    """The sources by what ``read_json`` must be told: their record format and compression."""
    groups: dict[tuple[RecordFormat, bool], list[Source]] = {}
    for s in sources:
        groups.setdefault((s.record_format, s.gzip), []).append(s)
    return groups


def _extra_path(shape: dict[str, Any], path: Sequence[str]) -> tuple[dict[str, Any], str]:
    """(the shape with ``path`` readable, the SQL of its value as text) for ``--by a.b.c``.

    The path is followed through declared STRUCTs; where it reaches a JSON column the rest is a
    ``json_extract_string`` path, and where it leaves what is declared the key is declared as JSON.
    """
    shape = json.loads(json.dumps(shape))  # a deep copy: shapes are module constants
    node: Any = shape
    expr = "r"
    for i, key in enumerate(path):
        if not isinstance(node, dict):
            return shape, f"json_extract_string({expr}, {sql_string(_json_path(path[i:]))})" if node == "JSON" else "NULL"
        if key not in node:
            node[key] = "JSON"
        expr = f"{expr}.{sql_identifier(key)}"
        node = node[key]
    if node == "JSON":
        return shape, f"json_extract_string({expr}, '$')"
    return shape, f"CAST({expr} AS VARCHAR)"


def view_sql(sources: Sequence[Source], extra: dict[str, Sequence[str]] | None = None) -> str:
    """The SELECT of all ``sources`` as :data:`COLUMNS` (plus ``extra``: alias -> record path)."""
    parts = []
    # no input: the same projection over an empty relation of the standard record's columns
    groups = _groups(sources) or {("standard", False): []}
    for (record_format, _), group in groups.items():
        shape, select = (STANDARD_SHAPE, _standard_select()) if record_format == "standard" else (GENERATION_SHAPE, _generation_select())
        extra_cols = []
        for alias, path in (extra or {}).items():
            shape, expr = _extra_path(shape, path)
            extra_cols.append((alias, expr))
        cols = ", ".join(f"{expr} AS {sql_identifier(name)}" for name, expr in [*select, *extra_cols, ("filename", "r.filename")])
        if group:
            relation = _read_json(group, shape)
        else:
            empty = ", ".join(f"NULL::{_type_sql(v)} AS {sql_identifier(k)}" for k, v in shape.items())
            relation = f"(SELECT {empty}, NULL::VARCHAR AS filename WHERE false)"
        parts.append(f"SELECT {cols} FROM {relation} AS r")
    base = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    derived = ", ".join(f"{expr} AS {sql_identifier(name)}" for name, expr in _derived())
    with_reads = f"SELECT *, {_CACHE_READ} AS d_cache_read FROM ({base})"
    return f"SELECT *, {derived} FROM (SELECT *, {_RECONCILED} AS reconciled FROM ({with_reads}))"

