"""``otel-llmlog logs``, ``show`` and ``stats``: each command as the few store queries it is made of.

:func:`run` does what the three share - DuckDB present, the sources collected in a temporary
directory, one :class:`~.store.LogStore` over them, bad lines reported before any output, the exit
status - and hands a :class:`_Session` to the command's own function. The output is text from
:mod:`.render` / :mod:`.render_record`, or JSON: the original lines (``logs --json``), the record
(``show --json``), one line per group (``stats --json``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from ...records.jsonlines import dumps_line, loads_line
from .errors import ExplorerError
from .filters import filters_of, option_values
from .inputs import Source, collect_sources, plain_copy
from .lines import LONE_SURROGATE, find_bad_lines, parsed_record, record_lines, repaired_copy
from .store import COST_COLUMNS, STATS_COLUMNS, TABLE_COLUMNS, TOKEN_COLUMNS, LogStore
from .view import COLUMNS

__all__ = ["DEFAULT_LIMIT", "command", "run"]

#: rows ``logs`` shows unless told (``-n``); ``--json`` prints every match
DEFAULT_LIMIT = 50


class _ReadAgain(Exception):
    """Some rejected lines can be read once repaired: run the command again on ``sources``."""

    def __init__(self, sources: list[Source]) -> None:
        super().__init__()
        self.sources = sources


@dataclass
class _Session:
    """What every command has: the store, the output streams and style, the bad lines found so far,
    and where repaired copies of its sources go."""

    store: LogStore
    out: IO[str]
    err: IO[str]
    bad: list[str]
    color: bool
    empty: list[str]
    workdir: str

    def report_bad_lines(self, table: str) -> None:
        """Name every unreadable line of the sources that gave one (the rest is still shown).

        Called before a command prints anything: when some rejected lines hold only a lone
        surrogate, the command is run again, on copies with those lines repaired (:class:`_ReadAgain`).
        """
        found: list[str] = []
        repaired: dict[str, Source] = {}
        for source in self.store.files_with_bad_rows(table):
            reasons = list(find_bad_lines(source))
            if any(r.endswith(LONE_SURROGATE) for r in reasons) and (copy := repaired_copy(source, self.workdir)):
                repaired[source.path] = copy
            found.extend(reasons or [f"{source.name}: a line could not be read as a record"])
        if repaired:
            raise _ReadAgain([repaired.get(s.path, s) for s in self.store.sources])
        self.bad.extend(found)
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
    from .render import Style, render_logs

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
    if args.json:  # the records as they were written, not as the view reads them
        s.out.writelines(line.decode("utf-8", "replace") + "\n" for line in s.store.raw(rows))
    else:
        order = {"time": "newest first", "model": "by model, Z to A"}.get(args.sort, f"largest {args.sort} first")
        if args.asc:
            order = {"time": "oldest first", "model": "by model"}.get(args.sort, f"smallest {args.sort} first")
        more = "; -n 0 shows all" if len(rows) < total else ""
        s.out.write(render_logs(rows, total, Style(s.color), tokens=args.tokens, cost=args.cost, footer=order + more))
    return 1 if s.bad else 0


def _show(s: _Session, args: Any) -> int:
    """Find the record by its id in Python (:func:`.lines.record_lines`), then one DuckDB scan reads
    it and the other calls of its trace; an id that no record starts with may be a response id,
    which only the scan can see."""
    from .render import Style
    from .render_record import render_show

    wanted = args.id.strip()
    found = [(src.path, rid, record) for src in s.store.sources for rid, line in record_lines(src, lambda r: r.startswith(wanted))
             if isinstance(record := parsed_record(line), dict)]
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
        record = loads_line(s.store.raw(matches[:1])[0])
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


def _stats(s: _Session, args: Any) -> int:
    from .render import Style, render_stats, stats_json

    where, params = filters_of(args).sql()
    groupings = [tuple(option_values(args.by))] if args.by else [("provider",), ("model",)]
    s.store.load("hits", where, params, STATS_COLUMNS + tuple(k for keys in groupings for k in keys))
    s.report_bad_lines("hits")
    total = s.store.stats("hits", [])[0]
    if not total["calls"]:
        return s.nothing("no calls match these filters" if where != "true" else "no calls")
    sections = [(keys, s.store.stats("hits", keys)) for keys in groupings]
    if args.json:
        for keys, groups in sections:
            s.out.writelines(dumps_line(stats_json(keys, g)).decode("utf-8") for g in groups)
        s.out.write(dumps_line(stats_json((), total)).decode("utf-8"))
    else:
        s.out.write(render_stats(sections, total, Style(s.color)))
    return 1 if s.bad else 0


def _extra_columns(args: Any) -> dict[str, list[str]]:
    """``stats --by`` names that are not normalized columns, as paths into the record."""
    return {name: name.split(".") for name in option_values(getattr(args, "by", None)) if name not in COLUMNS}


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
    from .render import use_color

    if stdin is None and sys.stdin is not None:
        stdin = sys.stdin.buffer
    bad: list[str] = []
    empty: list[str] = []

    def attempt(sources: list[Source], workdir: str) -> int:
        store = LogStore(sources, _extra_columns(args))
        try:
            return _COMMANDS[command](_Session(store, out, err, bad, use_color(out, args.color), empty, workdir), args)
        finally:
            store.close()

    with tempfile.TemporaryDirectory(prefix="otel-llmlog-") as workdir:
        try:
            sources = collect_sources(args.paths, workdir, stdin, bad, empty)
            while True:  # at most three times: a copy is never cut short, nor repaired again
                try:
                    return attempt(sources, workdir)
                except duckdb.IOException:
                    if not any(s.gzip for s in sources):
                        raise
                    # a gzip file cut short stops DuckDB as a whole: read its complete lines instead
                    sources = [plain_copy(s, workdir, bad) if s.gzip else s for s in sources]
                except _ReadAgain as again:
                    sources = again.sources
        except ExplorerError as exc:
            for line in bad:
                print(line, file=err)
            print(f"otel-llmlog {command}: {exc}", file=err)
            return 2
        except duckdb.Error as exc:
            print(f"otel-llmlog {command}: DuckDB could not read the input: {exc}", file=err)
            return 2


def command(args: Any) -> int:
    """``otel-llmlog logs|show|stats`` from the command line (:func:`run` on the process's streams)."""
    return run(args.command, args)
