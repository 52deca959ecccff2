"""The leaf every other part imports: names and facts, no behaviour that needs a runtime.

What lives here is true whoever produced a span: the attribute names (:mod:`.semconv`), how each
provider's native finish reasons map onto the conventions' values (:mod:`.finish_reasons`), the
fee-item codes of a bill (:mod:`.fees`), which providers exist and how they name things
(:mod:`.providers`), the conventions' message-part shapes (:mod:`.messages`), token counts
(:mod:`.usage`) and their prices (:mod:`.pricing`).

Both halves of the package import from here and never from each other: the instrumentation
(``otel_llmlog.instrumentation``) writes spans with these names and tables, the records layer
(``otel_llmlog.records``) reads spans - ours or anyone's - with the same ones. Nothing here imports
OpenTelemetry, an LLM SDK or pydantic (``genai-prices`` is loaded by the price book on first use).
"""
