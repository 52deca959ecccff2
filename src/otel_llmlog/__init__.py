"""otel-llmlog: every LLM call as one OpenTelemetry span, and one standard log record per call.

The public API is small on purpose:

* :func:`instrument` / :func:`uninstrument` - hook the installed ``openai`` / ``anthropic`` SDKs;
* :class:`LLMLogInstrumentor` - the same as an OpenTelemetry ``BaseInstrumentor`` (what the
  ``opentelemetry-instrument`` launcher loads);
* :func:`trace` - group the calls of one request under one parent span (session, user, tags);
* :func:`guardrail` / :func:`vector_store_search` - guardrail checks and searches as sub-spans;
* :func:`to_payloads` / :func:`to_generation_records` - spans to one standard record per call;
* :class:`PriceBook` - rates per fee item from ``genai-prices`` plus your overrides.

Every name is loaded on first use (module ``__getattr__``): ``import otel_llmlog`` loads neither
the instrumentation nor the records layer, so instrumenting never pays for the record models and
converting never loads an SDK hook. The layers and their import direction: ``docs/architecture.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .version import __version__

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and editors
    from .facts.pricing import Cost, FeeItem, PriceBook
    from .instrumentation.groups import Group, trace
    from .instrumentation.instrumentor import LLMLogInstrumentor, instrument, uninstrument
    from .instrumentation.subspans import Guardrail, VectorStoreSearch, guardrail, vector_store_search
    from .records.convert import to_generation_records, to_payloads

#: public name -> the module that holds it
_HOMES: dict[str, str] = {
    "Cost": "otel_llmlog.facts.pricing",
    "FeeItem": "otel_llmlog.facts.pricing",
    "PriceBook": "otel_llmlog.facts.pricing",
    "Group": "otel_llmlog.instrumentation.groups",
    "trace": "otel_llmlog.instrumentation.groups",
    "LLMLogInstrumentor": "otel_llmlog.instrumentation.instrumentor",
    "instrument": "otel_llmlog.instrumentation.instrumentor",
    "uninstrument": "otel_llmlog.instrumentation.instrumentor",
    "Guardrail": "otel_llmlog.instrumentation.subspans",
    "VectorStoreSearch": "otel_llmlog.instrumentation.subspans",
    "guardrail": "otel_llmlog.instrumentation.subspans",
    "vector_store_search": "otel_llmlog.instrumentation.subspans",
    "to_payloads": "otel_llmlog.records.convert",
    "to_generation_records": "otel_llmlog.records.convert",
}

__all__ = [
    "Cost",
    "FeeItem",
    "Group",
    "Guardrail",
    "LLMLogInstrumentor",
    "PriceBook",
    "VectorStoreSearch",
    "__version__",
    "guardrail",
    "instrument",
    "to_generation_records",
    "to_payloads",
    "trace",
    "uninstrument",
    "vector_store_search",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'otel_llmlog' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
