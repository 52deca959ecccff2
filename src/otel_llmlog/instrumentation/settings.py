"""What ``instrument()`` decided, and where everything that runs later finds it.

One :class:`Settings` per ``instrument()`` call: the tracer, the metric instruments, the content
policy and the price book. The instrumentor puts it in force (:func:`set_current`) and takes it
away at ``uninstrument()``; the request hooks and the request groups read it with
:func:`current_settings`, so neither needs to know the instrumentor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from ..facts.pricing import PriceBook
    from .metrics import Instruments


class Settings:
    """What one ``instrument()`` call decided; read by every wrapped call."""

    def __init__(
        self,
        tracer: Tracer,
        instruments: Instruments | None,
        capture_content: bool,
        max_content_length: int,
        prices: PriceBook,
    ) -> None:
        self.tracer = tracer
        self.instruments = instruments
        self.capture_content = capture_content
        self.max_content_length = max_content_length
        self.prices = prices


#: the settings of the ``instrument()`` in force; None while not instrumented
_current: Settings | None = None


def current_settings() -> Settings | None:
    """The settings of the ``instrument()`` in force, or None while not instrumented."""
    return _current


def set_current(settings: Settings | None) -> None:
    """Put ``settings`` in force (None: not instrumented); only the instrumentor calls this."""
    global _current
    _current = settings
