"""The package's layers import one way: facts <- instrumentation, facts <- records <- tools.

``docs/architecture.md`` draws the layers. Two checks keep the direction:

* **static**: every ``import`` statement in the package (including those inside functions, which
  run later) is read with ``ast`` and checked against what its layer may import, ours and third
  party. A new import that breaks the direction fails here, naming file and line;
* **at run time**, in fresh interpreters: converting a span file never loads the instrumentation,
  ``wrapt``, ``opentelemetry.instrumentation`` or an LLM SDK; instrumenting and making calls never
  loads the records layer or DuckDB; ``import otel_llmlog`` loads neither half.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "otel_llmlog"

#: layer -> (our layers it may import, third-party top-level modules it must not import)
RULES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "facts": (frozenset({"facts", "version"}),
              frozenset({"opentelemetry", "pydantic", "wrapt", "openai", "anthropic", "duckdb", "httpx", "httpx2"})),
    "instrumentation": (frozenset({"facts", "version", "instrumentation"}),
                        frozenset({"pydantic", "duckdb"})),
    "records": (frozenset({"facts", "version", "records"}),
                frozenset({"wrapt", "openai", "anthropic", "duckdb", "httpx", "httpx2"})),
    "tools": (frozenset({"facts", "version", "instrumentation", "records", "tools", "testing"}), frozenset()),
    "testing": (frozenset({"testing", "version"}),
                frozenset({"opentelemetry", "pydantic", "wrapt", "openai", "anthropic", "duckdb"})),
}
#: within third-party packages, submodules a layer must not import (the launcher's hook machinery)
FORBIDDEN_SUBMODULES: dict[str, tuple[str, ...]] = {
    "records": ("opentelemetry.instrumentation",),
    "facts": ("opentelemetry",),
}
#: top-level modules of the package: the lazy public API, the moved-path stubs, the version
TOP_LEVEL_ALLOWED = frozenset({"version", "_moved", "facts", "instrumentation", "records", "tools", "testing"})


def _layer_of(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else None


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text() if source is None else source, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if node.module is not None:
                found.append((node.lineno, module))
            # ``from a import b`` may import module ``a.b``: checked as such (harmless when b is a name)
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _problems(path: Path, source: str | None = None) -> list[str]:
    problems = []
    layer = _layer_of(path)
    for line, module in _imports(path, source):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}"
            parts = module.split(".")
            if parts[0] == "otel_llmlog":
                target = parts[1] if len(parts) > 1 else ""
                if layer is None:
                    if target and target not in TOP_LEVEL_ALLOWED:
                        problems.append(f"{where} (a top-level module may only use the layers)")
                    continue
                allowed, _ = RULES[layer]
                if target not in allowed:
                    problems.append(f"{where} ({layer} may import {sorted(allowed)} of ours)")
            elif layer is not None:
                _, banned = RULES[layer]
                if parts[0] in banned:
                    problems.append(f"{where} ({layer} must not import {parts[0]})")
                for prefix in FORBIDDEN_SUBMODULES.get(layer, ()):
                    if module == prefix or module.startswith(prefix + "."):
                        problems.append(f"{where} ({layer} must not import {prefix})")
    return problems


def test_every_import_goes_the_allowed_way() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    assert [problem for path in files for problem in _problems(path)] == []


def test_the_checker_sees_a_wrong_import() -> None:
    """The static check resolves relative imports as Python does, and names what breaks the direction."""
    records = PACKAGE / "records" / "convert.py"
    wrong = "def f():\n    from ..instrumentation.call import Call\n    import wrapt\n    from opentelemetry import instrumentation\n"
    assert _problems(records, wrong) == [
        "otel_llmlog/records/convert.py:2: imports otel_llmlog.instrumentation.call (records may import ['facts', 'records', 'version'] of ours)",
        "otel_llmlog/records/convert.py:2: imports otel_llmlog.instrumentation.call.Call (records may import ['facts', 'records', 'version'] of ours)",
        "otel_llmlog/records/convert.py:3: imports wrapt (records must not import wrapt)",
        "otel_llmlog/records/convert.py:4: imports opentelemetry.instrumentation (records must not import opentelemetry.instrumentation)",
    ]
    records = PACKAGE / "records" / "calls.py"
    imports = dict((m, n) for n, m in _imports(records))
    assert "otel_llmlog.facts.semconv" in imports
    assert not any(m.startswith("otel_llmlog.instrumentation") for m in imports)
    assert any(m.startswith("otel_llmlog.instrumentation") for _, m in _imports(PACKAGE / "tools" / "demo.py"))


def _loaded_after(script: str) -> set[str]:
    code = script + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _ours(modules: set[str], prefix: str) -> set[str]:
    return {m for m in modules if m == prefix or m.startswith(prefix + ".")}


def test_import_otel_llmlog_loads_neither_half() -> None:
    loaded = _loaded_after("import otel_llmlog")
    assert _ours(loaded, "otel_llmlog") == {"otel_llmlog", "otel_llmlog.version"}
    assert "opentelemetry" not in loaded and "pydantic" not in loaded


@pytest.fixture(scope="module")
def span_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OTLP JSON-lines file of two real instrumented calls (made in a subprocess)."""
    path = tmp_path_factory.mktemp("layers") / "spans.jsonl"
    script = f"""
import openai, otel_llmlog
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from otel_llmlog.records.otlp_json import otlp_json_line
from otel_llmlog.testing import StandIn
exporter = InMemorySpanExporter()
tp = TracerProvider(); tp.add_span_processor(SimpleSpanProcessor(exporter))
otel_llmlog.instrument(tracer_provider=tp)
with StandIn() as standin:
    for case in ("chat_completion_basic", "chat_completion_tool_calls"):
        client = openai.OpenAI(api_key="sk-layers", base_url=standin.base_url(case), max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
open({str(path)!r}, "w").write(otlp_json_line(exporter.get_finished_spans()) + "\\n")
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    return path


def test_converting_never_loads_the_instrumentation(span_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    loaded = _loaded_after(
        "from otel_llmlog.tools.cli import main\n"
        f"assert main(['convert', {str(span_file)!r}, '-o', {str(out)!r}]) == 0\n"
        "import otel_llmlog.records.exporters, otel_llmlog.records.reading\n"
    )
    assert len(out.read_text().splitlines()) == 2
    assert _ours(loaded, "otel_llmlog.instrumentation") == set()
    for banned in ("wrapt", "opentelemetry.instrumentation", "openai", "anthropic", "httpx2", "duckdb"):
        assert _ours(loaded, banned) == set(), banned
    assert "otel_llmlog.records.convert" in loaded


def test_instrumenting_never_loads_the_records_layer() -> None:
    loaded = _loaded_after(
        "import openai, anthropic, otel_llmlog\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.metrics import MeterProvider\n"
        "from otel_llmlog.testing import StandIn\n"
        "otel_llmlog.instrument(tracer_provider=TracerProvider(), meter_provider=MeterProvider(), capture_content=True)\n"
        "with otel_llmlog.trace('request', session_id='s'):\n"
        "    with otel_llmlog.guardrail('pii') as g:\n"
        "        g.set_result(passed=True)\n"
        "    with StandIn() as standin:\n"
        "        c = openai.OpenAI(api_key='sk-layers', base_url=standin.base_url('chat_completion_streaming_include_usage'))\n"
        "        for _ in c.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': 'hi'}],\n"
        "                                           stream=True, stream_options={'include_usage': True}):\n"
        "            pass\n"
        "otel_llmlog.uninstrument()\n"
    )
    assert "otel_llmlog.instrumentation.call" in loaded
    assert _ours(loaded, "otel_llmlog.records") == set()
    assert _ours(loaded, "otel_llmlog.tools") == set()
    assert _ours(loaded, "duckdb") == set()
