"""The store: the sources as one DuckDB view, and the few queries every command is made of.

One scan per question: the rows a command needs are materialized into a temporary table
(:meth:`LogStore.load`), and every later query (count, page, groups) runs on that table, not on
the files again. Only the columns a command uses are kept; DuckDB then reads from the JSON only
what those columns need. DuckDB itself is imported here and in :mod:`.commands` only, when a
command runs, so nothing else in the package needs it installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .inputs import Source
from .lines import record_lines
from .view import fee_items_sql, sql_identifier, view_sql

if TYPE_CHECKING:
    import duckdb

__all__ = ["COST_COLUMNS", "SORT_KEYS", "STATS_COLUMNS", "TABLE_COLUMNS", "TOKEN_COLUMNS", "LogStore"]

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
        keep = "*" if columns is None else ", ".join(sql_identifier(c) for c in dict.fromkeys([*columns, "id", "filename", "valid"]))
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
        fees = f", {fee_items_sql()} AS fee_items" if fee_items else ""
        return self.rows(f"SELECT *{fees} FROM {table} WHERE valid ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else ""))

    def count(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table} WHERE valid").fetchone()[0])  # type: ignore[index]

    def stats(self, table: str, group: Sequence[str]) -> list[dict[str, Any]]:
        """One row per group (none: one row for everything): calls, errors, tokens by kind, cost,
        percentiles (linear interpolation between the two nearest ranks, ``quantile_cont``)."""
        keys = ", ".join(sql_identifier(g) for g in group)
        unknown = ", ".join(f"count(*) - count({c}) AS {sql_identifier(c + '_unknown')}" for c in (
            "cache_read", "cache_write", "cache_write_5m", "cache_write_1h", "reasoning", "audio"))
        sums = ", ".join(f"sum({c}) AS {sql_identifier(c)}" for c in (
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
        (:func:`.lines.record_lines`), which finds ids faster than a second DuckDB scan would."""
        found: dict[tuple[str, str], bytes] = {}
        for source in self.sources:
            wanted = {r["id"] for r in rows if r["path"] == source.path}
            if wanted:
                found.update(((source.path, rid), line) for rid, line in record_lines(source, wanted.__contains__))
        return [found[key] for r in rows if (key := (r["path"], r["id"])) in found]
