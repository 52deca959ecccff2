"""otel-llmlog: every LLM call as one OpenTelemetry span, and one standard log record per call.

The public API is small on purpose:

* :func:`instrument` / :func:`uninstrument` - hook the installed ``openai`` / ``anthropic`` SDKs;
* :class:`LLMLogInstrumentor` - the same as an OpenTelemetry ``BaseInstrumentor`` (what the
  ``opentelemetry-instrument`` launcher loads);
* :func:`trace` - group the calls of one request under one parent span (session, user, tags);
* :func:`guardrail` / :func:`vector_store_search` - guardrail checks and searches as sub-spans;
* :func:`to_payloads` / :func:`to_generation_records` - spans to one standard record per call;
* :class:`PriceBook` - rates per fee item from ``genai-prices`` plus your overrides.
"""

from .groups import Group, trace
from .instrumentor import LLMLogInstrumentor, instrument, uninstrument
from .pricing import Cost, FeeItem, PriceBook
from .subspans import Guardrail, VectorStoreSearch, guardrail, vector_store_search
from .version import __version__

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
    "trace",
    "uninstrument",
    "to_generation_records",
    "to_payloads",
    "vector_store_search",
]


def __getattr__(name: str) -> object:
    # The converter pulls in pydantic models; load it on first use so that instrumenting (for
    # example under the opentelemetry-instrument launcher) does not pay for it at start-up.
    if name in ("to_payloads", "to_generation_records"):
        from . import convert

        return getattr(convert, name)
    raise AttributeError(f"module 'otel_llmlog' has no attribute {name!r}")
