"""The log explorer: ``otel-llmlog logs``, ``show`` and ``stats`` over the JSON lines this library writes.

It imitates a gateway's "Logs" page in the terminal, over the files themselves: no import step,
no database to keep in sync. The engine is DuckDB (``pip install 'otel-llmlog[logs]'``), which
reads newline-delimited JSON in place with explicit column types and answers over a million
records (2.3 GB) in a few seconds on two cores; ``docs/logs.md`` has the measurements and why not
pandas, polars or SQLite.

How a command runs:

1. **Inputs** (:func:`collect_sources`): files, directories (every ``*.jsonl*`` in them, rotated
   ``llm-calls.jsonl.1`` ... included), ``-`` for stdin (copied to a temporary file, since DuckDB
   and the error report both read it again), gzip. A file whose first record is not a log record
   but spans (OTLP JSON / protobuf, Jaeger JSON) goes through :mod:`otel_llmlog.records.convert` first,
   into a temporary JSON-lines file of standard records.
2. **One view** (:func:`view_sql`): each record kind (the standard ``StandardLoggingPayload`` and
   the gateway generation record) is read with its own column types and projected to the same
   normalized columns (:data:`COLUMNS`). That projection is the one place that knows where each
   fact lives in each kind, so filters, the table, ``show`` and ``stats`` never disagree.
3. **One scan** per question: the rows a command needs are materialized into a temporary table,
   and every later query (count, page, groups) runs on that table, not on the files again.
4. **Bad lines**: ``read_json(..., ignore_errors=true)`` turns a line it cannot read into a row of
   NULLs instead of failing, and skips blank lines. Such rows are kept (``valid`` is false), so the
   fast path costs nothing extra; only a file that has one is read again, line by line, in Python
   (:func:`find_bad_lines`) to say ``file:line: reason`` for each.

Facts the standard record does not carry. ``StandardLoggingPayload`` has no finish reason (only
inside ``response`` when content was captured), no cache-read / cache-write / reasoning / audio
split and no fee items. The view reads them from, in order: a usage object in the OpenAI shape
(``metadata.usage_object``, the name LiteLLM's own records use; the generation record's
``nativeTokens``), and else derives what is exact from the record's own numbers: cache reads from
``saved_cache_cost`` and the price map's rates (the converter computes one from the other), and
the fee items when prompt, cache-read and completion tokens at the record's rates add up to its
``response_cost`` to the micro-dollar (which also proves there were no cache writes). What can
be neither read nor derived is shown as unknown, never as 0.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from glob import escape, glob
from typing import IO, TYPE_CHECKING, Any, Literal

from ..facts.fees import FEE_CODES
from ..records.formats import detect_content, read_head
from ..records.jsonlines import record_line

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "COLUMNS",
    "ExplorerError",
    "Filters",
    "LogStore",
    "Source",
    "collect_sources",
    "find_bad_lines",
    "parse_time",
    "run",
    "view_sql",
]

Kind = Literal["standard", "generation"]

#: the longest line DuckDB reads as one record (its default is 16 MiB; captured content can be long)
MAX_OBJECT_BYTES = 64 * 1024 * 1024
#: rows ``logs`` shows unless told (``-n``); ``--json`` prints every match
DEFAULT_LIMIT = 50

class ExplorerError(Exception):
    """A problem with what the user asked (no such file, an unreadable --since): exit status 2."""


# --------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class Source:
    """One JSON-lines file as DuckDB reads it. ``name`` is what messages call it (the user's path,
    ``<stdin>``); ``path`` differs from it for stdin and for span files converted to records."""

    path: str
    name: str
    kind: Kind
    gzip: bool = False


def default_paths() -> list[str]:
    """What the JSON-log exporter writes when nothing is configured: ``OTEL_LLMLOG_JSON_PATH`` (or
    ``llm-calls.jsonl``) and its rotated files ``.1``, ``.2`` ...; ``{pid}`` matches any process."""
    from ..records.exporters import DEFAULT_PATH, PATH_ENV

    configured = os.environ.get(PATH_ENV, "").strip() or DEFAULT_PATH
    if configured == "-":
        raise ExplorerError(f"{PATH_ENV} is '-' (the exporter writes to stdout): pass the file the output went to")
    pattern = escape(configured).replace("{pid}", "*")
    found = sorted(set(glob(pattern)) | {p for p in glob(pattern + ".*") if re.search(r"\.\d+$", p)})
    if not found:
        raise ExplorerError(f"no log file {configured} here: pass the files or directory to read, or set {PATH_ENV}")
    return found


def _temp_file(workdir: str, prefix: str) -> str:
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".jsonl", dir=workdir)
    os.close(fd)
    return path


def _files_of(arg: str) -> list[str]:
    if os.path.isdir(arg):
        found = sorted(p for p in glob(os.path.join(escape(arg), "*.jsonl*")) if os.path.isfile(p))
        if not found:
            raise ExplorerError(f"{arg}: no *.jsonl files in this directory")
        return found
    if not os.path.exists(arg):
        raise ExplorerError(f"{arg}: no such file or directory")
    return [arg]


def collect_sources(paths: Sequence[str], workdir: str, stdin: IO[bytes] | None, bad: list[str],
                    empty: list[str] | None = None) -> list[Source]:
    """The sources of ``paths`` (none: :func:`default_paths`), in the order given.

    Problems with span files are appended to ``bad`` as ``file:line: reason``; a missing path is an
    :class:`ExplorerError`. Empty files give no source; their names go to ``empty``.
    """
    named: list[tuple[str, str]] = []
    for arg in paths or default_paths():
        if arg == "-":
            if stdin is None:
                raise ExplorerError("-: no standard input")
            copy = _temp_file(workdir, "stdin-")
            with open(copy, "wb") as out:
                shutil.copyfileobj(stdin, out, 1 << 20)
            named.append((copy, "<stdin>"))
        else:
            named.extend((p, p) for p in _files_of(arg))
    sources = []
    for path, name in named:
        head, compressed = read_head(path)
        kind = detect_content(head)
        if kind is None and empty is not None:
            empty.append(name)
        if kind == "spans":
            sources.append(_converted(path, name, workdir, bad))
        elif kind is not None:
            sources.append(Source(path, name, kind, compressed))
    return sources


def _converted(path: str, name: str, workdir: str, bad: list[str]) -> Source:
    """A span file as standard records, through the same converter as ``otel-llmlog convert``."""
    from ..records.convert import to_payloads
    from ..records.reading import ReadError, read_path

    errors: list[ReadError] = []
    spans = list(read_path(path, errors=errors))
    bad.extend(f"{name}:{e.line}: {e.reason}" for e in errors)
    out = _temp_file(workdir, "converted-")
    with open(out, "wb") as fh:
        for record in to_payloads(spans):
            fh.write(record_line(record))
    return Source(out, name, "standard")


# --------------------------------------------------------------------------------------------
# the view: each record kind read with its own types, projected to the same columns

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
    return "STRUCT(" + ", ".join(f"{_ident(k)} {_type_sql(v)}" for k, v in shape.items()) + ")"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
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
        + " ".join(f"WHEN '{c}' THEN {fee}.{_ident(c)}" for c in FEE_CODES)
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
    """Columns computed the same way for both kinds, from the ones read (see the module docstring)."""
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


def _fee_items_sql() -> str:
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
    """``read_json`` over ``sources`` (one kind, one compression) with the columns of ``columns``."""
    files = "[" + ", ".join(_literal(s.path) for s in sources) + "]"
    args = [files, "format='newline_delimited'", "ignore_errors=true", "filename=true", f"maximum_object_size={MAX_OBJECT_BYTES}"]
    if sources[0].gzip:
        args.append("compression='gzip'")
    args.append("columns={" + ", ".join(f"{_literal(k)}: {_literal(_type_sql(v))}" for k, v in columns.items()) + "}")
    return f"read_json({', '.join(args)})"


def _groups(sources: Sequence[Source]) -> dict[tuple[Kind, bool], list[Source]]:
    groups: dict[tuple[Kind, bool], list[Source]] = {}
    for s in sources:
        groups.setdefault((s.kind, s.gzip), []).append(s)
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
            return shape, f"json_extract_string({expr}, {_literal(_json_path(path[i:]))})" if node == "JSON" else "NULL"
        if key not in node:
            node[key] = "JSON"
        expr = f"{expr}.{_ident(key)}"
        node = node[key]
    if node == "JSON":
        return shape, f"json_extract_string({expr}, '$')"
    return shape, f"CAST({expr} AS VARCHAR)"


def view_sql(sources: Sequence[Source], extra: dict[str, Sequence[str]] | None = None) -> str:
    """The SELECT of all ``sources`` as :data:`COLUMNS` (plus ``extra``: alias -> record path)."""
    parts = []
    # no input: the same projection over an empty relation of the standard record's columns
    groups = _groups(sources) or {("standard", False): []}
    for (kind, _), group in groups.items():
        shape, select = (STANDARD_SHAPE, _standard_select()) if kind == "standard" else (GENERATION_SHAPE, _generation_select())
        extra_cols = []
        for alias, path in (extra or {}).items():
            shape, expr = _extra_path(shape, path)
            extra_cols.append((alias, expr))
        cols = ", ".join(f"{expr} AS {_ident(name)}" for name, expr in [*select, *extra_cols, ("filename", "r.filename")])
        if group:
            relation = _read_json(group, shape)
        else:
            empty = ", ".join(f"NULL::{_type_sql(v)} AS {_ident(k)}" for k, v in shape.items())
            relation = f"(SELECT {empty}, NULL::VARCHAR AS filename WHERE false)"
        parts.append(f"SELECT {cols} FROM {relation} AS r")
    base = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    derived = ", ".join(f"{expr} AS {_ident(name)}" for name, expr in _derived())
    with_reads = f"SELECT *, {_CACHE_READ} AS d_cache_read FROM ({base})"
    return f"SELECT *, {derived} FROM (SELECT *, {_RECONCILED} AS reconciled FROM ({with_reads}))"


# --------------------------------------------------------------------------------------------
# filters

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|wk|weeks?)\s*(?:ago)?\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str, now: float | None = None) -> float:
    """``--since``/``--until``: epoch seconds of ``2h``, ``30m``, ``7d``, ``now``, ``today``, or an
    ISO date/time (``2025-08-22``, ``2025-08-22T10:30``, ``2025-08-22 10:30:00+02:00``). Without a
    zone the time is local, like the times the table shows."""
    now = time.time() if now is None else now
    value = text.strip()
    m = _RELATIVE.match(value)
    if m:
        return now - float(m.group(1)) * _UNIT_SECONDS[m.group(2)[0].lower()]
    if value.lower() == "now":
        return now
    if value.lower() in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - timedelta(days=1 if value.lower() == "yesterday" else 0)).timestamp()
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise ExplorerError(
            f"cannot read the time {text!r}: use a relative time (30m, 2h, 7d) or a date/time (2025-08-22, 2025-08-22T10:30)"
        ) from None
    return when.timestamp()  # naive: local time


_SECRET = re.compile(r"^(sk|rk|pk)[-_]|^sk-ant-|^AIza|^xai-", re.I)
_HEX = re.compile(r"^[0-9a-f]{6,64}$")


@dataclass
class Filters:
    """What ``logs`` and ``stats`` narrow the records to; every given filter must hold."""

    since: float | None = None
    until: float | None = None
    api_keys: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    finish_reasons: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    trace_ids: list[str] = field(default_factory=list)
    min_cost: float | None = None

    def __post_init__(self) -> None:
        for key in self.api_keys:
            if _SECRET.search(key):
                raise ExplorerError(
                    "--api-key takes the key's alias or the start of its SHA-256, never the key itself "
                    '(the hash: printf %s "$KEY" | sha256sum | cut -c1-12)'
                )
        for status in self.statuses:
            if status not in ("success", "failure"):
                raise ExplorerError(f"--status is success or failure, not {status!r}")

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE condition with ``?`` placeholders, and its parameters."""
        where: list[str] = []
        params: list[Any] = []

        def any_of(values: list[str], template: str, per_value: int) -> None:
            if values:
                where.append("(" + " OR ".join([template] * len(values)) + ")")
                for v in values:
                    params.extend([v] * per_value)

        if self.since is not None:
            where.append("ts >= ?")
            params.append(self.since)
        if self.until is not None:
            where.append("ts < ?")
            params.append(self.until)
        if self.api_keys:
            where.append("(" + " OR ".join(
                "api_key_alias = ?" + (" OR starts_with(lower(api_key_hash), ?)" if _HEX.match(k.lower()) else "") for k in self.api_keys
            ) + ")")
            for k in self.api_keys:
                params.extend([k, k.lower()] if _HEX.match(k.lower()) else [k])
        any_of(self.request_ids, "(starts_with(id, ?) OR response_id = ?)", 2)
        any_of([p.lower() for p in self.providers], "provider = ?", 1)
        any_of(
            [m.lower() for m in self.models],
            "(lower(model) GLOB ? OR lower(response_model) GLOB ? OR lower(provider || '/' || coalesce(response_model, model)) GLOB ?)", 3,
        )
        any_of(self.finish_reasons, "(finish = ? OR native_finish = ?)", 2)
        any_of(self.statuses, "status = ?", 1)
        any_of(self.trace_ids, "starts_with(trace_id, ?)", 1)
        if self.min_cost is not None:
            where.append("cost >= ?")
            params.append(self.min_cost)
        return (" AND ".join(where) or "true"), params


# --------------------------------------------------------------------------------------------
# the store

#: what the ``logs`` table shows and sorts by
TABLE_COLUMNS = (
    "id", "kind", "filename", "ts", "model", "response_model", "provider", "status", "input_tokens", "output_tokens",
    "cost", "latency_ms", "generation_ms", "throughput", "finish", "valid",
)
#: the input-token breakdown (``--tokens``)
TOKEN_COLUMNS = ("prompt_uncached", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h")
#: what the fee items are computed from (``--cost``)
COST_COLUMNS = (
    "gen_fee_items", "reconciled", "d_cache_read", "x_cache_write", "x_write_5m", "x_write_1h",
    "rate_prompt", "rate_cache_read", "rate_write_5m", "rate_write_1h", "rate_completion",
)
#: what ``stats`` aggregates
STATS_COLUMNS = (
    "status", "input_tokens", "output_tokens", "prompt_uncached", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h",
    "reasoning", "audio", "web_search", "images", "cost", "latency_ms", "generation_ms", "throughput",
)

SORT_KEYS = {
    "time": "ts", "cost": "cost", "latency": "latency_ms", "generation": "generation_ms",
    "throughput": "throughput", "input": "input_tokens", "output": "output_tokens", "model": "model",
}


class LogStore:
    """The sources as one DuckDB view, ``calls``, and the queries the commands run on it."""

    def __init__(self, sources: Sequence[Source], extra: dict[str, Sequence[str]] | None = None) -> None:
        import duckdb

        self.sources = list(sources)
        self.names = {s.path: s.name for s in self.sources}
        self.con: duckdb.DuckDBPyConnection = duckdb.connect(config={"preserve_insertion_order": False})
        self.con.execute(f"CREATE TEMP VIEW calls AS {view_sql(self.sources, extra)}")

    def close(self) -> None:
        self.con.close()

    def load(self, table: str, where: str, params: Sequence[Any], columns: Sequence[str] | None = None) -> None:
        """One scan: the rows matching ``where`` (and every unreadable one) into the table ``table``.

        ``columns`` (default: all) are the ones kept: keeping all fifty of a million rows costs
        more than the scan itself, and DuckDB reads from the JSON only what the kept ones use.
        """
        keep = "*" if columns is None else ", ".join(_ident(c) for c in dict.fromkeys([*columns, "id", "filename", "valid"]))
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {keep} FROM calls WHERE NOT valid OR ({where})", list(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        out = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for row in out:
            if "filename" in row:  # ``path`` is what DuckDB read, ``filename`` what the user named
                row["path"] = row["filename"]
                row["filename"] = self.names.get(row["filename"], row["filename"])
        return out

    def files_with_bad_rows(self, table: str) -> list[Source]:
        """The sources that gave a row DuckDB could not read as a record."""
        bad = {r[0] for r in self.con.execute(f"SELECT DISTINCT filename FROM {table} WHERE NOT valid").fetchall()}
        return [s for s in self.sources if s.path in bad]

    def page(self, table: str, sort: str, ascending: bool, limit: int | None, fee_items: bool = True) -> list[dict[str, Any]]:
        """The valid rows of ``table`` in order, with their fee items (which need :data:`COST_COLUMNS`)."""
        direction = "ASC" if ascending else "DESC"
        order = f"{SORT_KEYS[sort]} {direction} NULLS LAST, id {direction}"
        fees = f", {_fee_items_sql()} AS fee_items" if fee_items else ""
        return self.rows(f"SELECT *{fees} FROM {table} WHERE valid ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else ""))

    def count(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table} WHERE valid").fetchone()[0])  # type: ignore[index]

    def stats(self, table: str, group: Sequence[str]) -> list[dict[str, Any]]:
        """One row per group (none: one row for everything): calls, errors, tokens by kind, cost,
        percentiles (linear interpolation between the two nearest ranks, ``quantile_cont``)."""
        keys = ", ".join(_ident(g) for g in group)
        unknown = ", ".join(f"count(*) - count({c}) AS {_ident(c + '_unknown')}" for c in (
            "cache_read", "cache_write", "cache_write_5m", "cache_write_1h", "reasoning", "audio"))
        sums = ", ".join(f"sum({c}) AS {_ident(c)}" for c in (
            "input_tokens", "output_tokens", "prompt_uncached", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h",
            "reasoning", "audio", "web_search", "images", "cost"))
        sql = (
            f"SELECT {keys + ',' if keys else ''} count(*) AS calls, count(*) FILTER (WHERE status = 'failure') AS errors, "
            f"{sums}, {unknown}, count(*) FILTER (WHERE cost IS NULL AND status = 'success') AS unpriced, "
            "quantile_cont(latency_ms, [0.5, 0.95, 0.99]) AS latency_ms, quantile_cont(generation_ms, [0.5, 0.95, 0.99]) AS generation_ms, "
            "quantile_cont(throughput, 0.5) AS throughput_p50, "
            "sum(cache_read) / nullif(sum(input_tokens) FILTER (WHERE cache_read IS NOT NULL), 0) AS cache_hit_ratio "
            f"FROM {table} WHERE valid" + (f" GROUP BY {keys} ORDER BY calls DESC, {keys}" if keys else "")
        )
        return self.rows(sql)

    def raw(self, rows: Sequence[dict[str, Any]]) -> list[bytes]:
        """The original lines of ``rows`` (which carry ``id`` and their source's ``path``), in
        their order, byte for byte as written: one pass over their files, in Python
        (:func:`record_lines`), which finds ids faster than a second DuckDB scan would."""
        found: dict[tuple[str, str], bytes] = {}
        for source in self.sources:
            wanted = {r["id"] for r in rows if r["path"] == source.path}
            if wanted:
                found.update(((source.path, rid), line) for rid, line in record_lines(source, wanted.__contains__))
        return [found[key] for r in rows if (key := (r["path"], r["id"])) in found]


def _open(source: Source) -> IO[bytes]:
    return gzip.open(source.path, "rb") if source.gzip else open(source.path, "rb")  # type: ignore[return-value]


#: the id of a record whose first key it is (both record kinds as this library writes them)
_FIRST_ID = re.compile(rb'\s*\{\s*"(?:id|generationId)"\s*:\s*"([^"\\]*)"')


def record_lines(source: Source, match: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """(id, line) of each record of ``source`` whose id ``match`` accepts.

    The id is the first key of every record this library writes, so a regular expression finds
    it without parsing the line (a million lines in about 1.5 s); a line where it is not first is
    parsed. Unreadable lines are skipped (they are reported elsewhere).
    """
    with _open(source) as fh:
        for line in fh:
            m = _FIRST_ID.match(line)
            if m:
                rid = m.group(1).decode("utf-8", "replace")
            else:
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                rid = obj.get("id", obj.get("generationId")) if isinstance(obj, dict) else None
                if not isinstance(rid, str):
                    continue
            if match(rid):
                yield rid, line.rstrip(b"\r\n")


# --------------------------------------------------------------------------------------------
# bad lines


def _required(kind: Kind) -> tuple[tuple[str, type | tuple[type, ...]], ...]:
    if kind == "generation":
        return (("generationId", str), ("createdAt", str))
    return (("id", str), ("startTime", (int, float)))


def find_bad_lines(source: Source) -> Iterator[str]:
    """``file:line: reason`` for each line of ``source`` that is not a record of its kind.

    Only run on a file in which DuckDB found an unreadable line, so a million good lines never
    pay for it. The reasons are Python's, which name the column of a JSON error.
    """
    with _open(source) as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            if len(raw) > MAX_OBJECT_BYTES:
                yield f"{source.name}:{number}: the line is longer than {MAX_OBJECT_BYTES >> 20} MiB"
                continue
            text = raw.rstrip(b"\r\n")
            try:
                record = json.loads(text)
            except UnicodeDecodeError as exc:
                yield f"{source.name}:{number}: not UTF-8 ({exc.reason} at byte {exc.start + 1})"
                continue
            except json.JSONDecodeError as exc:
                cut = "; the line ends inside the record: a write cut short?" if text.lstrip().startswith(b"{") and not text.rstrip().endswith(b"}") else ""
                yield f"{source.name}:{number}: not JSON ({exc.msg}, column {exc.colno}{cut})"
                continue
            if not isinstance(record, dict):
                yield f"{source.name}:{number}: not a log record (a JSON {type(record).__name__}, not an object)"
                continue
            for key, kind in _required(source.kind):
                value = record.get(key)
                if not isinstance(value, kind) or isinstance(value, bool):
                    what = "missing" if key not in record else f"not a {'string' if kind is str else 'number'}"
                    yield f"{source.name}:{number}: not a log record ({key} {what})"
                    break
            else:
                if source.kind == "generation":
                    try:
                        datetime.fromisoformat(record["createdAt"])
                    except ValueError:
                        yield f"{source.name}:{number}: not a log record (createdAt is not a time)"


def plain_copy(source: Source, workdir: str, bad: list[str]) -> Source:
    """The lines of a gzip ``source`` that decompress, uncompressed in a temporary file (same line
    numbers), for a file DuckDB cannot read as a whole because it was cut short."""
    out = _temp_file(workdir, "plain-")
    number = 0  # lines copied
    with open(out, "wb") as dst:
        try:
            with gzip.open(source.path, "rb") as fh:
                for line in fh:
                    dst.write(line if line.endswith(b"\n") else line + b"\n")
                    number += 1
        except (OSError, EOFError, zlib.error) as exc:
            bad.append(f"{source.name}:{number + 1}: the gzip data ends early or is damaged ({exc}); the lines before it are read")
    return Source(out, source.name, source.kind)


# --------------------------------------------------------------------------------------------
# the commands


def _values(items: Sequence[str] | None) -> list[str]:
    """Repeatable options also take comma-separated values: ``--provider openai,anthropic``."""
    return [v.strip() for item in items or () for v in item.split(",") if v.strip()]


def filters_of(args: Any, now: float | None = None) -> Filters:
    """The :class:`Filters` of parsed ``logs``/``stats`` arguments."""
    now = time.time() if now is None else now
    return Filters(
        since=parse_time(args.since, now) if args.since else None,
        until=parse_time(args.until, now) if args.until else None,
        api_keys=_values(args.api_key),
        request_ids=_values(args.request_id),
        providers=_values(args.provider),
        models=_values(args.model),
        finish_reasons=_values(args.finish_reason),
        statuses=_values(args.status),
        trace_ids=_values(args.trace_id),
        min_cost=args.min_cost,
    )


@dataclass
class _Session:
    """What every command has: the store, the output streams and style, the bad lines found so far."""

    store: LogStore
    out: IO[str]
    err: IO[str]
    bad: list[str]
    color: bool
    empty: list[str] = field(default_factory=list)

    def report_bad_lines(self, table: str) -> None:
        """Name every unreadable line of the sources that gave one (the rest is still shown)."""
        for source in self.store.files_with_bad_rows(table):
            found = list(find_bad_lines(source))
            self.bad.extend(found or [f"{source.name}: a line could not be read as a record"])
        for line in self.bad:
            print(line, file=self.err)
        self.err.flush()

    def nothing(self, what: str) -> int:
        names = ", ".join(s.name for s in self.store.sources)
        if names:
            print(f"otel-llmlog: {what} in {names}", file=self.err)
        else:
            print(f"otel-llmlog: {what}: {', '.join(self.empty) or 'the input'} {'is' if len(self.empty) < 2 else 'are'} empty", file=self.err)
        return 1 if self.bad else 0


def _logs(s: _Session, args: Any) -> int:
    from .explorer_render import Style, render_logs

    filters = filters_of(args)
    where, params = filters.sql()
    columns = TABLE_COLUMNS + (TOKEN_COLUMNS if args.tokens else ()) + (COST_COLUMNS if args.cost else ())
    s.store.load("hits", where, params, columns)
    s.report_bad_lines("hits")
    total = s.store.count("hits")
    limit = args.limit if args.limit is not None else (0 if args.json else DEFAULT_LIMIT)
    rows = s.store.page("hits", args.sort, args.asc, limit or None, fee_items=args.cost)
    if not rows:
        return s.nothing("no calls match these filters" if where != "true" else "no calls")
    if args.json:
        s.out.writelines(line.decode("utf-8", "replace") + "\n" for line in s.store.raw(rows))
    else:
        order = {"time": "newest first", "model": "by model, Z to A"}.get(args.sort, f"largest {args.sort} first")
        if args.asc:
            order = {"time": "oldest first", "model": "by model"}.get(args.sort, f"smallest {args.sort} first")
        more = "; -n 0 shows all" if len(rows) < total else ""
        s.out.write(render_logs(rows, total, Style(s.color), tokens=args.tokens, cost=args.cost, footer=order + more))
    return 1 if s.bad else 0


def _show(s: _Session, args: Any) -> int:
    """Find the record by its id in Python (:func:`record_lines`), then one DuckDB scan reads it
    and the other calls of its trace; an id that no record starts with may be a response id, which
    only the scan can see."""
    from .explorer_render import Style, render_show

    wanted = args.id.strip()
    found = [(src.path, rid, record) for src in s.store.sources for rid, line in record_lines(src, lambda r: r.startswith(wanted))
             if isinstance(record := _parsed(line), dict)]
    ids = sorted({rid for _, rid, _ in found})
    if len(ids) > 1:
        print(f"otel-llmlog show: {wanted!r} is the start of {len(ids)} ids, give more of it: {', '.join(ids[:10])}", file=s.err)
        return 2
    if ids:
        path, rid, record = found[0]
        trace_id = record.get("trace_id") if isinstance(record.get("trace_id"), str) else None
        s.store.load("hits", "id = ? OR trace_id = ?", [rid, trace_id])
    else:
        s.store.load("hits", "response_id = ?", [wanted])
    s.report_bad_lines("hits")
    rows = s.store.page("hits", "time", True, None)
    if not ids:
        matches = [r for r in rows if r["response_id"] == wanted]
        if not matches:
            print(f"otel-llmlog show: no call with id {wanted!r} in {', '.join(x.name for x in s.store.sources) or 'the input'}", file=s.err)
            return 1
        path, rid = matches[0]["path"], matches[0]["id"]
        record = json.loads(s.store.raw(matches[:1])[0])
    if args.json:
        s.out.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return 1 if s.bad else 0
    row = next((r for r in rows if r["id"] == rid and r["path"] == path), None)
    if row is None:  # the line parses as JSON but not as a record (reported above)
        print(f"otel-llmlog show: the record {rid} could not be read as a log record", file=s.err)
        return 1
    trace = [r for r in rows if row.get("trace_id") and r["trace_id"] == row["trace_id"]]
    s.out.write(render_show(record, {**row, "file": row["filename"]}, trace, Style(s.color)))
    return 1 if s.bad else 0


def _parsed(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None  # a damaged line that starts like a record: reported with the bad lines


def _stats(s: _Session, args: Any) -> int:
    from .explorer_render import Style, render_stats, stats_json

    where, params = filters_of(args).sql()
    groupings = [tuple(_values(args.by))] if args.by else [("provider",), ("model",)]
    s.store.load("hits", where, params, STATS_COLUMNS + tuple(k for keys in groupings for k in keys))
    s.report_bad_lines("hits")
    total = s.store.stats("hits", [])[0]
    if not total["calls"]:
        return s.nothing("no calls match these filters" if where != "true" else "no calls")
    sections = [(keys, s.store.stats("hits", keys)) for keys in groupings]
    if args.json:
        for keys, groups in sections:
            s.out.writelines(json.dumps(stats_json(keys, g)) + "\n" for g in groups)
        s.out.write(json.dumps(stats_json((), total)) + "\n")
    else:
        s.out.write(render_stats(sections, total, Style(s.color)))
    return 1 if s.bad else 0


def _extra_columns(args: Any) -> dict[str, list[str]]:
    """``stats --by`` names that are not normalized columns, as paths into the record."""
    return {name: name.split(".") for name in _values(getattr(args, "by", None)) if name not in COLUMNS}


_COMMANDS: dict[str, Callable[[_Session, Any], int]] = {"logs": _logs, "show": _show, "stats": _stats}


def run(command: str, args: Any, out: IO[str] | None = None, err: IO[str] | None = None, stdin: IO[bytes] | None = None) -> int:
    """Run ``otel-llmlog logs|show|stats`` with parsed ``args``; returns the exit status: 0, 1 when
    some input lines could not be read (the rest is still shown) or nothing matched ``show``, 2
    for a usage problem (no such file, a bad --since, DuckDB missing)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        import duckdb
    except ImportError:
        print(f"otel-llmlog {command} needs DuckDB: pip install 'otel-llmlog[logs]'", file=err)
        return 2
    from .explorer_render import use_color

    if stdin is None and sys.stdin is not None:
        stdin = sys.stdin.buffer
    bad: list[str] = []
    empty: list[str] = []

    def attempt(sources: list[Source]) -> int:
        store = LogStore(sources, _extra_columns(args))
        try:
            return _COMMANDS[command](_Session(store, out, err, bad, use_color(out, args.color), empty), args)
        finally:
            store.close()

    with tempfile.TemporaryDirectory(prefix="otel-llmlog-") as workdir:
        try:
            sources = collect_sources(args.paths, workdir, stdin, bad, empty)
            try:
                return attempt(sources)
            except duckdb.IOException:
                if not any(s.gzip for s in sources):
                    raise
                # a gzip file cut short stops DuckDB as a whole: read its complete lines instead
                return attempt([plain_copy(s, workdir, bad) if s.gzip else s for s in sources])
        except ExplorerError as exc:
            for line in bad:
                print(line, file=err)
            print(f"otel-llmlog {command}: {exc}", file=err)
            return 2
        except duckdb.Error as exc:
            print(f"otel-llmlog {command}: DuckDB could not read the input: {exc}", file=err)
            return 2
