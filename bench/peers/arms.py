"""The arms of the benchmark: how each instrumentation is switched on and off, content capture included.

``bench/run.py`` measures one arm per process: an uninstrumented baseline interleaved with the arm's
``instrument()`` / ``uninstrument()``, block by block. ``ours`` runs in the development environment;
each peer runs in its own virtual environment under ``.venv-peers/<name>`` (``bench/peers/setup``),
because the peers pin their own SDK / OTel versions and must never share a process with us or with
each other. An arm imports its instrumentation only in :meth:`Arm.load`, so a peer that cannot be
imported (or a process that is not the peer's environment) fails there, with the reason, and the
merged table says so instead of leaving the peer out.

Content capture is switched with each peer's own switch, before every ``instrument()``:

* ours - ``instrument(capture_content=...)``;
* OpenLLMetry (``opentelemetry-instrumentation-openai`` / ``-anthropic``, Traceloop) -
  ``TRACELOOP_TRACE_CONTENT=true|false`` (read on every call); its metrics stay on (default);
* OpenInference (Arize) - ``TraceConfig(hide_inputs=..., hide_outputs=...)`` given to ``instrument()``
  (the config behind ``OPENINFERENCE_HIDE_INPUTS`` / ``OPENINFERENCE_HIDE_OUTPUTS``); it has no metrics;
* the official ``opentelemetry-instrumentation-openai-v2`` - the latest GenAI conventions
  (``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``) so that content can go on the span
  like ours, and ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only|no_content``; it
  instruments OpenAI only.

Every arm gets the same ``tracer_provider`` and ``meter_provider`` (the peers that take one).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from typing import Any

OPENAI = "openai"
ANTHROPIC = "anthropic"


class Arm:
    """One instrumentation, switched on and off in-process."""

    name = ""
    title = ""
    #: distributions whose versions the report lists for this arm
    packages: tuple[str, ...] = ()
    #: the SDKs the arm instruments; scenarios of the others are "n/a" for it
    providers: frozenset[str] = frozenset({OPENAI, ANTHROPIC})
    #: how content capture is switched, for the report
    content_switch = ""
    #: True: every call must give exactly one span (the run fails otherwise); peers are only counted
    strict_one_span = False

    def load(self) -> None:
        """Import the instrumentation. Raises (with the reason) when it cannot run here."""

    def instrument(self, tracer_provider: Any, meter_provider: Any, capture: bool) -> None:
        raise NotImplementedError

    def uninstrument(self) -> None:
        raise NotImplementedError


class Ours(Arm):
    name = "ours"
    title = "otel-llmlog"
    packages = ("otel-llmlog", "genai-prices")
    content_switch = "`instrument(capture_content=...)`"
    strict_one_span = True

    def load(self) -> None:
        import otel_llmlog

        self._mod = otel_llmlog

    def instrument(self, tracer_provider: Any, meter_provider: Any, capture: bool) -> None:
        self._mod.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, capture_content=capture)

    def uninstrument(self) -> None:
        self._mod.uninstrument()


class _Peer(Arm):
    """A peer made of one ``BaseInstrumentor`` per SDK: (module, class name, provider)."""

    instrumentors: tuple[tuple[str, str, str], ...] = ()

    def load(self) -> None:
        # re-instrumenting registers the same metric instruments again: the SDK warns each time
        logging.getLogger("opentelemetry.sdk.metrics").setLevel(logging.ERROR)
        self._instances = []
        for module, cls, _ in self.instrumentors:
            try:
                mod = importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001 - the reason goes into the table
                raise RuntimeError(f"`import {module}` fails: {type(exc).__name__}: {exc}") from exc
            self._instances.append(getattr(mod, cls)())

    def content(self, capture: bool) -> dict[str, Any]:
        """Set the peer's content switch; returns extra keyword arguments for ``instrument()``."""
        return {}

    def instrument(self, tracer_provider: Any, meter_provider: Any, capture: bool) -> None:
        extra = self.content(capture)
        for inst in self._instances:
            inst.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, **extra)

    def uninstrument(self) -> None:
        for inst in self._instances:
            inst.uninstrument()


class OpenLLMetry(_Peer):
    name = "openllmetry"
    title = "OpenLLMetry"
    packages = ("opentelemetry-instrumentation-openai", "opentelemetry-instrumentation-anthropic")
    instrumentors = (
        ("opentelemetry.instrumentation.openai", "OpenAIInstrumentor", OPENAI),
        ("opentelemetry.instrumentation.anthropic", "AnthropicInstrumentor", ANTHROPIC),
    )
    content_switch = "`TRACELOOP_TRACE_CONTENT=true/false`"

    def content(self, capture: bool) -> dict[str, Any]:
        os.environ["TRACELOOP_TRACE_CONTENT"] = "true" if capture else "false"
        return {}


class OpenInference(_Peer):
    name = "openinference"
    title = "OpenInference"
    packages = ("openinference-instrumentation-openai", "openinference-instrumentation-anthropic",
                "openinference-instrumentation")
    instrumentors = (
        ("openinference.instrumentation.openai", "OpenAIInstrumentor", OPENAI),
        ("openinference.instrumentation.anthropic", "AnthropicInstrumentor", ANTHROPIC),
    )
    content_switch = "`TraceConfig(hide_inputs=..., hide_outputs=...)`"

    def load(self) -> None:
        super().load()
        from openinference.instrumentation import TraceConfig

        self._config: Callable[..., Any] = TraceConfig

    def content(self, capture: bool) -> dict[str, Any]:
        return {"config": self._config(hide_inputs=not capture, hide_outputs=not capture)}


class OtelV2(_Peer):
    name = "otel-v2"
    title = "OTel openai-v2"
    packages = ("opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai", "httpx")
    providers = frozenset({OPENAI})
    instrumentors = (("opentelemetry.instrumentation.openai_v2", "OpenAIInstrumentor", OPENAI),)
    content_switch = ("`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`, "
                      "`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only/no_content`")

    def load(self) -> None:
        os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"  # read at import
        super().load()

    def content(self, capture: bool) -> dict[str, Any]:
        os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "span_only" if capture else "no_content"
        return {}


ARMS: dict[str, type[Arm]] = {a.name: a for a in (Ours, OpenLLMetry, OpenInference, OtelV2)}
PEERS = ("openllmetry", "openinference", "otel-v2")
