"""The Collector configs and the Docker Compose stack, checked for structure (no Collector binary here).

collector-config.yaml (single host), examples/collector-agent.yaml and examples/collector-gateway.yaml
(many hosts): every component a pipeline names is defined and every defined one is used, ports are
what the docs say, and the file the Collector writes is the file the docs tell `otel-llmlog convert`
to read. examples/docker-compose.yaml: the four services, wired to each other and to those files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from otel_llmlog.facts import semconv

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "collector-config.yaml"
AGENT = ROOT / "examples" / "collector-agent.yaml"
GATEWAY = ROOT / "examples" / "collector-gateway.yaml"
COMPOSE = ROOT / "examples" / "docker-compose.yaml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SIGNALS = {"traces", "metrics", "logs"}
TRACES_ONLY = {"tail_sampling"}  # processors that a metrics or logs pipeline cannot hold
ENV_DEFAULT = re.compile(r"\$\{env:([A-Z_]+):-([^}]+)\}")


def load(path: Path = CONFIG) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def env_default(value: str, name: str) -> str:
    m = ENV_DEFAULT.fullmatch(value)
    assert m and m.group(1) == name, value
    return m.group(2)


@pytest.mark.parametrize("path", [CONFIG, AGENT, GATEWAY], ids=lambda p: p.name)
def test_pipelines_reference_only_defined_components_and_use_all(path: Path) -> None:
    cfg = load(path)
    pipelines = cfg["service"]["pipelines"]
    assert {name.split("/")[0] for name in pipelines} == SIGNALS
    for section in ("receivers", "processors", "exporters"):
        defined = set(cfg.get(section) or {})
        used = {name for p in pipelines.values() for name in p.get(section, [])}
        assert used <= defined, (section, used - defined)
        assert defined <= used, (section, defined - used)
    for name, pipeline in pipelines.items():
        assert pipeline["receivers"] and pipeline["exporters"], name
        assert pipeline["processors"][0] == "memory_limiter", name  # first, so it can refuse data under pressure
        if not name.startswith("traces"):
            assert not TRACES_ONLY & set(pipeline["processors"]), name
    grpc_ports = [port(r["protocols"]["grpc"]["endpoint"]) for r in cfg["receivers"].values()]
    assert len(grpc_ports) == len(set(grpc_ports))


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
    text = CONFIG.read_text(encoding="utf-8")
    docs = DEPLOY_DOC.read_text(encoding="utf-8")
    for path in (CONFIG, GATEWAY):
        default = env_default(load(path)["exporters"]["file"]["path"], "OTEL_LLMLOG_TRACES_FILE")
        assert default == "/var/lib/otelcol/traces.jsonl"
        assert f"otel-llmlog convert ${{OTEL_LLMLOG_TRACES_FILE:-{default}}}" in path.read_text(encoding="utf-8")
        assert f"otel-llmlog convert {default}" in docs
    assert "otel-llmlog convert ${OTEL_LLMLOG_TRACES_FILE:-/var/lib/otelcol/traces.jsonl}" in text


def test_optional_content_drop_block_is_ready_to_enable() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    block = "\n".join(line.replace("  # ", "  ", 1) for line in text.splitlines() if line.startswith("  # ") or line.startswith("  #   "))
    start = block.index("attributes/drop_content:")
    snippet = yaml.safe_load(block[start:])
    keys = {a["key"] for a in snippet["attributes/drop_content"]["actions"]}
    assert {"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"} <= keys
    assert all(a["action"] == "delete" for a in snippet["attributes/drop_content"]["actions"])
    assert keys <= set(semconv.REGISTRY)  # every key is an attribute this library really writes


def test_agent_forwards_everything_to_the_gateway() -> None:
    cfg = load(AGENT)
    protocols = cfg["receivers"]["otlp"]["protocols"]
    # apps on the same host only: the agent does not listen beyond loopback
    assert protocols["grpc"]["endpoint"] == "127.0.0.1:4317" and protocols["http"]["endpoint"] == "127.0.0.1:4318"
    gateway_port = port(env_default(cfg["exporters"]["otlp/gateway"]["endpoint"], "GATEWAY_OTLP_ENDPOINT"))
    assert gateway_port == port(load(GATEWAY)["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"])
    for pipeline in cfg["service"]["pipelines"].values():
        assert pipeline["exporters"] == ["otlp/gateway"]
        assert pipeline["processors"][-1] == "batch"


def test_gateway_routes_by_trace_id_to_its_own_tail_sampling_tier() -> None:
    cfg = load(GATEWAY)
    pipelines = cfg["service"]["pipelines"]
    lb = cfg["exporters"]["loadbalancing"]
    assert lb["routing_key"] == "traceID"
    assert set(lb["resolver"]) == {"dns"}  # one resolver
    routed_port = port(cfg["receivers"]["otlp/routed"]["protocols"]["grpc"]["endpoint"])
    assert int(lb["resolver"]["dns"]["port"]) == routed_port != 4317
    assert pipelines["traces/ingest"]["exporters"] == ["loadbalancing"]
    assert pipelines["traces/ingest"]["receivers"] == ["otlp"]
    # everything after the load balancer reads whole traces from the routed receiver only
    routed = {name for name, p in pipelines.items() if p["receivers"] == ["otlp/routed"]}
    assert routed == {"traces/sampled", "traces/calls"}
    assert "tail_sampling" in pipelines["traces/sampled"]["processors"]
    assert pipelines["traces/sampled"]["processors"][-1] == "batch"
    # the JSON log keeps every call: its file is written from the unsampled pipeline only
    assert pipelines["traces/calls"]["exporters"] == ["file"]
    assert "tail_sampling" not in pipelines["traces/calls"]["processors"]
    assert cfg["exporters"]["file"]["format"] == "json"
    assert not any("file" in p["exporters"] for name, p in pipelines.items() if name != "traces/calls")
    store = env_default(cfg["exporters"]["otlp/tracestore"]["endpoint"], "TRACE_STORE_OTLP_ENDPOINT")
    assert port(store) == 4317


def test_tail_sampling_keeps_every_error_and_every_expensive_call() -> None:
    policies = {p["name"]: p for p in load(GATEWAY)["processors"]["tail_sampling"]["policies"]}
    assert policies["errors"]["type"] == "status_code"
    assert policies["errors"]["status_code"]["status_codes"] == ["ERROR"]
    expensive = policies["expensive-calls"]
    assert expensive["type"] == "ottl_condition"
    (condition,) = expensive["ottl_condition"]["span"]
    m = re.fullmatch(r'attributes\["([^"]+)"\] >= (\d+\.\d+)', condition)
    assert m, condition
    assert m.group(1) == semconv.USAGE_COST_AMOUNT and semconv.REGISTRY[semconv.USAGE_COST_AMOUNT].type == "double"
    assert 0 < float(m.group(2)) < 10
    assert expensive["ottl_condition"]["error_mode"] == "ignore"  # a span without a cost is not an error
    assert 0 < policies["baseline"]["probabilistic"]["sampling_percentage"] < 100


def test_compose_starts_collector_jaeger_tempo_grafana_wired_together() -> None:
    compose = load(COMPOSE)
    services = compose["services"]
    assert set(services) == {"collector", "jaeger", "tempo", "grafana"}
    for service in services.values():
        assert re.fullmatch(r"[a-z0-9./-]+:\d+\.\d+\.\d+", service["image"])  # pinned versions
    collector = services["collector"]
    mounts = dict(v.rsplit(":", 2)[:2] if v.endswith(":ro") else v.split(":", 1) for v in collector["volumes"])
    assert (COMPOSE.parent / mounts["../collector-config.yaml"]).name == "config.yaml"
    assert (COMPOSE.parent / "../collector-config.yaml").resolve() == CONFIG
    assert f"--config={mounts['../collector-config.yaml']}" in collector["command"]
    # the Collector's endpoints point at the compose services
    assert collector["environment"]["JAEGER_OTLP_ENDPOINT"] == "jaeger:4317"
    assert collector["environment"]["TEMPO_OTLP_ENDPOINT"] == "tempo:4317"
    assert {"4317:4317", "4318:4318"} <= set(collector["ports"])
    # the traces file lands in a host directory, where the docs tell convert to read it
    traces_file = collector["environment"]["OTEL_LLMLOG_TRACES_FILE"]
    assert traces_file == env_default(load()["exporters"]["file"]["path"], "OTEL_LLMLOG_TRACES_FILE")
    host_dir = mounts["./otelcol-data"]
    assert traces_file.startswith(host_dir + "/")
    host_file = f"examples/otelcol-data/{traces_file[len(host_dir) + 1:]}"
    assert f"otel-llmlog convert {host_file}" in DEPLOY_DOC.read_text(encoding="utf-8")
    assert f"otel-llmlog convert {host_file}" in COMPOSE.read_text(encoding="utf-8")
    assert "--set=receivers.otlp.protocols.grpc.endpoint=0.0.0.0:4317" in services["jaeger"]["command"]
    assert "16686:16686" in services["jaeger"]["ports"] and "3000:3000" in services["grafana"]["ports"]


def test_tempo_listens_where_the_collector_sends_and_grafana_reads() -> None:
    services = load(COMPOSE)["services"]
    (tempo_mount,) = services["tempo"]["volumes"]
    source, target = tempo_mount.split(":")[:2]
    assert f"-config.file={target}" in services["tempo"]["command"]
    tempo = load(COMPOSE.parent / source)
    assert port(tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]) == 4317
    assert tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].startswith("0.0.0.0:")
    http_port = tempo["server"]["http_listen_port"]

    (grafana_mount,) = services["grafana"]["volumes"]
    source, target = grafana_mount.split(":")[:2]
    assert target.startswith("/etc/grafana/provisioning/datasources/")
    datasources = {d["type"]: d for d in load(COMPOSE.parent / source)["datasources"]}
    assert datasources["tempo"]["url"] == f"http://tempo:{http_port}"
    assert datasources["tempo"]["isDefault"] is True
    assert datasources["jaeger"]["url"] == "http://jaeger:16686"


# --- value types against the components' published config schemas (tests/data/collector-schemas) ---

SCHEMAS = Path(__file__).resolve().parent / "data" / "collector-schemas"
#: component type -> its copied schema
COMPONENT_SCHEMAS = {("exporters", "loadbalancing"): SCHEMAS / "loadbalancingexporter.config.schema.yaml"}
_JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "number": (int, float)}


def type_errors(value: object, schema: dict, defs: dict, where: str) -> list[str]:
    """Where ``value`` has another type than the schema declares; references to other modules'
    schemas (not copied) are not checked. YAML's ``true`` is not an integer, nor ``4417`` a string."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref not in defs:  # another module's schema: unchecked
            return []
        schema = {**defs[ref], **{k: v for k, v in schema.items() if k != "$ref"}}
    declared = schema.get("type")
    if declared is not None:
        expected = _JSON_TYPES[declared]
        if not isinstance(value, expected) or (isinstance(value, bool) and declared != "boolean"):
            return [f"{where}: {value!r} is not a {declared}"]
    errors = []
    if isinstance(value, dict):
        for key, child in value.items():
            if key in schema.get("properties", {}):
                errors += type_errors(child, schema["properties"][key], defs, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, child in enumerate(value):
            errors += type_errors(child, schema["items"], defs, f"{where}[{i}]")
    return errors


def component_errors(cfg: dict) -> list[str]:
    errors = []
    for (section, kind), path in COMPONENT_SCHEMAS.items():
        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, component in (cfg.get(section) or {}).items():
            if name.split("/")[0] == kind:
                errors += type_errors(component or {}, schema, schema.get("$defs", {}), f"{section}.{name}")
    return errors


@pytest.mark.parametrize("path", [CONFIG, AGENT, GATEWAY], ids=lambda p: p.name)
def test_component_values_have_the_types_their_schemas_declare(path: Path) -> None:
    assert component_errors(load(path)) == []


def test_the_schema_check_finds_the_integer_port_collectors_refuse() -> None:
    """The gateway once had ``resolver.dns.port: 4417``; a Collector since v0.108 exits at config load on it."""
    cfg = load(GATEWAY)
    cfg["exporters"]["loadbalancing"]["resolver"]["dns"]["port"] = 4417
    cfg["exporters"]["loadbalancing"]["routing_key"] = True
    assert sorted(component_errors(cfg)) == [
        "exporters.loadbalancing.resolver.dns.port: 4417 is not a string",
        "exporters.loadbalancing.routing_key: True is not a string",
    ]
