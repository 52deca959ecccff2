"""Stream taps: what sits in place of an SDK stream's internal iterator and sees every chunk and the end.

Replacing the iterator (instead of wrapping the stream) keeps the SDK's own stream object, its
type, and every helper built on it exactly as they are. The tap's ``__next__`` / ``__anext__``
runs once per chunk, so it reads each chunk itself (no further call frame of the call's
lifecycle) and takes the clock only for the first one; the stream's end, its errors and its
garbage collection go to the :class:`~otel_llmlog.instrumentation.call.Call`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .call import Call

logger = logging.getLogger(__name__)


class SyncTap:
    """Sits in place of a sync SDK stream's internal iterator; sees every chunk and the end."""

    __slots__ = ("_inner", "_call", "_facts", "_state")

    def __init__(self, inner: Any, call: Call) -> None:
        self._inner = inner
        self._call = call
        self._facts = call.facts
        self._state = call.state

    def __iter__(self) -> SyncTap:
        return self

    def __next__(self) -> Any:
        call = self._call
        call.in_next = True
        try:
            item = self._inner.__next__()
        except StopIteration:
            call.in_next = False
            call.stream_done()
            raise
        except BaseException as exc:
            call.in_next = False
            call.fail(exc)
            raise
        call.in_next = False
        facts = self._facts
        if not facts.chunks:
            facts.first_chunk_ns = time.time_ns()
        facts.chunks += 1
        try:
            self._state.chunk(item)
        except Exception:  # noqa: BLE001 - never let instrumentation reach the caller
            logger.debug("otel-llmlog: failed to read a stream chunk", exc_info=True)
        return item

    def __del__(self) -> None:
        try:
            self._call.abandoned()
        except Exception:  # noqa: BLE001
            pass


class AsyncTap:
    """The async twin of :class:`SyncTap` (its per-chunk lines are repeated, not shared: a shared
    helper would be one more call per chunk)."""

    __slots__ = ("_inner", "_call", "_facts", "_state")

    def __init__(self, inner: Any, call: Call) -> None:
        self._inner = inner
        self._call = call
        self._facts = call.facts
        self._state = call.state

    def __aiter__(self) -> AsyncTap:
        return self

    async def __anext__(self) -> Any:
        call = self._call
        call.in_next = True
        try:
            item = await self._inner.__anext__()
        except StopAsyncIteration:
            call.in_next = False
            call.stream_done()
            raise
        except BaseException as exc:
            call.in_next = False
            call.fail(exc)
            raise
        call.in_next = False
        facts = self._facts
        if not facts.chunks:
            facts.first_chunk_ns = time.time_ns()
        facts.chunks += 1
        try:
            self._state.chunk(item)
        except Exception:  # noqa: BLE001 - never let instrumentation reach the caller
            logger.debug("otel-llmlog: failed to read a stream chunk", exc_info=True)
        return item

    def __del__(self) -> None:
        try:
            self._call.abandoned()
        except Exception:  # noqa: BLE001
            pass
