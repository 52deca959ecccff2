"""The log explorer: ``otel-llmlog logs``, ``show`` and ``stats`` over the JSON lines this library writes.

It imitates a gateway's "Logs" page in the terminal, over the files themselves: no import step,
no database to keep in sync. The engine is DuckDB (``pip install 'otel-llmlog[logs]'``), which
reads newline-delimited JSON in place with explicit column types and answers over a million
records (2.3 GB) in a few seconds on two cores; ``docs/logs.md`` has the measurements and why not
pandas, polars or SQLite.

How a command runs, one module per step:

1. :mod:`.arguments` - the options, help and examples of the three commands;
2. :mod:`.inputs` - files, directories, stdin, gzip and span files become :class:`Source` s, each a
   JSON-lines file of one :data:`RecordFormat` that DuckDB reads in place;
3. :mod:`.view` - each record format read with its own column types and projected to the same
   normalized columns (:data:`COLUMNS`), the one place that knows where each fact lives;
4. :mod:`.times` and :mod:`.filters` - ``--since 2h --model 'gpt-4o*'`` as one SQL condition;
5. :mod:`.store` - :class:`LogStore`: one scan per question into a temporary table, then the
   count, the page and the groups a command shows;
6. :mod:`.lines` - what DuckDB cannot say, from the lines in Python: a record's exact bytes by id,
   and ``file:line: reason`` for each line it could not read;
7. :mod:`.commands` - :func:`run`: the three commands, their output and exit status;
8. :mod:`.render` and :mod:`.render_record` - the tables and the view of one record, as text.

Every public name of those modules is importable from here. Names are loaded on first use, so
building the ``otel-llmlog`` parser (``--help``, ``convert``) loads only :mod:`.arguments`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and editors
    from .commands import DEFAULT_LIMIT, run
    from .errors import ExplorerError
    from .filters import Filters, filters_of
    from .inputs import RecordFormat, Source, collect_sources, default_paths, plain_copy
    from .lines import find_bad_lines, record_lines
    from .render import Style, cost_text, local_time, render_logs, render_stats, stats_json, use_color, visible
    from .render_record import render_show
    from .store import COST_COLUMNS, SORT_KEYS, STATS_COLUMNS, TABLE_COLUMNS, TOKEN_COLUMNS, LogStore
    from .times import parse_time
    from .view import COLUMNS, MAX_OBJECT_BYTES, view_sql

#: module -> the public names it holds
_MODULES: dict[str, tuple[str, ...]] = {
    "commands": ("DEFAULT_LIMIT", "run"),
    "errors": ("ExplorerError",),
    "filters": ("Filters", "filters_of"),
    "inputs": ("RecordFormat", "Source", "collect_sources", "default_paths", "plain_copy"),
    "lines": ("find_bad_lines", "record_lines"),
    "render": ("Style", "cost_text", "local_time", "render_logs", "render_stats", "stats_json", "use_color", "visible"),
    "render_record": ("render_show",),
    "store": ("COST_COLUMNS", "SORT_KEYS", "STATS_COLUMNS", "TABLE_COLUMNS", "TOKEN_COLUMNS", "LogStore"),
    "times": ("parse_time",),
    "view": ("COLUMNS", "MAX_OBJECT_BYTES", "view_sql"),
}
_HOMES = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "COLUMNS",
    "COST_COLUMNS",
    "DEFAULT_LIMIT",
    "ExplorerError",
    "Filters",
    "LogStore",
    "MAX_OBJECT_BYTES",
    "RecordFormat",
    "SORT_KEYS",
    "STATS_COLUMNS",
    "Source",
    "Style",
    "TABLE_COLUMNS",
    "TOKEN_COLUMNS",
    "collect_sources",
    "cost_text",
    "default_paths",
    "filters_of",
    "find_bad_lines",
    "local_time",
    "parse_time",
    "plain_copy",
    "record_lines",
    "render_logs",
    "render_show",
    "render_stats",
    "run",
    "stats_json",
    "use_color",
    "view_sql",
    "visible",
]


def __getattr__(name: str) -> object:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
