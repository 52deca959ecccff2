"""The records layer: spans, from any source, become one standard log record per LLM call.

Reads span attributes only (ours or any other instrumentation's), so it imports the leaf
(``otel_llmlog.facts``) and the OpenTelemetry SDK's span types, never the instrumentation or an LLM SDK.

Its modules, in the order data flows through them:

* spans in: :mod:`.spans` (:class:`~.spans.SpanData`, ``ReadError``), :mod:`.reading`
  (``read_path`` / ``read_stream``, the format found by :mod:`.formats`) with one module per format
  (:mod:`.otlp_json`, :mod:`.otlp_proto`, :mod:`.jaeger`) and what they share (:mod:`.parsing`);
  :mod:`.live` for SDK spans;
* held by trace: :mod:`.trace_buffer`, the one buffer of the exporters and the file converter;
* one view per call: :mod:`.calls` (names of other conventions: :mod:`.peer_names`; lenient values:
  :mod:`.values`; sub-spans: :mod:`.attachment`);
* records: :mod:`.standard` / :mod:`.generation` fill :mod:`.models`;
* out: :mod:`.jsonlines` (the one line writer and reader), :mod:`.convert` (entry points and the
  streaming file conversion), :mod:`.exporters` (with :mod:`.jsonlog_sink`), :mod:`.batch_processor`.
"""
