"""The README's first snippet runs as written, against the built-in stand-in, and prints a span.

Extracted from README.md ("Use it", the first Python block), run in a fresh interpreter with only
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` pointing the real openai SDK at the stand-in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from otel_llmlog.testing import StandIn

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks(section: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end if end > 0 else None], re.S)


def test_use_it_prints_the_calls_span() -> None:
    snippet = python_blocks("Use it")[0]
    with StandIn() as standin:
        env = {**os.environ, "OPENAI_API_KEY": "sk-readme-test", "OPENAI_BASE_URL": standin.base_url("chat_completion_basic")}
        out = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=120, check=True)
    span = json.loads(out.stdout)  # ConsoleSpanExporter: one pretty-printed span
    assert span["name"] == "chat gpt-4o-mini"
    a = span["attributes"]
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (12, 5)
    assert a["gen_ai.usage.cost.amount"] == 4.8e-06
    assert a["gen_ai.response.finish_reasons"] == ["stop"]
    assert "sk-readme-test" not in out.stdout + out.stderr
