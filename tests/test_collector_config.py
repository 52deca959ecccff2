"""collector-config.yaml: every component a pipeline names is defined and every defined one is used."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "collector-config.yaml"


def load() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def test_pipelines_reference_only_defined_components_and_use_all() -> None:
    cfg = load()
    pipelines = cfg["service"]["pipelines"]
    assert set(pipelines) == {"traces", "metrics", "logs"}
    for section in ("receivers", "processors", "exporters"):
        defined = set(cfg[section])
        used = {name for p in pipelines.values() for name in p.get(section, [])}
        assert used <= defined, (section, used - defined)
        assert defined <= used, (section, defined - used)


def test_ports_processors_and_exporters() -> None:
    cfg = load()
    protocols = cfg["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(":4317")
    assert protocols["http"]["endpoint"].endswith(":4318")
    traces = cfg["service"]["pipelines"]["traces"]
    assert traces["processors"][0] == "memory_limiter" and traces["processors"][-1] == "batch"
    assert {"otlp/jaeger", "otlp/tempo", "file", "debug"} <= set(traces["exporters"])
    assert cfg["exporters"]["file"]["format"] == "json"
    for name in ("otlp/jaeger", "otlp/tempo"):
        assert re.fullmatch(r"\$\{env:[A-Z_]+:-[a-z]+:4317\}", cfg["exporters"][name]["endpoint"])


def test_file_exporter_path_is_what_the_docs_tell_convert_to_read() -> None:
    cfg = load()
    path = cfg["exporters"]["file"]["path"]
    default = re.fullmatch(r"\$\{env:OTEL_LLMLOG_TRACES_FILE:-(.+)\}", path).group(1)
    text = CONFIG.read_text(encoding="utf-8")
    assert f"otel-llmlog convert ${{OTEL_LLMLOG_TRACES_FILE:-{default}}}" in text


def test_optional_content_drop_block_is_ready_to_enable() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    block = "\n".join(line.replace("  # ", "  ", 1) for line in text.splitlines() if line.startswith("  # ") or line.startswith("  #   "))
    start = block.index("attributes/drop_content:")
    snippet = yaml.safe_load(block[start:])
    keys = {a["key"] for a in snippet["attributes/drop_content"]["actions"]}
    assert {"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"} <= keys
    assert all(a["action"] == "delete" for a in snippet["attributes/drop_content"]["actions"])
