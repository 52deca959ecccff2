"""Objects with threads and locks start afresh in a forked child (gunicorn, multiprocessing)."""

from __future__ import annotations

import os
import weakref
from typing import Any

__all__ = ["after_fork_in_child"]


def after_fork_in_child(method: Any) -> None:
    """Run ``method`` in a forked child (fresh locks and threads), without keeping its object alive."""
    if not hasattr(os, "register_at_fork"):
        return
    ref = weakref.WeakMethod(method)

    def after_in_child() -> None:
        bound = ref()
        if bound is not None:
            bound()

    os.register_at_fork(after_in_child=after_in_child)
