"""Turning instrumentation on and off: the ``BaseInstrumentor`` and the two public functions.

One hook per SDK: ``request`` (span lifecycle) and ``_process_response`` (the final HTTP
response and the SDK's retry count) on the sync and async base clients. Every endpoint,
stream helper and raw-response variant goes through them, so no per-method wrappers exist.
A provider module may name further hooks in ``EXTRA_HOOKS`` (Anthropic does, to keep the
SDK's own call span from duplicating ours); one its installed SDK lacks is skipped.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Collection, Mapping
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from wrapt import wrap_function_wrapper

from ..facts.pricing import PriceBook
from ..version import __version__
from . import content
from .hooks import async_process_response_wrapper, async_request_wrapper, process_response_wrapper, request_wrapper
from .metrics import Instruments, drain
from .protocol import Provider
from .settings import Settings, set_current

logger = logging.getLogger(__name__)

SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"

#: (SDK module, base-client module, provider module) for every SDK we hook
_SDKS: tuple[tuple[str, str, str], ...] = (
    ("openai", "openai._base_client", "otel_llmlog.instrumentation.providers.openai"),
    ("anthropic", "anthropic._base_client", "otel_llmlog.instrumentation.providers.anthropic"),
)

class LLMLogInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instruments whichever of the ``openai`` and ``anthropic`` SDKs are installed.

    Registered in the ``opentelemetry_instrumentor`` entry-point group as ``otel_llmlog`` (not
    ``openai``/``anthropic``, which other packages use), so ``opentelemetry-instrument`` loads it.
    """

    #: (class, method name) pairs wrapped; BaseInstrumentor is a singleton, so this is too
    _wrapped: list[tuple[Any, str]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        # Each SDK is optional; the ones not installed are skipped in _instrument.
        return ()

    def _instrument(self, **kwargs: Any) -> None:
        tracer = trace.get_tracer(
            "otel_llmlog", __version__, tracer_provider=kwargs.get("tracer_provider"), schema_url=SCHEMA_URL
        )
        meter = metrics.get_meter(
            "otel_llmlog", __version__, meter_provider=kwargs.get("meter_provider"), schema_url=SCHEMA_URL
        )
        capture = kwargs.get("capture_content")
        set_current(Settings(
            tracer=tracer,
            instruments=Instruments(meter),
            capture_content=content.capture_from_env() if capture is None else bool(capture),
            max_content_length=kwargs.get("max_content_length") or content.max_length_from_env(),
            prices=PriceBook.from_settings(kwargs.get("prices")),
        ))
        for sdk, base_module, provider_module in _SDKS:
            try:
                importlib.import_module(sdk)
                provider: Provider = importlib.import_module(provider_module).PROVIDER
                base = importlib.import_module(base_module)
            except ImportError:
                continue
            self._wrap(base, "SyncAPIClient.request", request_wrapper(provider))
            self._wrap(base, "AsyncAPIClient.request", async_request_wrapper(provider))
            self._wrap(base, "SyncAPIClient._process_response", process_response_wrapper)
            self._wrap(base, "AsyncAPIClient._process_response", async_process_response_wrapper)
            for module_name, function, wrapper in getattr(importlib.import_module(provider_module), "EXTRA_HOOKS", ()):
                try:
                    module = importlib.import_module(module_name)
                except ImportError:
                    continue
                if callable(getattr(module, function, None)):
                    self._wrap(module, function, wrapper)

    def _wrap(self, module: Any, name: str, wrapper: Any) -> None:
        """Wrap ``Class.method`` or a module-level ``function`` of ``module``; remember what to restore."""
        owner_name, _, method = name.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        wrap_function_wrapper(module, name, wrapper)
        self._wrapped.append((owner, method))

    def _uninstrument(self, **kwargs: Any) -> None:
        set_current(None)
        while self._wrapped:
            owner, method = self._wrapped.pop()  # a class or a module
            current = vars(owner).get(method)
            original = getattr(current, "__wrapped__", None)
            if original is not None:
                setattr(owner, method, original)
        drain()  # what calls queued is recorded before the caller reads or shuts down its meters


def instrument(
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    capture_content: bool | None = None,
    prices: Mapping[str, Mapping[str, float]] | str | os.PathLike[str] | None = None,
    max_content_length: int | None = None,
) -> LLMLogInstrumentor:
    """Instrument the installed LLM SDKs. Calling it again while instrumented changes nothing.

    ``capture_content`` None reads ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``;
    ``prices`` (model -> fee item -> USD per million tokens, or a JSON/TOML file path) wins over
    the ``genai-prices`` table; None reads the file named by ``OTEL_LLMLOG_PRICES``.
    """
    instrumentor = LLMLogInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        capture_content=capture_content,
        prices=prices,
        max_content_length=max_content_length,
    )
    return instrumentor


def uninstrument() -> None:
    """Restore every hooked SDK method to exactly what it was."""
    LLMLogInstrumentor().uninstrument()
