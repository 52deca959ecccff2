"""How the explorer prints: styling, the values of a cell, the ``logs`` table and the ``stats`` tables.

Plain ANSI escapes and nothing else (no ``rich``): the output is a few tables and indented
text, and a rendering dependency would be one more thing to install for a command that mostly
runs in CI logs and over SSH. Colour is used only when the stream is a terminal and ``NO_COLOR``
is unset (https://no-color.org), so piped output is plain text that ``grep`` and diffs can read.
Every function here takes the rows the store (:mod:`.store`) returns and returns text; none reads
files or talks to DuckDB. ``show``'s view of one record is :mod:`.render_record`, built on the cells
and tables here.
"""

from __future__ import annotations

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
    "render_stats",
    "stats_json",
    "table",
    "use_color",
    "visible",
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

#: control characters but tab and newline (and a carriage return before a newline): C0, DEL, C1
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def visible(text: str) -> str:
    """``text`` with its control characters written as JSON escapes (``\\u0000``): a NUL in captured
    content shows instead of vanishing, and an escape sequence in it cannot restyle, move or
    retitle the reader's terminal. Tabs and line ends are layout and stay. Every text a record
    brings into the output passes through here; the styling added after it is the only escape."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)



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
    width = max(len(visible(i["code"])) for i in items)
    return [
        f"{visible(i['code']):<{width}}  {count(i['quantity'])} × {money(i['rate'])}/M = {money(i['amount'])}"
        for i in items
    ]


# --------------------------------------------------------------------------------------------
# tables

Cell = str | tuple[str, tuple[str, ...]]


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], right: set[int], style: Style) -> list[str]:
    """Aligned columns; a cell is text or (text, styles), made :func:`visible`. Widths count the
    text, not escapes."""
    cells = [[(visible(c), ()) if isinstance(c, str) else (visible(c[0]), c[1]) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i][0]) for r in cells]) for i, h in enumerate(headers)]

    def line(row: Sequence[tuple[str, tuple[str, ...]]], header: bool = False) -> str:
        out = []
        for i, (text, styles) in enumerate(row):
            padded = text.rjust(widths[i]) if i in right else text.ljust(widths[i])
            out.append(style(padded, "bold") if header else style(padded, *styles))
        return "  ".join(out).rstrip()

    return [line([(h, ()) for h in headers], header=True)] + [line(r) for r in cells]


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
