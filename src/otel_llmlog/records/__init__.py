"""The records layer: spans, from any source, become one standard log record per LLM call.

Reads span attributes only (ours or any other instrumentation's), so it imports the leaf
(``otel_llmlog.facts``) and the OpenTelemetry SDK's span types, never the instrumentation or an LLM SDK.
"""
