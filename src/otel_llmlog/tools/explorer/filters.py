"""What ``logs`` and ``stats`` narrow the records to: :class:`Filters`, and the SQL condition it makes.

Every filter is a condition on the view's normalized columns (:mod:`.view`), never on a record
format's own fields, so one condition serves both formats. Values go in as ``?`` parameters, not
into the SQL text. ``--api-key`` refuses what looks like a key itself: records carry only its hash
and alias, and a key typed on a command line ends up in shell histories.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ExplorerError
from .times import parse_time

__all__ = ["Filters", "filters_of", "option_values"]

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


def option_values(items: Sequence[str] | None) -> list[str]:
    """Repeatable options also take comma-separated values: ``--provider openai,anthropic``."""
    return [v.strip() for item in items or () for v in item.split(",") if v.strip()]


def filters_of(args: Any, now: float | None = None) -> Filters:
    """The :class:`Filters` of parsed ``logs``/``stats`` arguments."""
    now = time.time() if now is None else now
    return Filters(
        since=parse_time(args.since, now) if args.since else None,
        until=parse_time(args.until, now) if args.until else None,
        api_keys=option_values(args.api_key),
        request_ids=option_values(args.request_id),
        providers=option_values(args.provider),
        models=option_values(args.model),
        finish_reasons=option_values(args.finish_reason),
        statuses=option_values(args.status),
        trace_ids=option_values(args.trace_id),
        min_cost=args.min_cost,
    )
