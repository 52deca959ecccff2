"""``otel-llmlog schema`` and ``otel-llmlog attributes``: reference output generated from the code.

Both print what the package itself defines, so nobody writes it by hand and it cannot go stale:
the JSON Schema of a record format (from the record models, for users' validators) and the
attribute table (from the semconv registry; ``docs/attributes.md`` is this output, and a test
fails when it differs).
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["command"]


def command(args: argparse.Namespace) -> int:
    """Print the schema of ``args.record_format`` (``schema``) or the attribute table (``attributes``)."""
    if args.command == "schema":
        from ..records.models import json_schema

        sys.stdout.write(json.dumps(json_schema(args.record_format), indent=2) + "\n")
    else:
        from ..facts.semconv import attributes_markdown

        sys.stdout.write(attributes_markdown())
    return 0
