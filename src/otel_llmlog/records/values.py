"""Lenient reading of span attribute values, as any producer may have written them.

A count may be an int, a whole float or a string; a list may be an array attribute or a JSON text
(Jaeger flattens arrays; some peers write JSON); structured content is JSON text. These never
fail: a value that is not what was hoped for reads as absent (or as itself). The span readers'
checks of their input are the strict counterpart (:mod:`.parsing`).
"""

from __future__ import annotations

import json
from typing import Any

from ..facts.messages import parse_arguments

__all__ = ["as_list", "decoded_json", "int_or_none"]


def int_or_none(value: Any) -> int | None:
    """A count: an int, a whole float or a decimal string; anything else (a bool included) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def as_list(value: Any) -> list[Any]:
    """A list: lists and tuples as they are, a JSON array text parsed, any other value alone in a list, None empty."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
            return parsed if isinstance(parsed, list) else [value]
        except ValueError:
            return [value]
    return [value]


#: The value of a JSON text (content, metadata, tool arguments); anything else, or text that does
#: not parse, as it is. The same step decodes a tool call's arguments on both sides (facts.messages).
decoded_json = parse_arguments
