"""The one error of the explorer that is the user's to fix, apart from the lines it cannot read.

Inputs, times and filters each find problems with what was asked; they raise :class:`ExplorerError`
so that :func:`~otel_llmlog.tools.explorer.commands.run` can tell all of them from a bug and from a
bad input line (which is reported and skipped, exit status 1) with one ``except``.
"""

from __future__ import annotations

__all__ = ["ExplorerError"]


class ExplorerError(Exception):
    """A problem with what the user asked (no such file, an unreadable --since): exit status 2."""
