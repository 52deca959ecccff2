"""How the log explorer prints: the ``logs`` table, the ``show`` view and the ``stats`` tables.

Plain ANSI escapes and nothing else (no ``rich``): the output is a few tables and indented
text, and a rendering dependency would be one more thing to install for a command that mostly
runs in CI logs and over SSH. Colour is used only when the stream is a terminal and ``NO_COLOR``
is unset (https://no-color.org), so piped output is plain text that ``grep`` and diffs can read.
Every function here takes the rows the engine (:mod:`otel_llmlog.tools.explorer`) returns and returns
text; none reads files or talks to DuckDB.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import IO, Any

__all__ = [
    "Style",
    "cost_text",
    "local_time",
    "render_logs",
    "render_show",
    "render_stats",
    "stats_json",
    "use_color",
]

UNKNOWN = "?"
NONE = "-"


class Style:
    """ANSI styling that is a no-op when colour is off, so callers never branch on it."""

    CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        return f"\x1b[{';'.join(self.CODES[s] for s in styles)}m{text}\x1b[0m"


def use_color(stream: IO[str], mode: str = "auto") -> bool:
    """``always``/``never``, or (``auto``) whether ``stream`` is a terminal and ``NO_COLOR`` is unset."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# --------------------------------------------------------------------------------------------
# values


def local_time(ts: float, millis: bool = False) -> str:
    """Local time with its zone (``2025-08-22 04:49:18 CEST``): the zone is always printed, since
    logs are read on machines in other zones than the one that wrote them."""
    when = datetime.fromtimestamp(ts).astimezone()
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    if millis:
        text += f".{when.microsecond // 1000:03d}"
    return f"{text} {when.strftime('%Z') or when.strftime('%z')}"


def money(value: float | None) -> str:
    """Plain decimal dollars, no exponent, at most ten decimals: ``$0.0000048``."""
    if value is None:
        return "unknown"
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return f"${text if text not in ('', '-0') else '0'}"


def count(value: int | None) -> str:
    return UNKNOWN if value is None else str(int(value))


def millis(value: float | None) -> str:
    return NONE if value is None else f"{value:.0f}"


def rate(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def cost_text(row: dict[str, Any]) -> str:
    """The cost cell: ``unknown`` is not ``$0`` (an unknown price is never free)."""
    if row.get("cost") is None and row.get("status") == "failure":
        return NONE
    return money(row.get("cost"))


def model_text(row: dict[str, Any]) -> str:
    """``provider/model`` as the gateway's Model column writes it."""
    model = row.get("model") or row.get("response_model") or NONE
    return f"{row['provider']}/{model}" if row.get("provider") else model


def token_parts(row: dict[str, Any]) -> str:
    """The input-token breakdown by fee bucket, ``?`` where the record does not say."""
    return (
        f"prompt {count(row.get('prompt_uncached'))} · cache read {count(row.get('cache_read'))} · "
        f"cache write {count(row.get('cache_write'))} (5-minute {count(row.get('cache_write_5m'))} · "
        f"1-hour {count(row.get('cache_write_1h'))})"
    )


def fee_lines(row: dict[str, Any]) -> list[str]:
    """``code  quantity × $rate/M = $amount`` per fee item, or why there are none."""
    items = row.get("fee_items")
    if row.get("cost") is None:
        return []
    if not items:
        return ["fee items not in this record (its tokens at its rates do not add up to its cost)"]
    width = max(len(i["code"]) for i in items)
    return [
        f"{i['code']:<{width}}  {count(i['quantity'])} × {money(i['rate'])}/M = {money(i['amount'])}"
        for i in items
    ]


# --------------------------------------------------------------------------------------------
# tables

Cell = str | tuple[str, tuple[str, ...]]


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], right: set[int], style: Style) -> list[str]:
    """Aligned columns; a cell is text or (text, styles). Widths count the text, not escapes."""
    texts = [[c if isinstance(c, str) else c[0] for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]

    def line(cells: Sequence[Cell], header: bool = False) -> str:
        out = []
        for i, cell in enumerate(cells):
            text, styles = (cell, ()) if isinstance(cell, str) else cell
            padded = text.rjust(widths[i]) if i in right else text.ljust(widths[i])
            out.append(style(padded, "bold") if header else style(padded, *styles))
        return "  ".join(out).rstrip()

    return [line(headers, header=True)] + [line(r) for r in rows]


_FINISH_STYLE = {"stop": ("green",), "end_turn": ("green",), "error": ("red",), "tool_call": ("cyan",), "tool_calls": ("cyan",)}


def finish_cell(row: dict[str, Any]) -> Cell:
    finish = row.get("finish") or NONE
    return finish, _FINISH_STYLE.get(finish, ("yellow",) if finish != NONE else ())


def logs_cells(row: dict[str, Any]) -> list[Cell]:
    return [
        local_time(row["ts"]),
        model_text(row),
        count(row.get("input_tokens")),
        count(row.get("output_tokens")),
        cost_text(row),
        millis(row.get("latency_ms")),
        rate(row.get("throughput")),
        finish_cell(row),
        (row["id"], ("dim",)),
    ]


LOGS_HEADERS = ("Timestamp", "Model", "Input Tokens", "Output Tokens", "Cost", "Latency ms", "Throughput tok/s", "Finish", "ID")


def render_logs(rows: Sequence[dict[str, Any]], total: int, style: Style, *, tokens: bool = False, cost: bool = False,
                footer: str | None = None) -> str:
    """The ``logs`` table; ``tokens``/``cost`` add the breakdown lines under each row."""
    lines = table(LOGS_HEADERS, [logs_cells(r) for r in rows], {2, 3, 4, 5, 6}, style)
    if tokens or cost:
        out = [lines[0]]
        for row, line in zip(rows, lines[1:], strict=True):
            out.append(line)
            if tokens:
                out.append(style(f"    tokens  {token_parts(row)}", "dim"))
            if cost:
                for i, text in enumerate(fee_lines(row)):
                    out.append(style(f"    {'cost' if i == 0 else '':<6}  {text}", "dim"))
        lines = out
    shown = len(rows)
    summary = f"{total} call{'s' if total != 1 else ''}" if shown == total else f"showing {shown} of {total} calls"
    if footer:
        summary += f" ({footer})"
    return "\n".join([*lines, style(summary, "dim")]) + "\n"


# --------------------------------------------------------------------------------------------
# show: one record


_KEYWORDS = (
    "and as async await break case class const continue def del do elif else except export false fi finally for from "
    "func function if import in is let local new nil none not null or pass private public raise return self static "
    "struct switch then this throw true try type var void while with yield echo done esac"
).split()
_TOKEN = re.compile(
    r"(?P<comment>#(?!!).*$|//.*$)|(?P<string>\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*')|(?P<number>\b\d+(?:\.\d+)?\b)"
    r"|(?P<word>\b[A-Za-z_][A-Za-z0-9_]*\b)",
    re.M,
)
_TOKEN_STYLE = {"comment": ("dim",), "string": ("yellow",), "number": ("cyan",)}


def highlight(code: str, style: Style) -> str:
    """A small, language-agnostic highlighter (comments, strings, numbers, common keywords): enough
    to tell code from prose in a terminal, with no lexer dependency. Plain text when colour is off."""
    if not style.enabled:
        return code

    def paint(m: re.Match[str]) -> str:
        kind = m.lastgroup or ""
        text = m.group(0)
        if kind == "word":
            return style(text, "bold", "blue") if text.lower() in _KEYWORDS else text
        return style(text, *_TOKEN_STYLE[kind])

    return _TOKEN.sub(paint, code)


_FENCE = re.compile(r"^```(\w[\w+-]*)?\s*$")


def text_block(text: str, style: Style, indent: str) -> list[str]:
    """Message text with fenced code blocks highlighted."""
    out: list[str] = []
    in_code = False
    for line in text.split("\n"):
        if _FENCE.match(line.strip()):
            in_code = not in_code
            out.append(indent + style(line, "dim"))
        elif in_code:
            out.append(indent + "  " + highlight(line, style))
        else:
            out.append(indent + line)
    return out


def json_block(value: Any, style: Style, indent: str) -> list[str]:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return [indent + highlight(line, style) for line in text.split("\n")]


def _parts(message: Any) -> list[dict[str, Any]]:
    """A message's parts, from the GenAI conventions' shape (``parts``) or OpenAI's (``content``,
    ``tool_calls``, ``tool_call_id``), so records from other producers show too."""
    if not isinstance(message, dict):
        return [{"type": "text", "content": message if isinstance(message, str) else json.dumps(message)}]
    if isinstance(message.get("parts"), list):
        return [p if isinstance(p, dict) else {"type": "text", "content": str(p)} for p in message["parts"]]
    parts: list[dict[str, Any]] = []
    content = message.get("content")
    if message.get("role") == "tool":
        return [{"type": "tool_call_response", "id": message.get("tool_call_id"), "response": content}]
    if isinstance(content, str):
        parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        parts.extend({"type": "text", "content": c.get("text", "")} if isinstance(c, dict) and "text" in c else {"type": "other", "value": c}
                     for c in content)
    for call in message.get("tool_calls") or ():
        fn = call.get("function") or {}
        parts.append({"type": "tool_call", "id": call.get("id"), "name": fn.get("name"), "arguments": fn.get("arguments")})
    return parts


_ROLE_STYLE = {"system": ("magenta",), "user": ("green",), "assistant": ("cyan",), "tool": ("yellow",)}


def messages_block(messages: Any, style: Style, tool_names: dict[str, str], missing: str) -> list[str]:
    """Messages grouped by role: a heading when the role changes, then each part."""
    if messages is None:
        return [f"  ({missing})"]
    if isinstance(messages, dict):  # a provider's response object: its choices' messages
        choices = messages.get("choices")
        messages = [{**(c.get("message") or {}), "finish_reason": c.get("finish_reason")} for c in choices if isinstance(c, dict)] \
            if isinstance(choices, list) else [messages]
    if not isinstance(messages, list):
        messages = [messages]
    out: list[str] = []
    previous = None
    for m in messages:
        role = m.get("role", "?") if isinstance(m, dict) else "?"
        if role != previous:
            finish = m.get("finish_reason") if isinstance(m, dict) else None
            label = f"── {role} ──" + (f" (finish: {finish})" if finish else "")
            out.append("  " + style(label, "bold", *_ROLE_STYLE.get(role, ())))
            previous = role
        for part in _parts(m):
            out.extend(part_lines(part, style, tool_names))
    return out


def part_lines(part: dict[str, Any], style: Style, tool_names: dict[str, str]) -> list[str]:
    kind = part.get("type")
    if kind == "text":
        return text_block(str(part.get("content", "")), style, "    ")
    if kind == "reasoning":
        content = str(part.get("content") or "")
        return ["    " + style("(reasoning)" + ("" if content.strip() else ": not shown by the provider"), "dim")] + [
            "    " + style(line, "dim") for line in content.split("\n") if content.strip()]
    if kind == "tool_call":
        head = f"    → tool call {style(str(part.get('name')), 'bold')} ({part.get('id')})"
        return [head] + json_block(part.get("arguments"), style, "        ")
    if kind == "tool_call_response":
        name = tool_names.get(str(part.get("id")), "tool")
        result = part.get("response", part.get("result"))
        return [f"    ← result of {style(name, 'bold')} ({part.get('id')})"] + json_block(result, style, "        ")
    return ["    " + style(f"[{kind or 'part'}]", "dim") + (" " + json.dumps(part.get("value"))[:200] if "value" in part else "")]


def _tool_names(*groups: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for messages in groups:
        for m in messages if isinstance(messages, list) else ():
            for p in _parts(m):
                if p.get("type") == "tool_call" and p.get("id"):
                    names[str(p["id"])] = str(p.get("name"))
    return names


def facts(pairs: Sequence[tuple[str, str]], indent: str = "  ") -> list[str]:
    width = max((len(k) for k, _ in pairs), default=0)
    return [f"{indent}{k:<{width}}  {v}" for k, v in pairs]


def render_show(record: dict[str, Any], row: dict[str, Any], trace_rows: Sequence[dict[str, Any]], style: Style) -> str:
    """One record: the conversation (grouped by role), then the facts panel of the gateway's
    details page (model, token counts by kind, request and multimodal counts, timings, cost by
    fee item), the guardrail and vector-store entries, the raw metadata, and the trace's other calls."""
    h = lambda text: style(text, "bold", "cyan")  # noqa: E731 - a heading
    status = row.get("status") or NONE
    out = [
        style(f"call {row['id']}", "bold") + f"  {local_time(row['ts'], millis=True)}  "
        + style(status, "green" if status == "success" else "red"),
        f"file {row.get('file')}" + (f"   trace {row['trace_id']}" if row.get("trace_id") else ""),
        "",
    ]
    messages, response = record.get("messages"), record.get("response")
    if row["kind"] == "standard":
        names = _tool_names(messages, response)
        not_captured = "not recorded: content capture was off"
        out += [h("Request")] + messages_block(messages, style, names, not_captured)
        out += ["", h("Response")] + messages_block(response, style, names, "no response: the call failed" if status == "failure" else not_captured)
        out.append("")
    meta = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    hash_ = row.get("api_key_hash")
    key = " ".join(x for x in (row.get("api_key_alias"), f"(sha256 {hash_[:12]}…)" if hash_ else None) if x) or NONE
    out += [h("Model")] + facts([
        ("model", row.get("model") or NONE),
        ("answered by", row.get("response_model") or NONE),
        ("provider", row.get("provider") or NONE),
        ("call type", row.get("call_type") or NONE),
        ("API base", record.get("api_base") or NONE),
        ("API key", key),
        ("end user", row.get("end_user") or NONE),
    ])
    n_in, n_out = count(row.get("input_tokens")), count(row.get("output_tokens"))
    n_in, n_out = n_in.rjust(len(n_out)), n_out.rjust(len(n_in))
    out += ["", h("Tokens")] + facts([
        ("input", f"{n_in}   prompt {count(row.get('prompt_uncached'))} · input_cache_write "
         f"{count(row.get('cache_write'))} · input_cache_write_5_min {count(row.get('cache_write_5m'))} · input_cache_write_1_h "
         f"{count(row.get('cache_write_1h'))} · input_cache_read {count(row.get('cache_read'))}"),
        ("output", f"{n_out}   completion {count(_completion(row))} · internal_reasoning "
         f"{count(row.get('reasoning'))} · audio {count(row.get('audio'))}"),
        ("requests", f"web_search {count(row.get('web_search'))}"),
        ("multimodal", f"image {count(row.get('images'))}"),
    ])
    out += ["", h("Performance")] + facts([
        ("first token", f"{millis(row.get('latency_ms'))} ms"),
        ("generation", f"{millis(row.get('generation_ms'))} ms"),
        ("throughput", f"{rate(row.get('throughput'))} tok/s"),
        ("finish", " / ".join(x for x in (row.get("finish"), row.get("native_finish")) if x) or NONE),
    ])
    out += ["", h("Cost") + "  " + cost_text(row)] + ["  " + line for line in fee_lines(row)]
    debug = record.get("response_cost_failure_debug_info")
    if isinstance(debug, dict) and debug.get("error_str"):
        out.append(f"  why unknown: {debug['error_str']}")
    if status == "failure":
        info = record.get("error_information") or {}
        out += ["", style("Error", "bold", "red")] + facts([
            ("message", str(record.get("error_str") or row.get("error") or NONE)),
            ("class", str(info.get("error_class") or NONE)),
            ("code", str(info.get("error_code") or NONE)),
        ])
    out += guardrail_block(meta.get("guardrail_information"), style, h)
    out += vector_block(meta.get("vector_store_request_metadata"), style, h)
    shown = {k: v for k, v in meta.items() if k not in ("guardrail_information", "vector_store_request_metadata") and v not in (None, {}, [])}
    raw_meta = shown if row["kind"] == "standard" else {k: v for k, v in record.items() if k not in ("nativeTokens", "ratingResponses")}
    out += ["", h("Metadata")] + json_block(raw_meta, style, "  ")
    others = [r for r in trace_rows if r["id"] != row["id"]]
    if row.get("trace_id"):
        out += ["", h(f"Other calls of trace {row['trace_id']}")]
        out += ["  " + line for line in table(LOGS_HEADERS, [logs_cells(r) for r in others], {2, 3, 4, 5, 6}, style)] if others else ["  (none)"]
    return "\n".join(out) + "\n"


def _completion(row: dict[str, Any]) -> int | None:
    """Output tokens that are not reasoning (the ``completion`` fee bucket)."""
    out, reasoning = row.get("output_tokens"), row.get("reasoning")
    if out is None:
        return None
    return out - reasoning if reasoning is not None else (out if row.get("kind") == "generation" else None)


def _span(start: Any, end: Any) -> str:
    if isinstance(start, (int, float)) and isinstance(end, (int, float)):
        ms = (end - start) * 1000
        return f"{ms:.1f} ms" if ms >= 1 else f"{ms:.3f} ms"
    return NONE


def guardrail_block(info: Any, style: Style, h: Callable[[str], str]) -> list[str]:
    if not isinstance(info, dict):
        return []
    status = str(info.get("guardrail_status") or NONE)
    masked = info.get("masked_entity_count") or {}
    mode = info.get("guardrail_mode")
    out = ["", h("Guardrail")] + facts([
        ("name", str(info.get("guardrail_name") or NONE)),
        ("mode", ", ".join(mode) if isinstance(mode, list) else str(mode or NONE)),
        ("status", style(status, "green" if status == "success" else "red")),
        ("duration", _span(info.get("start_time"), info.get("end_time"))),
        ("masked", ", ".join(f"{k} {v}" for k, v in masked.items()) or NONE),
    ])
    for label in ("guardrail_request", "guardrail_response"):
        if info.get(label) is not None:
            out += [f"  {label.split('_')[1]}:"] + json_block(info[label], style, "    ")
    return out


def vector_block(searches: Any, style: Style, h: Callable[[str], str]) -> list[str]:
    if not isinstance(searches, list) or not searches:
        return []
    out = ["", h("Vector store")]
    for s in searches:
        if not isinstance(s, dict):
            continue
        data = (s.get("vector_store_search_response") or {}).get("data") or []
        results = ", ".join(f"{d.get('file_id') or d.get('filename') or '?'} {d.get('score')}" for d in data if isinstance(d, dict))
        out += facts([
            ("store", f"{s.get('vector_store_id') or NONE} ({s.get('custom_llm_provider') or NONE})"),
            ("query", json.dumps(s.get("query"), ensure_ascii=False) if s.get("query") is not None else NONE),
            ("results", results or NONE),
            ("duration", _span(s.get("start_time"), s.get("end_time"))),
        ])
    return out


# --------------------------------------------------------------------------------------------
# stats


def _partial(value: Any, unknown: int, calls: int, text: Callable[[Any], str]) -> str:
    """A sum over a group in which some records do not say: ``*`` marks it, ``?`` when none say."""
    if unknown >= calls and calls:
        return UNKNOWN
    return text(value) + ("*" if unknown else "")


def _quantiles(values: Any) -> list[str]:
    return [millis(v) for v in values] if values else [NONE, NONE, NONE]


def render_stats(sections: Sequence[tuple[Sequence[str], list[dict[str, Any]]]], total: dict[str, Any], style: Style) -> str:
    """Two tables per grouping: volume (calls, errors, tokens by kind, cost, cache hits) and speed
    (first-token and generation percentiles, median throughput); the last row of each is all calls."""
    out: list[str] = []
    marked = False
    for keys, groups in sections:
        label = " / ".join(keys)
        rows = [*groups, total]
        volume = []
        for r in rows:
            calls = r["calls"]
            errors = r["errors"]
            cells = [
                "(all)" if r is total else " / ".join(str(r.get(k) if r.get(k) is not None else NONE) for k in keys),
                str(calls),
                f"{errors} ({errors / calls:.1%})" if calls else "0",
                count(r["input_tokens"]),
                count(r["output_tokens"]),
                _partial(r["cache_read"], r["cache_read_unknown"], calls, count),
                _partial(r["cache_write"], r["cache_write_unknown"], calls, count),
                _partial(r["reasoning"], r["reasoning_unknown"], calls, count),
                NONE if r["cost"] is None and not r["unpriced"] else _partial(r["cost"], r["unpriced"], calls, money),
                NONE if r["cache_hit_ratio"] is None else f"{r['cache_hit_ratio']:.1%}",
            ]
            marked = marked or any(c.endswith("*") for c in cells)
            volume.append(cells)
        out += [style(f"by {label}", "bold", "cyan")]
        out += table([label, "calls", "errors", "input", "output", "cache read", "cache write", "reasoning", "cost", "cache hit"],
                     volume, set(range(1, 10)), style)
        speed = [[v[0], *_quantiles(r["latency_ms"]), *_quantiles(r["generation_ms"]), rate(r["throughput_p50"])]
                 for v, r in zip(volume, rows, strict=True)]
        out += [""] + table([label, "first-token p50", "p95", "p99", "generation p50", "p95", "p99", "tok/s p50"],
                            speed, set(range(1, 8)), style) + [""]
    if marked:
        out.append(style("* some records of the group do not say (a standard record without usage details, a call with no known price)", "dim"))
    out.append(style("times in ms; percentiles interpolate linearly between the nearest ranks", "dim"))
    return "\n".join(out) + "\n"


def stats_json(keys: Sequence[str], row: dict[str, Any]) -> dict[str, Any]:
    """One group of ``stats --json``."""

    def q(values: Any) -> dict[str, Any]:
        return dict(zip(("p50", "p95", "p99"), values or (None, None, None), strict=True))

    tokens = ("input_tokens", "output_tokens", "prompt_uncached", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h",
              "reasoning", "audio", "web_search", "images")
    return {
        "group": {k: row.get(k) for k in keys},
        "calls": row["calls"],
        "errors": row["errors"],
        "error_rate": row["errors"] / row["calls"] if row["calls"] else None,
        "tokens": {k: row[k] for k in tokens},
        "unknown": {k[: -len("_unknown")]: v for k, v in row.items() if k.endswith("_unknown")} | {"cost": row["unpriced"]},
        "cost": row["cost"],
        "latency_ms": q(row["latency_ms"]),
        "generation_ms": q(row["generation_ms"]),
        "throughput_p50": row["throughput_p50"],
        "cache_hit_ratio": row["cache_hit_ratio"],
    }
