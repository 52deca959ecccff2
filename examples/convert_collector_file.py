"""Turn the Collector's file output (OTLP JSON lines) into one standard log record per LLM call.

    python examples/convert_collector_file.py [TRACES_FILE] [-o llm-calls.jsonl]

TRACES_FILE defaults to $OTEL_LLMLOG_TRACES_FILE (where collector-config.yaml's `file` exporter
writes) when that file exists, else to examples/data/collector-traces.jsonl, a sample in the same
format. The command-line equivalent is `otel-llmlog convert TRACES_FILE -o llm-calls.jsonl`.
Prints one summary row per call; the records go to the output file as JSON lines.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import otel_llmlog
from otel_llmlog.records.jsonlines import record_line
from otel_llmlog.records.reading import ReadError, read_path

SAMPLE = Path(__file__).resolve().parent / "data" / "collector-traces.jsonl"


def default_input() -> Path:
    configured = os.environ.get("OTEL_LLMLOG_TRACES_FILE")
    return Path(configured) if configured and Path(configured).is_file() else SAMPLE


def cost(amount: float | None) -> str:
    return "cost unknown" if amount is None else f"${amount:.9f}".rstrip("0").rstrip(".")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces_file", nargs="?", type=Path, default=None)
    parser.add_argument("-o", "--output", type=Path, default=Path("llm-calls.jsonl"))
    args = parser.parse_args(argv)
    source = args.traces_file or default_input()

    errors: list[ReadError] = []  # a line cut short (the Collector was still writing) is reported, not fatal
    spans = list(read_path(source, errors=errors))
    payloads = otel_llmlog.to_payloads(spans)
    with args.output.open("wb") as out:
        for payload in payloads:
            out.write(record_line(payload))  # the package's line writer: UTF-8, one whole line each

    print(f"{source}: {len(spans)} spans -> {len(payloads)} LLM calls -> {args.output}")
    for p in payloads:
        guardrail = p.metadata.guardrail_information
        searches = p.metadata.vector_store_request_metadata or []
        print(f"  trace {p.trace_id}  {p.model:<26} in {p.prompt_tokens:>5} out {p.completion_tokens:>4}  "
              f"{cost(p.response_cost):>12}  tags {','.join(p.request_tags) or '-'}  "
              f"guardrail {guardrail.guardrail_name if guardrail else '-'}  searches {len(searches)}")
    for error in errors:
        print(f"  skipped {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
