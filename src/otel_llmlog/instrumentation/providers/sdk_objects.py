"""Reading SDK response objects, and plain mappings of the same shape, the same way.

Both SDKs hand back pydantic models whose fields vary between versions; a user may pass plain
dicts in a request body, and a stream event may arrive as a dict. Extractors read every field
through :func:`read`, so a missing field is ``None`` (or the default) rather than an error, and
through :func:`as_int` / :func:`as_number`, so a value of the wrong type is left out rather than
written into a typed attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MISSING = object()


def read(obj: Any, name: str, default: Any = None) -> Any:
    """A field of an SDK object or of a plain mapping of the same shape.

    Called a few hundred times per stream, so the common cases go first: a dict, then an SDK
    model's attribute; the (slow) ``Mapping`` check only runs for the rare other mapping.
    """
    if type(obj) is dict:
        return obj.get(name, default)
    value = getattr(obj, name, _MISSING)
    if value is not _MISSING:
        return value
    if obj is not None and isinstance(obj, Mapping):
        return obj.get(name, default)
    return default


def as_int(value: Any) -> int | None:
    """``value`` when it is an integer (``bool`` is not), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_number(value: Any) -> float | int | None:
    """``value`` when it is an integer or a float (``bool`` is not), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value
