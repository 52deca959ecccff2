"""What every example shares: the real API when a key is set, the built-in stand-in when not, and a printout.

Not part of the library: the examples import it so each one shows only what it is about.

* :func:`openai_client` / :func:`anthropic_client` give a real SDK client. With ``OPENAI_API_KEY``
  (``ANTHROPIC_API_KEY``) set it talks to the real API; without one it talks to a loopback server
  (``otel_llmlog.testing.standin``) that replays a recorded exchange, so the examples run offline in seconds.
  ``OTEL_LLMLOG_EXAMPLES_STANDIN=1`` forces the stand-in even with a key (the key is still sent, which
  is how the end-to-end tests check that no key reaches a backend).
* :func:`setup` instruments and collects the spans: under ``opentelemetry-instrument`` it uses the
  launcher's tracer provider (which already instrumented us through our entry point); run plainly,
  it makes one.
* :func:`report` prints the spans as a tree (one row per span, trace ids included) and, when the
  JSON log exporter is not already writing them, one standard log record per LLM call.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import warnings
from collections import defaultdict
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llmlog
from otel_llmlog.facts import semconv as sc
from otel_llmlog.testing.standin import StandIn
from otel_llmlog.tools.demo import format_span

FORCE_STANDIN_ENV = "OTEL_LLMLOG_EXAMPLES_STANDIN"

_standin: StandIn | None = None


def replaying(key_env: str) -> bool:
    """True when the calls of this provider go to the stand-in (no key in ``key_env``, or forced)."""
    return os.environ.get(FORCE_STANDIN_ENV) == "1" or not os.environ.get(key_env)


def _server() -> StandIn:
    global _standin
    if _standin is None:
        _standin = StandIn().start()
        atexit.register(_standin.stop)
        print(f"(no API key: the SDK talks to the built-in stand-in at {_standin.url}, which replays recorded answers)",
              file=sys.stderr)
    return _standin


def openai_client(case: str) -> Any:
    """An ``openai.OpenAI`` client; ``case`` is the recorded exchange the stand-in answers with (unused with a key)."""
    import openai

    if not replaying("OPENAI_API_KEY"):
        return openai.OpenAI()
    key = os.environ.get("OPENAI_API_KEY") or "sk-no-key-standin"
    return openai.OpenAI(api_key=key, base_url=_server().base_url(case), max_retries=0)


def anthropic_client(case: str) -> Any:
    """An ``anthropic.Anthropic`` client; ``case`` as for :func:`openai_client`."""
    import anthropic

    if not replaying("ANTHROPIC_API_KEY"):
        return anthropic.Anthropic()
    # the recordings were made with models since retired; replaying them is no reason to warn
    warnings.filterwarnings("ignore", message="The model .* is deprecated", category=DeprecationWarning)
    key = os.environ.get("ANTHROPIC_API_KEY") or "sk-ant-no-key-standin"
    return anthropic.Anthropic(api_key=key, base_url=_server().base_url(case), max_retries=0)


def setup(service_name: str) -> InMemorySpanExporter:
    """Instrument the SDKs (unless the launcher did) and keep every finished span for :func:`report`."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # run plainly, not under opentelemetry-instrument
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        trace.set_tracer_provider(provider)
    spans = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    if not otel_llmlog.LLMLogInstrumentor().is_instrumented_by_opentelemetry:
        otel_llmlog.instrument()
    return spans


def _row(span: ReadableSpan) -> str:
    a = span.attributes or {}
    operation = a.get(sc.OPERATION_NAME)
    if operation == "apply_guardrail":
        return f"{span.name:<34} {a.get(sc.GUARDRAIL_STATUS, '?')}"
    if operation == "retrieval":
        return f"{span.name:<34} {a.get(sc.RETRIEVAL_RESULT_COUNT, '?')} results"
    if operation == "invoke_workflow":
        facts = [f"session {a[sc.CONVERSATION_ID]}" if sc.CONVERSATION_ID in a else "",
                 f"user {a[sc.END_USER]}" if sc.END_USER in a else "",
                 f"tags {','.join(a[sc.REQUEST_TAGS])}" if sc.REQUEST_TAGS in a else ""]
        return f"{span.name:<34} {' '.join(f for f in facts if f)}"
    if operation:
        return format_span(span)
    return span.name


def report(spans: InMemorySpanExporter, out: Any = None) -> None:
    """Print each trace as an indented tree of spans, then the standard record of each LLM call."""
    out = out or sys.stdout
    finished = sorted(spans.get_finished_spans(), key=lambda s: s.start_time or 0)
    ids = {s.context.span_id for s in finished}
    children: dict[int | None, list[ReadableSpan]] = defaultdict(list)
    for span in finished:
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        children[parent].append(span)

    def walk(span: ReadableSpan, depth: int) -> None:
        out.write("  " * depth + _row(span) + "\n")
        for child in children[span.context.span_id]:
            walk(child, depth + 1)

    for root in children[None]:
        out.write(f"\ntrace {root.context.trace_id:032x}\n")
        walk(root, 1)
    if "otel_llmlog_json" in os.environ.get("OTEL_TRACES_EXPORTER", ""):
        path = os.environ.get("OTEL_LLMLOG_JSON_PATH", "llm-calls.jsonl")
        out.write(f"\nthe otel_llmlog_json exporter writes one JSON line per LLM call to {path} at exit\n")
        return
    out.write("\nstandard log records (StandardLoggingPayload), one JSON line per LLM call:\n")
    for payload in otel_llmlog.to_payloads(finished):
        out.write(json.dumps(payload.model_dump(mode="json"), ensure_ascii=False) + "\n")
    out.flush()
