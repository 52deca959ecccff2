"""Request groups: many LLM calls, guardrail checks and searches of one user request, one trace.

``otel_llmlog.trace(...)`` opens a parent span and puts the group's facts (session id, end user,
tags, metadata) into the OpenTelemetry context. Every span this library starts inside copies
them, so each span stands on its own in any backend (a log line per call needs no join to its
parent). Keeping them in the OTel context, rather than a module global, is what makes them
follow ``asyncio`` tasks, ``gather`` and threads that propagate context.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from opentelemetry import baggage as otel_baggage
from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.trace import Span, SpanKind

from ..facts import semconv as sc
from ..version import __version__
from . import content
from .errors import error_type_of, record_exception
from .settings import current_settings

F = TypeVar("F", bound=Callable[..., Any])

#: where the current request group's span attributes are kept (in the OTel context, so they travel
#: wherever context does: tasks, ``gather``, context-propagating threads); every LLM call span
#: started inside copies them (:class:`~otel_llmlog.instrumentation.call.Call`)
GROUP_KEY = otel_context.create_key("otel_llmlog.group")
#: facts of the enclosing group, kept beside GROUP_KEY's flat attributes so nesting can merge
_FACTS_KEY = otel_context.create_key("otel_llmlog.group_facts")


def tracer() -> otel_trace.Tracer:
    """The tracer of the current ``instrument()`` call, or the global one when not instrumented."""
    settings = current_settings()
    return settings.tracer if settings is not None else otel_trace.get_tracer("otel_llmlog", __version__)


def capture_enabled() -> bool:
    """Content capture as the current ``instrument()`` call set it (else the environment)."""
    settings = current_settings()
    return settings.capture_content if settings is not None else content.capture_from_env()


def group_attributes() -> Mapping[str, Any]:
    """The current group's span attributes (empty outside any group)."""
    return otel_context.get_value(GROUP_KEY) or {}


class _Scoped:
    """A span opened on enter and closed on exit, usable as context manager and decorator.

    Subclasses say what the span is (``_span_name``, ``_start_attributes``) and what to add when
    it ends (``_end_attributes``). Each ``with`` (or each decorated call) gets its own span.
    """

    _kind = SpanKind.INTERNAL

    def __init__(self) -> None:
        self._span: Span | None = None
        self._tokens: list[object] = []

    # -- what the span is --
    def _span_name(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _start_attributes(self) -> dict[str, Any]:
        return {}

    def _context(self, ctx: otel_context.Context) -> otel_context.Context:
        """Extra context values for the body (groups put their facts here)."""
        return ctx

    def _end_attributes(self, error: BaseException | None) -> dict[str, Any]:
        return {}

    # -- lifecycle --
    def __enter__(self) -> _Scoped:
        attrs = dict(group_attributes())
        attrs.update(self._start_attributes())
        span = tracer().start_span(self._span_name(), kind=self._kind, attributes=attrs)
        self._span = span
        ctx = otel_trace.set_span_in_context(span)
        self._tokens.append(otel_context.attach(self._context(ctx)))
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        span = self._span
        otel_context.detach(self._tokens.pop())
        if span is None:
            return
        try:
            span.set_attributes(self._end_attributes(exc))
            if exc is not None:
                span.set_attribute(sc.ERROR_TYPE, error_type_of(exc))
                record_exception(span, exc, None)
        finally:
            span.end()

    async def __aenter__(self) -> _Scoped:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)

    def _fresh(self) -> _Scoped:
        """A copy for one decorated call, so concurrent calls never share a span."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._span = None
        clone._tokens = []
        return clone

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    @property
    def span(self) -> Span:
        """The span of the current ``with`` block (``INVALID_SPAN`` outside one)."""
        return self._span or otel_trace.INVALID_SPAN


class Group(_Scoped):
    """One request group; see :func:`trace`."""

    def __init__(
        self,
        name: str,
        session_id: str | None,
        end_user: str | None,
        tags: Iterable[str] | None,
        metadata: Mapping[str, Any] | None,
        baggage: bool,
    ) -> None:
        super().__init__()
        self.name = name
        self.session_id = session_id
        self.end_user = end_user
        self.tags = list(tags or ())
        self.metadata = dict(metadata or {})
        self.baggage = baggage

    def _span_name(self) -> str:
        return f"invoke_workflow {self.name}"

    def _merged(self) -> tuple[str | None, str | None, list[str], dict[str, Any]]:
        outer = otel_context.get_value(_FACTS_KEY)
        session, user, tags, metadata = outer if outer else (None, None, [], {})
        tags = list(tags) + [t for t in self.tags if t not in tags]
        return self.session_id or session, self.end_user or user, tags, {**metadata, **self.metadata}

    def _start_attributes(self) -> dict[str, Any]:
        session, user, tags, metadata = self._merged()
        attrs: dict[str, Any] = {sc.OPERATION_NAME: "invoke_workflow", sc.WORKFLOW_NAME: self.name}
        attrs.update(_group_span_attributes(session, user, tags, metadata))
        return attrs

    def _context(self, ctx: otel_context.Context) -> otel_context.Context:
        session, user, tags, metadata = self._merged()
        ctx = otel_context.set_value(_FACTS_KEY, (session, user, tags, metadata), ctx)
        ctx = otel_context.set_value(GROUP_KEY, _group_span_attributes(session, user, tags, metadata), ctx)
        if self.baggage:
            for key, value in ((sc.CONVERSATION_ID, session), (sc.END_USER, user), (sc.REQUEST_TAGS, ",".join(tags) or None)):
                if value:
                    ctx = otel_baggage.set_baggage(key, value, ctx)
        return ctx


def _group_span_attributes(session: str | None, user: str | None, tags: list[str], metadata: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if session:
        attrs[sc.CONVERSATION_ID] = session
    if user:
        attrs[sc.END_USER] = user
    if tags:
        attrs[sc.REQUEST_TAGS] = list(tags)
    if metadata:
        # encoded once per group, not per call: every span of the group shares the string
        attrs[sc.REQUEST_METADATA] = json.dumps(metadata, sort_keys=True, default=str, ensure_ascii=False)
    return attrs


def trace(
    name: str,
    *,
    session_id: str | None = None,
    end_user: str | None = None,
    tags: Iterable[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    baggage: bool = False,
) -> Group:
    """Group the LLM calls, guardrails and searches of one request under one parent span.

    Use as ``with otel_llmlog.trace("answer", session_id=...):`` or as a decorator on sync or
    async functions. Every span inside carries the session id (as ``gen_ai.conversation.id``,
    only when given), end user, tags and metadata; nested groups merge tags and metadata, the
    inner group winning. With ``baggage=True`` the session id, end user and tags also travel to
    downstream services as W3C baggage (when a baggage propagator is configured).
    """
    return Group(name, session_id, end_user, tags, metadata, baggage)
