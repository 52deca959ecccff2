"""otel-llmlog: every LLM call as one OpenTelemetry span, and one standard log record per call.

The public API is small on purpose:

* :func:`instrument` / :func:`uninstrument` - hook the installed ``openai`` / ``anthropic`` SDKs;
* :class:`LLMLogInstrumentor` - the same as an OpenTelemetry ``BaseInstrumentor`` (what the
  ``opentelemetry-instrument`` launcher loads);
* :class:`PriceBook` - rates per fee item from ``genai-prices`` plus your overrides.
"""

from .instrumentor import LLMLogInstrumentor, instrument, uninstrument
from .pricing import Cost, FeeItem, PriceBook
from .version import __version__

__all__ = ["Cost", "FeeItem", "LLMLogInstrumentor", "PriceBook", "__version__", "instrument", "uninstrument"]
