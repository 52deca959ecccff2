"""``--since`` and ``--until``: the times people type, as epoch seconds.

Records carry epoch seconds (the standard record) or ISO times (the generation record); the view
turns both into ``ts``, so a filter needs only one number. People type relative times (``2h``) or
dates; a date without a zone means local time, because the table shows local times and a user
copies a time from it.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from .errors import ExplorerError

__all__ = ["parse_time"]

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
