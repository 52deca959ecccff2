"""The ``otel-llmlog`` command line: the parser, and which module runs each command.

Each command's code lives in a module of its own (:mod:`.demo`, :mod:`.reference`, the explorer's
:mod:`.explorer.commands`; the explorer's many options in :mod:`.explorer.arguments`). Commands
import what they need when they run, so ``otel-llmlog --help`` stays fast and the converter
commands never need the LLM SDKs installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from ..version import __version__
from .explorer.arguments import add_parsers as add_explorer_parsers

EPILOG = """examples:
  otel-llmlog demo                         instrumented calls against the built-in stand-in, one line per span
  otel-llmlog demo --records               ... then the standard log record of each call, as JSON lines
  otel-llmlog demo --json                  the spans themselves as JSON lines
  otel-llmlog convert traces.jsonl -o calls.jsonl     Collector file output -> one payload JSON line per LLM call
  otel-llmlog convert --format generation - < body.json
  otel-llmlog schema standard              JSON Schema of the standard record
  otel-llmlog logs --since 2h --model 'gpt-4o*'        the Logs page of your JSON logs, in the terminal
  otel-llmlog show 3aa427e2                 one call in full: messages, tokens by kind, timings, cost items
  otel-llmlog stats --since 7d              calls, errors, tokens, cost and latency percentiles per provider and model
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otel-llmlog",
        description="OpenTelemetry for LLM calls: tokens, cost and one standard record per call.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"otel-llmlog {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run instrumented openai calls against the built-in local LLM stand-in and print each span",
        description="Starts a loopback stand-in that replays recorded OpenAI responses, makes plain, streamed, "
        "tool-call, cached, Responses-API, embeddings and failing calls through the real openai SDK, and prints "
        "one line per span. No API key, no network.",
    )
    demo.add_argument("--json", action="store_true", help="print each span as a JSON line instead of a table row")
    demo.add_argument("--capture", action="store_true", help="capture message content on the spans")
    demo.add_argument("--records", action="store_true", help="after the table, print each call's standard log record as JSON")
    convert = sub.add_parser(
        "convert",
        help="convert spans (OTLP JSON / protobuf, Jaeger JSON) into one record per LLM call, as JSON lines",
        description="Reads spans from files or stdin (-), detects the format from the content, and writes one JSON "
        "line per LLM call. Each bad input line is reported as file:line: reason on stderr; the good ones are still "
        "converted. Exits 1 when any line failed.",
    )
    convert.add_argument("inputs", nargs="+", metavar="INPUT", help="span files, or - for stdin")
    convert.add_argument("-o", "--output", help="write here (atomically: no half-written line) instead of stdout")
    convert.add_argument("--format", choices=["standard", "generation"], default="standard",
                         help="standard: StandardLoggingPayload (default); generation: the gateway generation record")
    convert.add_argument("--strict", action="store_true", help="stop at the first bad line")
    schema = sub.add_parser("schema", help="print the JSON Schema of a record format")
    schema.add_argument("record_format", nargs="?", choices=["standard", "generation"], default="standard")
    sub.add_parser("attributes", help="print the attribute table (docs/attributes.md) generated from the semconv registry")
    add_explorer_parsers(sub)
    return parser


def reader_went_away() -> int:
    """``otel-llmlog ... | head``: the reader has what it wanted; stop quietly, like other CLIs.

    stdout is pointed at /dev/null so the interpreter's final flush does not raise again.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs command ``name``, imported only now: building the parser (``--help``,
    ``convert``) loads none of them, and ``logs`` never loads the demo's OpenTelemetry SDK."""
    if name == "demo":
        from .demo import command
    elif name in ("schema", "attributes"):
        from .reference import command
    else:
        from .explorer.commands import command
    return command


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "convert":
        from .convert_command import convert_files

        try:
            return convert_files(args.inputs, args.output, args.format, args.strict)
        except BrokenPipeError:
            return reader_went_away()
    try:
        return _command(args.command)(args)
    except BrokenPipeError:
        return reader_went_away()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
