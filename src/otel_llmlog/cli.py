"""The ``otel-llmlog`` command line.

Subcommands import what they need when they run, so ``otel-llmlog --help`` stays fast and the
converter commands never need the LLM SDKs installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .version import __version__

EPILOG = """examples:
  otel-llmlog demo                 instrumented calls against the built-in stand-in, one line per span
  otel-llmlog demo --json          the same spans as JSON lines
  otel-llmlog demo --capture       include message content (off by default)
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
    sub.add_parser("attributes", help="print the attribute table (docs/attributes.md) generated from the semconv registry")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        try:
            run(as_json=args.json, capture_content=args.capture)
        except BrokenPipeError:  # the reader went away (``| head``): stop quietly, like other CLIs
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except ImportError as exc:
            print(f"otel-llmlog demo needs the openai SDK: pip install 'otel-llmlog[demo]' ({exc})", file=sys.stderr)
            return 2
        return 0
    if args.command == "attributes":
        from .semconv import attributes_markdown

        sys.stdout.write(attributes_markdown())
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
