"""Old import paths that keep working after the move into layers, with one warning each.

``otel_llmlog.exporters``, ``otel_llmlog.standin`` and the other top-level modules of earlier
releases are now homed in ``facts``, ``instrumentation``, ``records``, ``tools`` and ``testing``
(``docs/architecture.md``). Each old module is a stub that calls :func:`moved`: the first import
warns (``DeprecationWarning``, naming the new path) and the name then resolves to a module object
that looks every attribute up in the new home(s), so code and configs written against the old paths
run unchanged. A name that was renamed in the move (``readers.SpanRecord`` is
``records.spans.SpanData``) resolves through its old module only, to the object of its new name.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Mapping
from types import ModuleType


class _Moved(ModuleType):
    def __init__(self, name: str, homes: tuple[str, ...], renamed: Mapping[str, str]) -> None:
        super().__init__(name)
        self.__homes = homes
        self.__renamed = dict(renamed)

    def __getattr__(self, attr: str) -> object:
        attr = self.__renamed.get(attr, attr)
        for home in self.__homes:
            module = importlib.import_module(home)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} (moved to {', '.join(self.__homes)}) has no attribute {attr!r}")

    def __dir__(self) -> list[str]:
        return sorted({n for home in self.__homes for n in dir(importlib.import_module(home))} | set(self.__renamed))


def moved(old: str, *homes: str, renamed: Mapping[str, str] | None = None) -> None:
    """Make module ``old`` an alias of ``homes`` (searched in order); warn once, at its import.

    ``renamed`` maps an old attribute name to its new one (looked up in ``homes`` the same way).
    """
    warnings.warn(
        f"{old} has moved: import from {' / '.join(homes)} (the old path will go in a later release)",
        DeprecationWarning,
        stacklevel=3,
    )
    sys.modules[old] = _Moved(old, homes, renamed or {})
