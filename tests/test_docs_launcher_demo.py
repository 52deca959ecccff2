"""The generated docs, the registry check, the demo, and the real opentelemetry-instrument launcher."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

from otel_llmlog.facts import semconv
from otel_llmlog.tools import demo

from .conftest import unregistered

ROOT = Path(__file__).resolve().parent.parent


def test_attributes_doc_is_generated_from_the_registry() -> None:
    doc = (ROOT / "docs" / "attributes.md").read_text(encoding="utf-8")
    assert doc == semconv.attributes_markdown(), "docs/attributes.md is stale: run `otel-llmlog attributes > docs/attributes.md`"
    for name in semconv.REGISTRY:
        assert f"| `{name}` |" in doc


def test_registry_check_flags_unregistered_names() -> None:
    provider = TracerProvider()
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("x") as span:
        span.set_attribute("gen_ai.usage.input_tokens", 1)
        span.set_attribute("gen_ai.not.a.thing", 1)
        span.set_attribute("llmlog.nope", 1)
        span.set_attribute("http.other", 1)  # not in an owned namespace: not ours to police
    assert unregistered(list(exporter.get_finished_spans())) == ["x: gen_ai.not.a.thing", "x: llmlog.nope"]


def test_demo_prints_one_line_per_call() -> None:
    out = io.StringIO()
    count = demo.run(out=out)
    lines = out.getvalue().splitlines()
    assert count == 7
    span_lines = [line for line in lines if not line.startswith("  (")]
    assert len(span_lines) == 7
    assert span_lines[0].startswith("chat gpt-4o-mini") and "in 12 out 5" in span_lines[0] and "$0.0000048" in span_lines[0]
    assert "finish stop" in span_lines[0]
    assert "in 12 out 5" in span_lines[1] and "$0.00066" in span_lines[1]
    assert "finish tool_call" in span_lines[2]
    assert "in 1220 (cache read 1152) out 100" in span_lines[3] and "$0.00261" in span_lines[3] and "finish length" in span_lines[3]
    assert span_lines[5].startswith("embeddings text-embedding-3-small") and "$0.00000016" in span_lines[5]
    assert "finish error 404" in span_lines[6] and "cost unknown" in span_lines[6]
    assert "  (error (unknown model): the SDK raised NotFoundError, as recorded)" in lines


def test_demo_json_lines() -> None:
    out = io.StringIO()
    demo.run(out=out, as_json=True)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["name"] for r in records] == [
        "chat gpt-4o-mini", "chat gpt-4", "chat gpt-4o-mini", "chat gpt-4o", "chat gpt-4o-mini",
        "embeddings text-embedding-3-small", "chat this-model-does-not-exist",
    ]
    assert records[3]["attributes"]["gen_ai.usage.cost.amount"] == 0.00261
    assert records[6]["status"] == "ERROR"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_old_cli_and_demo_paths_resolve_every_name_they_had() -> None:
    """``otel_llmlog.cli`` and ``otel_llmlog.demo`` (before the layers) still give what they held,
    from wherever it lives now."""
    import otel_llmlog.cli as old_cli
    import otel_llmlog.demo as old_demo
    from otel_llmlog.tools import cli
    from otel_llmlog.tools.explorer import arguments

    assert (old_cli.main, old_cli.build_parser, old_cli.reader_went_away, old_cli.EPILOG) == (
        cli.main, cli.build_parser, cli.reader_went_away, cli.EPILOG)
    assert (old_cli.LOGS_EPILOG, old_cli.SHOW_EPILOG, old_cli.STATS_EPILOG) == (
        arguments.LOGS_EPILOG, arguments.SHOW_EPILOG, arguments.STATS_EPILOG)
    assert (old_demo.run, old_demo.format_span, old_demo.LineExporter, old_demo.CALLS) == (
        demo.run, demo.format_span, demo.LineExporter, demo.CALLS)


def test_opentelemetry_instrument_launcher_loads_us(tmp_path: Path) -> None:
    """The real launcher, in a subprocess, finds our entry point and prints our span."""
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(
        f"""
        import openai
        from otel_llmlog.testing.standin import StandIn
        with StandIn({str(ROOT / "src" / "otel_llmlog" / "testing" / "recordings")!r}) as server:
            client = openai.OpenAI(api_key="sk-launcher-test-key-000000", base_url=server.base_url("chat_completion_basic"))
            client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "Say this is a test"}}])
        """
    ))
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    env = {**os.environ, "OTEL_SERVICE_NAME": "launcher-test", "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": ""}
    proc = subprocess.run(
        [str(launcher), "--traces_exporter", "console", "--metrics_exporter", "none", "--logs_exporter", "none",
         sys.executable, str(script)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"name": "chat gpt-4o-mini"' in proc.stdout, proc.stdout + proc.stderr
    assert '"gen_ai.usage.input_tokens": 12' in proc.stdout
    assert '"gen_ai.usage.output_tokens": 5' in proc.stdout
    assert '"gen_ai.usage.cost.amount": 4.8e-06' in proc.stdout
    assert "sk-launcher-test-key" not in proc.stdout
