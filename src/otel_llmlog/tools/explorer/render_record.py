"""How ``show`` prints one record: the conversation, then the facts panel of a gateway's details page.

Messages come in two shapes - the GenAI conventions' parts (what this library records) and
OpenAI's ``content`` / ``tool_calls`` (what other producers write) - and are shown grouped by role,
tool calls with their arguments and the results matched to them by call id. Fenced code blocks are
highlighted by a small language-agnostic highlighter (no lexer dependency), only when colour is on.
The facts (model, tokens by kind, timings, cost by fee item, guardrail, vector search, metadata,
the trace's other calls) come from the store's row, so ``show`` and ``logs`` never disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from .render import (
    LOGS_HEADERS,
    NONE,
    Cell,
    Style,
    cost_text,
    count,
    fee_lines,
    local_time,
    logs_cells,
    millis,
    rate,
    table,
    visible,
)

__all__ = ["highlight", "render_show"]


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
    for line in visible(text).split("\n"):
        if _FENCE.match(line.strip()):
            in_code = not in_code
            out.append(indent + style(line, "dim"))
        elif in_code:
            out.append(indent + "  " + highlight(line, style))
        else:
            out.append(indent + line)
    return out


def json_block(value: Any, style: Style, indent: str) -> list[str]:
    """A value of the record as indented JSON (a string as it is: tool arguments are JSON text)."""
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return [indent + highlight(line, style) for line in visible(text).split("\n")]


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
            label = visible(f"── {role} ──" + (f" (finish: {finish})" if finish else ""))
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
        content = visible(str(part.get("content") or ""))
        return ["    " + style("(reasoning)" + ("" if content.strip() else ": not shown by the provider"), "dim")] + [
            "    " + style(line, "dim") for line in content.split("\n") if content.strip()]
    if kind == "tool_call":
        head = f"    → tool call {style(visible(str(part.get('name'))), 'bold')} ({visible(str(part.get('id')))})"
        return [head] + json_block(part.get("arguments"), style, "        ")
    if kind == "tool_call_response":
        name = tool_names.get(str(part.get("id")), "tool")
        result = part.get("response", part.get("result"))
        return [f"    ← result of {style(visible(name), 'bold')} ({visible(str(part.get('id')))})"] + json_block(result, style, "        ")
    return ["    " + style(visible(f"[{kind or 'part'}]"), "dim") + (" " + visible(json.dumps(part.get("value"))[:200]) if "value" in part else "")]


def _tool_names(*groups: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for messages in groups:
        for m in messages if isinstance(messages, list) else ():
            for p in _parts(m):
                if p.get("type") == "tool_call" and p.get("id"):
                    names[str(p["id"])] = str(p.get("name"))
    return names


def facts(pairs: Sequence[tuple[str, Cell]], style: Style, indent: str = "  ") -> list[str]:
    """``name  value`` lines, names aligned; a value is text or (text, styles), made :func:`visible`."""
    width = max((len(k) for k, _ in pairs), default=0)
    lines = []
    for name, value in pairs:
        text, styles = (value, ()) if isinstance(value, str) else value
        lines.append(f"{indent}{name:<{width}}  {style(visible(text), *styles)}")
    return lines


def render_show(record: dict[str, Any], row: dict[str, Any], trace_rows: Sequence[dict[str, Any]], style: Style) -> str:
    """One record: the conversation (grouped by role), then the facts panel of the gateway's
    details page (model, token counts by kind, request and multimodal counts, timings, cost by
    fee item), the guardrail and vector-store entries, the raw metadata, and the trace's other calls."""
    h = lambda text: style(text, "bold", "cyan")  # noqa: E731 - a heading
    status = row.get("status") or NONE
    out = [
        style(visible(f"call {row['id']}"), "bold") + f"  {local_time(row['ts'], millis=True)}  "
        + style(status, "green" if status == "success" else "red"),
        visible(f"file {row.get('file')}" + (f"   trace {row['trace_id']}" if row.get("trace_id") else "")),
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
    ], style)
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
    ], style)
    out += ["", h("Performance")] + facts([
        ("first token", f"{millis(row.get('latency_ms'))} ms"),
        ("generation", f"{millis(row.get('generation_ms'))} ms"),
        ("throughput", f"{rate(row.get('throughput'))} tok/s"),
        ("finish", " / ".join(x for x in (row.get("finish"), row.get("native_finish")) if x) or NONE),
    ], style)
    out += ["", h("Cost") + "  " + cost_text(row)] + ["  " + line for line in fee_lines(row)]
    debug = record.get("response_cost_failure_debug_info")
    if isinstance(debug, dict) and debug.get("error_str"):
        out.append(visible(f"  why unknown: {debug['error_str']}"))
    if status == "failure":
        info = record.get("error_information") or {}
        out += ["", style("Error", "bold", "red")] + facts([
            ("message", str(record.get("error_str") or row.get("error") or NONE)),
            ("class", str(info.get("error_class") or NONE)),
            ("code", str(info.get("error_code") or NONE)),
        ], style)
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


def _duration(start: Any, end: Any) -> str:
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
        ("status", (status, ("green" if status == "success" else "red",))),
        ("duration", _duration(info.get("start_time"), info.get("end_time"))),
        ("masked", ", ".join(f"{k} {v}" for k, v in masked.items()) or NONE),
    ], style)
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
            ("duration", _duration(s.get("start_time"), s.get("end_time"))),
        ], style)
    return out
