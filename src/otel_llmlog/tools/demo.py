"""The main job: instrumented calls through the real ``openai`` SDK against the built-in stand-in.

No API key and no network: the stand-in (``otel_llmlog.testing.standin``) replays recorded OpenAI
responses on loopback. Each finished span is printed as one line a person can read (or, with
``--json``, as one JSON object per span), so the demo shows what a user's backend would get.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO, Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from ..facts import semconv as sc
from ..records.jsonlines import dumps_line, record_line

#: (label, stand-in case, SDK call) - one of each kind of call the issue asks the demo to show
CALLS: tuple[tuple[str, str], ...] = (
    ("plain chat completion", "chat_completion_basic"),
    ("streamed chat completion", "chat_completion_streaming_include_usage"),
    ("tool call", "chat_completion_tool_calls"),
    ("prompt cache hit", "chat_completion_prompt_cache_hit"),
    ("streamed Responses API", "responses_streaming"),
    ("embeddings", "embeddings_float"),
    ("error (unknown model)", "chat_completion_error_404_model_not_found"),
)


def _fmt_tokens(a: dict[str, Any]) -> str:
    def get(name: str) -> int | None:
        value = a.get(name)
        return value if isinstance(value, int) else None

    inp, out = get(sc.USAGE_INPUT_TOKENS), get(sc.USAGE_OUTPUT_TOKENS)
    if inp is None and out is None:
        return "tokens n/a"
    parts = [f"in {inp if inp is not None else '-'}"]
    extra = [f"{label} {get(n)}" for label, n in (
        ("cache read", sc.USAGE_CACHE_READ_INPUT_TOKENS),
        ("cache write", sc.USAGE_CACHE_WRITE_INPUT_TOKENS),
        ("5m", sc.CACHE_WRITE_5M_INPUT_TOKENS),
        ("1h", sc.CACHE_WRITE_1H_INPUT_TOKENS),
    ) if get(n)]
    if extra:
        parts[0] += f" ({', '.join(extra)})"
    out_text = f"out {out if out is not None else '-'}"
    if get(sc.USAGE_REASONING_OUTPUT_TOKENS):
        out_text += f" (reasoning {get(sc.USAGE_REASONING_OUTPUT_TOKENS)})"
    parts.append(out_text)
    return " ".join(parts)


def format_span(span: ReadableSpan) -> str:
    """One human line per LLM span: model, tokens by kind, cost, latency, throughput, finish."""
    a = dict(span.attributes or {})
    model = a.get(sc.RESPONSE_MODEL) or a.get(sc.REQUEST_MODEL) or "?"
    cost = a.get(sc.USAGE_COST_AMOUNT)
    cost_text = f"${cost:.9f}".rstrip("0").rstrip(".") if isinstance(cost, float) else f"cost unknown ({a.get(sc.COST_UNKNOWN_REASON, 'failed call')})"
    duration_ms = ((span.end_time or 0) - (span.start_time or 0)) / 1e6
    ttfc = a.get(sc.RESPONSE_TIME_TO_FIRST_CHUNK)
    latency_ms = ttfc * 1000 if isinstance(ttfc, float) else duration_ms
    throughput = a.get(sc.THROUGHPUT)
    finish = ",".join(a.get(sc.RESPONSE_FINISH_REASONS, ())) or "-"
    if sc.ERROR_TYPE in a:
        finish = f"error {a[sc.ERROR_TYPE]}"
    return (
        f"{span.name:<34} {model:<26} {_fmt_tokens(a):<34} {cost_text:<12} "
        f"first-token {latency_ms:7.1f} ms  {(f'{throughput:.2f} tok/s') if throughput else '-':>14}  finish {finish}"
    )


def span_json(span: ReadableSpan) -> dict[str, Any]:
    """A span as the demo's ``--json`` prints it: ids in hex, times in nanoseconds, every key sorted
    (at both levels, as ``sort_keys`` did before this went through the one line writer)."""
    attributes = {k: list(v) if isinstance(v, tuple) else v for k, v in sorted((span.attributes or {}).items())}
    return {
        "attributes": attributes,
        "end_time_unix_nano": span.end_time,
        "name": span.name,
        "span_id": f"{span.context.span_id:016x}",
        "start_time_unix_nano": span.start_time,
        "status": span.status.status_code.name,
        "trace_id": f"{span.context.trace_id:032x}",
    }


class LineExporter(SpanExporter):
    """Prints each finished LLM span as a line (or as JSON with ``as_json``)."""

    def __init__(self, out: IO[str] | None = None, as_json: bool = False) -> None:
        self.out = out or sys.stdout
        self.as_json = as_json

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            self._write(spans)
        except BrokenPipeError:  # the reader went away (``| head``): nothing left to print to
            pass
        return SpanExportResult.SUCCESS

    def _write(self, spans: Sequence[ReadableSpan]) -> None:
        for span in spans:
            if not (span.attributes or {}).get(sc.OPERATION_NAME):
                continue
            if self.as_json:
                self.out.write(dumps_line(span_json(span)).decode("utf-8"))
            else:
                self.out.write(format_span(span) + "\n")
        self.out.flush()


def run(out: IO[str] | None = None, as_json: bool = False, capture_content: bool = False, records: bool = False) -> int:
    """Run the demo; returns the number of spans printed.

    With ``records``, each call's standard log record (``StandardLoggingPayload``) follows the
    table as one JSON line - what the JSON-log exporter would write for these calls.
    """
    import openai

    from ..instrumentation.instrumentor import instrument, uninstrument
    from ..testing.standin import StandIn

    out = out or sys.stdout
    provider = TracerProvider()
    counter = _Counter(LineExporter(out, as_json))
    provider.add_span_processor(SimpleSpanProcessor(counter))
    instrument(tracer_provider=provider, capture_content=capture_content)
    try:
        with StandIn() as server:
            for label, case in CALLS:
                client = openai.OpenAI(api_key="sk-demo-not-a-real-key", base_url=server.base_url(case), max_retries=0)
                try:
                    _call(client, server, case)
                except openai.APIError as exc:
                    if not as_json:
                        out.write(f"  ({label}: the SDK raised {type(exc).__name__}, as recorded)\n")
    finally:
        uninstrument()
        provider.shutdown()
    if records:
        from ..records.convert import to_payloads

        out.write("\nstandard log records, one JSON line per call:\n")
        for payload in to_payloads(counter.spans):
            out.write(record_line(payload).decode("utf-8"))
    return counter.count


def command(args: argparse.Namespace) -> int:
    """``otel-llmlog demo``; exit status 2 when the openai SDK (the ``demo`` extra) is missing."""
    try:
        run(as_json=args.json, capture_content=args.capture, records=args.records)
    except ImportError as exc:
        print(f"otel-llmlog demo needs the openai SDK: pip install 'otel-llmlog[demo]' ({exc})", file=sys.stderr)
        return 2
    return 0


def _call(client: Any, server: Any, case: str) -> None:
    body = dict(server.cases[case].request["body"])
    path = server.cases[case].request["path"]
    if path.endswith("/embeddings"):
        client.embeddings.create(**body)
    elif path.endswith("/responses"):
        body.pop("stream", None)
        with client.responses.stream(**body) as stream:
            for _ in stream:
                pass
    elif body.get("stream"):
        for _ in client.chat.completions.create(**body):
            pass
    else:
        client.chat.completions.create(**body)


class _Counter(SpanExporter):
    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.spans: list[ReadableSpan] = []

    @property
    def count(self) -> int:
        return len(self.spans)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return self.inner.export(spans)
