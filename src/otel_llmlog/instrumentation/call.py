"""One LLM call's life as a span: started with what the request says, ended exactly once with what came back.

A :class:`Call` is made by the request hook (:mod:`~otel_llmlog.instrumentation.hooks`) for a
request its provider knows. The provider's :class:`~otel_llmlog.instrumentation.protocol.Endpoint`
fills the call's :class:`~otel_llmlog.instrumentation.call_facts.CallFacts`; everything else
lives here once: span start and end, timing, time to first chunk, cost, finish-reason
normalization, content attributes, error recording and the hand-over of metrics.

Three rules this module never breaks:

* it returns exactly what the SDK returned and raises exactly what the SDK (or the user's
  code inside a stream) raised - no wrapper types, no swallowed or replaced exceptions;
* it ends only spans it started, each exactly once (return, error, stream end, ``close()``,
  leaving a ``with`` block, or garbage collection of an unconsumed stream);
* a failure inside the instrumentation is logged at debug level and the call goes on untouched.
"""

from __future__ import annotations

import inspect
import logging
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind

from ..facts import semconv as sc
from . import content
from .call_facts import CallFacts
from .errors import error_type_of, record_exception
from .groups import GROUP_KEY
from .metrics import record_metrics
from .protocol import Endpoint, Provider, StreamState
from .settings import Settings
from .taps import AsyncTap, SyncTap

logger = logging.getLogger(__name__)

#: the call whose ``request`` is running in this thread / task, so the response hook can find it;
#: the request hooks set and restore it, everything else reads it with :func:`current_call`
CURRENT_CALL: ContextVar[Call | None] = ContextVar("otel_llmlog_current_call", default=None)

#: ``current_call()``: the call whose ``request`` is running in this thread / task, or None. The
#: context variable's own ``get`` (a C method, so reading it costs no Python frame per call)
current_call: Callable[[], Call | None] = CURRENT_CALL.get


def identity(facts: CallFacts) -> dict[str, Any]:
    """What identifies a call, set on its span at start (where samplers see it)."""
    attrs: dict[str, Any] = {sc.OPERATION_NAME: facts.operation, sc.PROVIDER_NAME: facts.provider}
    if facts.request_model:
        attrs[sc.REQUEST_MODEL] = facts.request_model
    if facts.server_address:
        attrs[sc.SERVER_ADDRESS] = facts.server_address
    if facts.server_port:
        attrs[sc.SERVER_PORT] = facts.server_port
    return attrs


def _header(headers: Any, name: str) -> str | None:
    try:
        return headers.get(name)
    except Exception:  # noqa: BLE001 - headers of an unknown shape are simply absent
        return None


class Call:
    """One instrumented call: its span, its facts, and the guarantee that it ends once."""

    __slots__ = ("settings", "provider", "endpoint", "facts", "span", "secret", "state", "hooks", "in_next", "ended", "handling",
                 "_cost_amount")

    def __init__(self, settings: Settings, provider: Provider, endpoint: Endpoint, facts: CallFacts, secret: str | None):
        self.settings = settings
        self.provider = provider
        self.endpoint = endpoint
        self.facts = facts
        self.secret = secret
        self.state: StreamState | None = None
        #: (object, name, hook, had its own attribute, that attribute) per hook put on an SDK object
        self.hooks: list[tuple[Any, str, Any, bool, Any]] | None = None
        self.in_next = False
        self.ended = False
        #: an exception already being handled when the call began (the call runs in an ``except``
        #: block); it is not this call's failure when the response is closed inside that block
        self.handling = sys.exc_info()[1]
        self._cost_amount: float | None = None
        # everything known before the request is sent goes in at start, where samplers see it
        attrs = identity(facts)
        attrs[sc.REQUEST_STREAM] = facts.stream
        attrs.update(facts.request_attributes)
        group = otel_context.get_value(GROUP_KEY)
        if group is not None:
            attrs.update(group)
        self.span = settings.tracer.start_span(
            endpoint.span_name(facts), kind=SpanKind.CLIENT, attributes=attrs, start_time=facts.start_ns
        )

    # --- facts arriving ---

    def http_response(self, response: Any, retries_taken: int) -> None:
        """The final HTTP response of the call (after the SDK's retries)."""
        facts = self.facts
        facts.resend_count = retries_taken
        facts.http_status = response.status_code
        facts.provider_request_id = _header(response.headers, self.provider.request_id_header)

    def result(self, result: Any) -> Any:
        """Route what ``request`` returned; always hands back ``result`` itself."""
        try:
            # class-level check: hasattr() on a pydantic model raises and catches internally
            attrs = _class_attrs(type(result))
            if "parse" in attrs and "http_request" in attrs:  # the SDKs' raw response classes
                self._raw_response(result)
            else:
                self._parsed(result)
        except Exception:  # noqa: BLE001 - never let instrumentation reach the caller
            logger.debug("otel-llmlog: failed to read a response", exc_info=True)
            self.finish()
        return result

    def _raw_response(self, raw: Any) -> None:
        """``with_raw_response`` / ``with_streaming_response``: the caller parses later (or never).

        The SDK caches what ``parse()`` returns, so where parsing reads nothing new (a body
        already read, or a stream object that reads lazily) we parse now and the caller's own
        ``parse()`` gets this very object back. Otherwise ``parse`` is observed when the
        caller runs it, and the span ends when the response is closed.
        """
        parse_is_async = inspect.iscoroutinefunction(raw.parse)
        if not parse_is_async and (self.facts.stream or _body_read(raw.http_response)):
            self._parsed(raw.parse())
            return
        original_parse = raw.parse
        call = self

        def observe(parsed: Any) -> Any:
            if not call.ended:
                try:
                    call._parsed(parsed, end=False)
                except Exception:  # noqa: BLE001
                    logger.debug("otel-llmlog: failed to read a parsed response", exc_info=True)
            return parsed

        # Reading the body inside ``parse`` makes httpx close the response when the body ends;
        # like the close at a stream's end, that close is the SDK's own and must not end the span
        # before the parsed object is seen. The span ends when the caller closes the response.
        if parse_is_async:

            async def parse(*args: Any, **kwargs: Any) -> Any:
                call.in_next = True
                try:
                    parsed = await original_parse(*args, **kwargs)
                finally:
                    call.in_next = False
                return observe(parsed)

        else:

            def parse(*args: Any, **kwargs: Any) -> Any:
                call.in_next = True
                try:
                    parsed = original_parse(*args, **kwargs)
                finally:
                    call.in_next = False
                return observe(parsed)

        self._hook(raw, "parse", parse)
        self._hook_close(raw.http_response, parse_is_async)

    def _parsed(self, parsed: Any, end: bool = True) -> None:
        if self.facts.stream and hasattr(parsed, "_iterator") and hasattr(parsed, "response"):
            self._tap_stream(parsed)
            return
        self.endpoint.response(parsed, self.facts, self.settings.capture_content)
        if end:
            self.finish()

    # --- streams ---

    def _tap_stream(self, stream: Any) -> None:
        if self.state is not None:
            return
        self.state = self.endpoint.stream_state(self.facts, self.settings.capture_content)
        inner = stream._iterator
        is_async = hasattr(inner, "__anext__")
        stream._iterator = AsyncTap(inner, self) if is_async else SyncTap(inner, self)
        self._hook_close(stream.response, is_async)

    def _hook_close(self, http: Any, is_async: bool) -> None:
        """End the span when the HTTP response is closed by anyone but the SDK's own stream end.

        Every stream class and stream helper of both SDKs closes the same ``httpx`` response,
        so hooking that one object covers ``close()``, ``with`` blocks and helpers alike. A response
        of an async client is closed with ``aclose()`` (its ``close()`` refuses to), a sync one
        with ``close()``, so only that one is hooked.
        """
        call = self
        if is_async:
            original_aclose = http.aclose

            async def aclose() -> None:
                call.closed()
                await original_aclose()

            self._hook(http, "aclose", aclose)
            return
        original_close = http.close

        def close() -> None:
            call.closed()
            original_close()

        self._hook(http, "close", close)

    def _hook(self, obj: Any, name: str, hook: Any) -> None:
        """Put ``hook`` in place of ``obj.<name>`` until the call ends (see :meth:`_unhook`)."""
        own = vars(obj)
        if self.hooks is None:
            self.hooks = []
        self.hooks.append((obj, name, hook, name in own, own.get(name)))
        setattr(obj, name, hook)

    def _unhook(self) -> None:
        """Take the hooks off again once the span has ended.

        A hook holds the method it replaces, bound to the very object it is stored on: until it is
        taken off, that object, this call and its span form a reference cycle that only the cyclic
        garbage collector frees (about 90 objects per stream, and more for every collection to
        scan). Once the call has ended the hooks have nothing left to observe, so each is replaced
        by what was there before it, unless something else has replaced it since.
        """
        hooks, self.hooks = self.hooks, None
        for obj, name, hook, had, before in reversed(hooks or ()):
            if vars(obj).get(name) is hook:
                if had:
                    setattr(obj, name, before)
                else:
                    delattr(obj, name)

    def stream_done(self) -> None:
        try:
            if self.state is not None:
                self.state.finish()
        except Exception:  # noqa: BLE001
            logger.debug("otel-llmlog: failed to finish a stream", exc_info=True)
        self.finish()

    def closed(self) -> None:
        """The response was closed: by the SDK at the stream's end (ignored), or early."""
        if self.ended or self.in_next:
            return
        try:
            exc = sys.exc_info()[1]
            if exc is not None and exc is not self.handling and not isinstance(exc, (GeneratorExit, StopIteration, StopAsyncIteration)):
                self.fail(exc)
                return
            if self.state is not None:
                self.facts.cancelled = True
            self.stream_done()
        except Exception:  # noqa: BLE001
            logger.debug("otel-llmlog: failed to end a closed response", exc_info=True)

    def abandoned(self) -> None:
        """The stream object was garbage-collected without reaching its end or being closed."""
        if not self.ended:
            self.facts.cancelled = True
            self.stream_done()

    # --- ending ---

    def fail(self, exc: BaseException) -> None:
        if self.ended:
            return
        facts = self.facts
        facts.error = exc
        try:  # whatever fails here, the span below still ends and the caller still gets ``exc``
            facts.error_type = error_type_of(exc)
            response = getattr(exc, "response", None)
            request = getattr(exc, "request", None) if response is None else getattr(response, "request", None)
            if response is not None:
                facts.http_status = response.status_code
                facts.provider_request_id = _header(response.headers, self.provider.request_id_header)
            if request is not None:
                retries = _header(request.headers, "x-stainless-retry-count")
                if retries and retries.isdigit():
                    facts.resend_count = int(retries)
        except Exception:  # noqa: BLE001
            logger.debug("otel-llmlog: failed to read an error response", exc_info=True)
        if self.state is not None:
            try:
                self.state.finish()
            except Exception:  # noqa: BLE001
                logger.debug("otel-llmlog: failed to finish a failed stream", exc_info=True)
        self.finish()

    def finish(self) -> None:
        """Write the facts onto the span and end it - once, whatever calls it."""
        if self.ended:
            return
        self.ended = True
        span = self.span
        facts = self.facts
        try:
            facts.end_ns = time.time_ns()
            span.set_attributes(self._attributes())
            if facts.error is not None:
                self._record_error(facts.error)
        except Exception:  # noqa: BLE001
            logger.debug("otel-llmlog: failed to write span attributes", exc_info=True)
        finally:
            span.end(end_time=facts.end_ns or time.time_ns())
        if self.hooks is not None:
            try:
                self._unhook()
            except Exception:  # noqa: BLE001
                logger.debug("otel-llmlog: failed to take hooks off a response", exc_info=True)
        try:
            if self.endpoint.role == "llm":
                record_metrics(self.settings.instruments, facts, self._cost_amount, span.get_span_context())
        except Exception:  # noqa: BLE001
            logger.debug("otel-llmlog: failed to record metrics", exc_info=True)

    def _attributes(self) -> dict[str, Any]:
        facts = self.facts
        a: dict[str, Any] = {}
        if facts.provider_request_id:
            a[sc.PROVIDER_REQUEST_ID] = facts.provider_request_id
        if facts.http_status is not None:
            a[sc.HTTP_STATUS_CODE] = facts.http_status
        if facts.resend_count:
            a[sc.HTTP_RESEND_COUNT] = facts.resend_count
        if facts.api_key_sha256:
            a[sc.API_KEY_SHA256] = facts.api_key_sha256
        if facts.error_type:
            a[sc.ERROR_TYPE] = facts.error_type
        a.update(facts.response_attributes)
        if self.endpoint.role != "llm":
            if self.settings.capture_content:
                self._content_attributes(a)
            return a
        if facts.response_id:
            a[sc.RESPONSE_ID] = facts.response_id
        if facts.response_model:
            a[sc.RESPONSE_MODEL] = facts.response_model
        if facts.native_finish_reasons:
            a[sc.NATIVE_FINISH_REASONS] = facts.native_finish_reasons
            a[sc.RESPONSE_FINISH_REASONS] = facts.finish_reasons or [self.provider.normalize(r) for r in facts.native_finish_reasons]
        u = facts.usage
        for name, value in (
            (sc.USAGE_INPUT_TOKENS, u.input_tokens),
            (sc.USAGE_OUTPUT_TOKENS, u.output_tokens),
            (sc.USAGE_CACHE_READ_INPUT_TOKENS, u.cache_read_tokens),
            (sc.USAGE_CACHE_WRITE_INPUT_TOKENS, u.cache_write_tokens),
            (sc.CACHE_WRITE_5M_INPUT_TOKENS, u.cache_write_5m_tokens),
            (sc.CACHE_WRITE_1H_INPUT_TOKENS, u.cache_write_1h_tokens),
            (sc.USAGE_REASONING_OUTPUT_TOKENS, u.reasoning_tokens),
            (sc.AUDIO_INPUT_TOKENS, u.audio_input_tokens),
            (sc.AUDIO_OUTPUT_TOKENS, u.audio_output_tokens),
        ):
            if value is not None:
                a[name] = value
        end = facts.end_ns or facts.start_ns
        generation = (end - facts.start_ns) / 1e9
        if facts.error is None:
            a[sc.GENERATION_TIME] = generation
            if u.output_tokens and generation > 0:
                a[sc.THROUGHPUT] = u.output_tokens / generation
        if facts.stream:
            a[sc.STREAM_CHUNKS] = facts.chunks
            if facts.first_chunk_ns is not None:
                a[sc.RESPONSE_TIME_TO_FIRST_CHUNK] = (facts.first_chunk_ns - facts.start_ns) / 1e9
            if facts.cancelled:
                a[sc.STREAM_CANCELLED] = True
        self._cost_amount = None
        cost = None
        if facts.error is None:
            try:
                cost = self.settings.prices.cost(self.provider.name, facts.response_model, facts.request_model, u, facts.price_context)
            except Exception:  # noqa: BLE001 - a pricing failure must not cost the span its other attributes
                logger.debug("otel-llmlog: failed to price a call", exc_info=True)
        if cost is not None:
            if cost.amount is None:
                a[sc.COST_UNKNOWN_REASON] = cost.reason
            else:
                self._cost_amount = cost.amount
                a[sc.USAGE_COST_AMOUNT] = cost.amount
                a[sc.USAGE_COST_CURRENCY] = "USD"
                a[sc.USAGE_COST_SOURCE] = "local"
                a[sc.COST_PRICE_SOURCE] = cost.source
                if cost.items:
                    a[sc.COST_FEE_ITEMS], a[sc.COST_FEE_TOKENS], a[sc.COST_FEE_RATES], a[sc.COST_FEE_AMOUNTS] = zip(
                        *cost.items, strict=True
                    )
                else:
                    a[sc.COST_FEE_ITEMS] = a[sc.COST_FEE_TOKENS] = a[sc.COST_FEE_RATES] = a[sc.COST_FEE_AMOUNTS] = ()
        if self.settings.capture_content:
            self._content_attributes(a)
        return a

    def _content_attributes(self, a: dict[str, Any]) -> None:
        facts = self.facts
        limit = self.settings.max_content_length
        cut = False
        for message in facts.output_messages or ():  # extractors keep the native value; one table maps it
            reason = message.get("finish_reason")
            if isinstance(reason, str):
                message["finish_reason"] = self.provider.normalize(reason)
        for name, value in (
            (sc.INPUT_MESSAGES, facts.input_messages),
            (sc.SYSTEM_INSTRUCTIONS, facts.system_instructions),
            (sc.OUTPUT_MESSAGES, facts.output_messages),
        ):
            if value:
                a[name], was_cut = content.encode(value, limit)
                cut = cut or was_cut
        if cut:
            a[sc.CONTENT_TRUNCATED] = True

    def _record_error(self, exc: BaseException) -> None:
        record_exception(self.span, exc, self.secret)


_CLASS_ATTRS: dict[type, frozenset[str]] = {}


def _class_attrs(cls: type) -> frozenset[str]:
    """Names defined on a class or its bases, cached per class (raw-response detection)."""
    names = _CLASS_ATTRS.get(cls)
    if names is None:
        names = _CLASS_ATTRS[cls] = frozenset(n for klass in cls.__mro__ for n in vars(klass))
    return names


def _body_read(http: Any) -> bool:
    try:
        http.content  # noqa: B018 - raises when the body was not read
        return True
    except Exception:  # noqa: BLE001
        return False


