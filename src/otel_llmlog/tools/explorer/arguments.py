"""The command-line interface of ``logs``, ``show`` and ``stats``: their options, help and examples.

Only ``argparse`` here: :mod:`otel_llmlog.tools.cli` builds the whole parser for every command
(``--help``, ``convert``), and this module must not make those pay for the explorer's engine.
The filters are one parent parser, so ``logs`` and ``stats`` cannot drift apart.
"""

from __future__ import annotations

import argparse
import textwrap

__all__ = ["add_parsers"]

LOGS_EPILOG = """examples:
  otel-llmlog logs                                   the newest 50 calls of ./llm-calls.jsonl (or $OTEL_LLMLOG_JSON_PATH) and its rotated files
  otel-llmlog logs /var/log/app/ --since 2h          every *.jsonl* file of a directory, last two hours
  otel-llmlog logs --since 2025-08-22 --until 2025-08-23T12:00 --provider anthropic
  otel-llmlog logs --model 'gpt-4o*' --finish-reason length,content_filter --tokens
  otel-llmlog logs --api-key team-alpha --min-cost 0.01 --sort cost --cost
  otel-llmlog logs --api-key 9f86d081 --status failure          a key by the start of its SHA-256, never the key itself
  otel-llmlog logs --request-id 3aa427e2 --json | jq .response_cost     a record by (the start of) its id
  otel-llmlog convert traces.jsonl | otel-llmlog logs -          stdin; OTLP / Jaeger span files are converted on the fly

times are shown in local time with the zone; --since/--until take 30m, 2h, 7d, today, or an ISO date/time
(local time unless it has an offset). Exit status: 0; 1 when some lines could not be read (each is named as
file:line: reason on stderr, the rest is shown); 2 for a usage problem.
"""

SHOW_EPILOG = """examples:
  otel-llmlog show 3aa427e2bed15f07                  the call: request and response grouped by role, then tokens by kind,
                                                     timings, cost per fee item, guardrail, vector search, metadata, its trace
  otel-llmlog show 3aa427e2                          any unambiguous start of the id (or the provider's response id)
  otel-llmlog show 3aa427e2 --json | jq .messages    the raw record
  otel-llmlog show 3aa427e2 /var/log/app/
"""

STATS_EPILOG = """examples:
  otel-llmlog stats                                  per provider and per model: calls, error rate, tokens by kind, cost,
                                                     cache hit ratio, p50/p95/p99 first-token latency and generation time,
                                                     median throughput
  otel-llmlog stats --since 24h --provider openai
  otel-llmlog stats --by api_key                     any column (provider, model, finish, status, api_key, end_user, ...)
  otel-llmlog stats --by metadata.requester_metadata.tenant --json     ... or any field of the record, by its path
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``logs``, ``show`` and ``stats`` to the ``otel-llmlog`` subcommands ``sub``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                        help="colour: auto (only on a terminal, unless NO_COLOR is set), always, never")
    filters = argparse.ArgumentParser(add_help=False)
    group = filters.add_argument_group("filters (repeat an option or give a comma-separated list for any of several values)")
    group.add_argument("--since", metavar="TIME", help="calls that started at or after TIME: 30m, 2h, 7d, today, 2025-08-22T10:00")
    group.add_argument("--until", metavar="TIME", help="calls that started before TIME")
    group.add_argument("--api-key", action="append", metavar="KEY", help="the key's alias, or the start (6+ hex digits) of its SHA-256")
    group.add_argument("--request-id", action="append", metavar="ID", help="the record id (or its start) or the provider's response id")
    group.add_argument("--provider", action="append", metavar="NAME", help="openai, anthropic, ...")
    group.add_argument("--model", action="append", metavar="GLOB", help="the model asked for or that answered, or provider/model; * and ? wildcards")
    group.add_argument("--finish-reason", action="append", metavar="REASON", help="stop, length, tool_call, content_filter, error (or the provider's own)")
    group.add_argument("--status", action="append", metavar="STATUS", help="success or failure")
    group.add_argument("--trace-id", action="append", metavar="ID", help="the trace id (or its start)")
    group.add_argument("--min-cost", type=float, metavar="USD", help="calls that cost at least USD")
    wrap = lambda text: textwrap.fill(text, 100)  # noqa: E731 - descriptions stay readable under RawDescriptionHelpFormatter
    paths_help = "JSON-lines logs, directories of them (rotated files included), span files, or - for stdin (default: $OTEL_LLMLOG_JSON_PATH or llm-calls.jsonl)"
    formatter = argparse.RawDescriptionHelpFormatter

    logs = sub.add_parser("logs", parents=[filters, common], help="list the calls of your JSON logs, like a gateway's Logs page",
                          description=wrap("One row per LLM call: Timestamp, Model, Input Tokens, Output Tokens, Cost, first-token "
                                           "Latency, Throughput, Finish and the record id. The files are queried where they are (DuckDB)."),
                          epilog=LOGS_EPILOG, formatter_class=formatter)
    logs.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    logs.add_argument("--sort", choices=["time", "cost", "latency", "generation", "throughput", "input", "output", "model"], default="time",
                      help="newest / largest first (default: time)")
    logs.add_argument("--asc", action="store_true", help="oldest / smallest first")
    logs.add_argument("-n", "--limit", type=int, metavar="N", help="rows to show (default 50; with --json all); 0: all")
    logs.add_argument("--json", action="store_true", help="print the matching records themselves, as JSON lines")
    logs.add_argument("--tokens", action="store_true", help="under each row: input tokens by kind (prompt, cache read, cache write, 5-minute, 1-hour)")
    logs.add_argument("--cost", action="store_true", help="under each row: the cost per fee item (quantity x rate)")

    show = sub.add_parser("show", parents=[common], help="one call in full: messages, tokens by kind, timings, cost items, trace",
                          description=wrap("One record: the request and response grouped by role (tool calls with their arguments "
                                           "and results, code blocks highlighted on a terminal), then the model, token counts by kind, "
                                           "request and multimodal counts, first-token latency, generation time, throughput, cost per "
                                           "fee item, the guardrail and vector-store entries, the raw metadata and the other calls of "
                                           "the same trace."),
                          epilog=SHOW_EPILOG, formatter_class=formatter)
    show.add_argument("id", metavar="ID", help="the record id, any unambiguous start of it, or the provider's response id")
    show.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    show.add_argument("--json", action="store_true", help="the raw record, as JSON")

    stats = sub.add_parser("stats", parents=[filters, common], help="calls, errors, tokens, cost and latency percentiles per provider and model",
                           description=wrap("Per provider and per model (or --by any field): calls, error rate, tokens by kind, "
                                            "cost, cache hit ratio (cache-read share of input tokens), p50/p95/p99 first-token "
                                            "latency and generation time, median throughput; over the same filters as logs."),
                           epilog=STATS_EPILOG, formatter_class=formatter)
    stats.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    stats.add_argument("--by", action="append", metavar="FIELD",
                       help="group by this column or record path instead (repeat for a combined key)")
    stats.add_argument("--json", action="store_true", help="one JSON object per group")
