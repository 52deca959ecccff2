"""The instrumentation: LLM SDK calls become spans (and metrics) as they happen.

Imports only the leaf (``otel_llmlog.facts``) of this package, never the records layer: a
record is built from the spans this layer writes, by whoever reads them.
"""
