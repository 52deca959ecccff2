"""End to end against a real OTLP backend: the examples under the real launcher, read back from Arize Phoenix.

Phoenix runs from its own virtual environment (it pins its own OpenTelemetry and gRPC versions):
``$OTEL_LLMLOG_PHOENIX``, by default ``.venv-phoenix`` at the repository root, which ``scripts/test``
creates. The fixture starts ``phoenix serve`` on loopback with free ports and a fresh working
directory, and stops it afterwards. A backend that does not come up fails the tests with its log:
these tests never skip.

Each test runs an example exactly as ``docs/deploy.md`` shows (``examples/run_with_launcher.sh``,
i.e. ``opentelemetry-instrument`` with the OTLP and JSON-log exporters) with a fake API key in the
environment, then reads the spans back through Phoenix's REST API and asserts names, parent/child
links, trace ids, tokens and cost to the micro-dollar, and that the key is nowhere Phoenix stored
anything (its REST answers and every byte of its working directory, SQLite database included).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PHOENIX_VENV = Path(os.environ.get("OTEL_LLMLOG_PHOENIX") or ROOT / ".venv-phoenix")
READY_TIMEOUT = 300.0  # the first start creates the database and runs every migration
INGEST_TIMEOUT = 60.0

# ``phoenix serve``, except that its gRPC server listens on loopback only: Phoenix binds it to
# ``[::]`` with no setting to change that, so the one call that binds is narrowed here.
_SERVE = """
import sys
import grpc.aio

_server = grpc.aio.server

def _loopback_server(*args, **kwargs):
    server = _server(*args, **kwargs)
    bind = server.add_insecure_port
    server.add_insecure_port = lambda address: bind(address.replace("[::]:", "127.0.0.1:", 1))
    return server

grpc.aio.server = _loopback_server
from phoenix.server.main import main

sys.argv = ["phoenix", "serve"]
sys.exit(main())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict[str, str]:
    """The environment without any OpenTelemetry, Phoenix or provider settings of the caller's."""
    prefixes = ("OTEL_", "PHOENIX_", "OPENAI_", "ANTHROPIC_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


@dataclass
class Phoenix:
    url: str
    grpc_port: int
    working_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-20_000:]

    def get(self, path: str, **query: Any) -> Any:
        url = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(query, doseq=True)}" if query else "")
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)

    def spans(self, project: str, expected: int) -> list[dict[str, Any]]:
        """Every span of ``project``, once ``expected`` of them are stored (Phoenix inserts in batches)."""
        deadline = time.monotonic() + INGEST_TIMEOUT
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            try:
                found = self.get(f"/v1/projects/{project}/spans", limit=1000)["data"]
            except urllib.error.HTTPError as exc:
                if exc.code != 404:  # 404: the project exists once its first span is stored
                    raise
            if len(found) >= expected:
                return found
            time.sleep(0.5)
        pytest.fail(f"Phoenix stored {len(found)} of {expected} spans for project {project!r}\n--- Phoenix log ---\n{self.log()}")

    def stored_bytes(self) -> bytes:
        """Everything Phoenix wrote to disk: database, write-ahead log, its own log."""
        return b"".join(p.read_bytes() for p in sorted(self.working_dir.rglob("*")) if p.is_file())


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phoenix]:
    python = PHOENIX_VENV / "bin" / "python"
    if not python.is_file():
        pytest.fail(
            f"no Phoenix environment at {PHOENIX_VENV}: ./scripts/test creates it, or by hand: "
            f"python3 -m venv {PHOENIX_VENV} && {PHOENIX_VENV}/bin/pip install arize-phoenix"
        )
    working_dir = tmp_path_factory.mktemp("phoenix")
    log_path = working_dir / "phoenix.log"
    port, grpc_port = _free_port(), _free_port()
    env = {
        **_clean_env(),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(grpc_port),
        "PHOENIX_WORKING_DIR": str(working_dir),
        "PHOENIX_TELEMETRY_ENABLED": "false",
        "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(python), "-c", _SERVE], env=env, cwd=working_dir, stdout=log, stderr=subprocess.STDOUT)
    server = Phoenix(f"http://127.0.0.1:{port}", grpc_port, working_dir, log_path, process)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"Phoenix exited with {process.returncode} before it was ready\n--- Phoenix log ---\n{server.log()}")
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        socket.create_connection(("127.0.0.1", grpc_port), timeout=5).close()
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Phoenix was not ready after {READY_TIMEOUT:.0f} s\n--- Phoenix log ---\n{server.log()}")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run_example(example: str, tmp_path: Path, *, project: str, protocol: str, endpoint: str,
                env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """``examples/run_with_launcher.sh examples/<example>`` as the docs show it, its spans to ``project`` over
    ``protocol``; returns the run and its JSON log."""
    json_log = tmp_path / "llm-calls.jsonl"
    full_env = {
        **_clean_env(),
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": protocol,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
        "OTEL_RESOURCE_ATTRIBUTES": f"openinference.project.name={project}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHON": sys.executable,
        "OTEL_METRICS_EXPORTER": "none",  # Phoenix takes traces only
        "OTEL_LLMLOG_JSON_PATH": str(json_log),
        "OTEL_LLMLOG_EXAMPLES_STANDIN": "1",  # the stand-in, although a key is set
        **env,
    }
    proc = subprocess.run(
        ["bash", str(ROOT / "examples" / "run_with_launcher.sh"), str(ROOT / "examples" / example)],
        cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Failed to export" not in proc.stderr and "Transient error" not in proc.stderr, proc.stderr
    records = [json.loads(line) for line in json_log.read_text(encoding="utf-8").splitlines()]
    return proc, records


def secret() -> str:
    return f"sk-test-SECRET-{uuid.uuid4().hex}"


def assert_key_stored_nowhere(key: str, phoenix: Phoenix, project: str, spans: list[dict[str, Any]],
                              proc: subprocess.CompletedProcess[str], json_log_records: list[dict[str, Any]]) -> None:
    assert key not in json.dumps(spans)
    assert key not in json.dumps(phoenix.get(f"/v1/projects/{project}/spans/otlpv1", limit=1000))
    stored = phoenix.stored_bytes()
    assert project.encode() in stored  # the spans really are on disk, so the next line means something
    assert key.encode() not in stored
    assert key not in proc.stdout + proc.stderr
    assert key not in json.dumps(json_log_records)


def llm_attrs(span: dict[str, Any]) -> tuple[Any, ...]:
    a = span["attributes"]
    return (span["name"], a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"],
            a["gen_ai.usage.cache_read.input_tokens"], a.get("gen_ai.usage.cache_write.input_tokens"),
            a["gen_ai.usage.cost.amount"], a["gen_ai.usage.cost.currency"])


def test_grouped_rag_request_over_otlp_http(phoenix: Phoenix, tmp_path: Path) -> None:
    key, project = secret(), "e2e-rag-http"
    proc, records = run_example("rag_request.py", tmp_path, project=project, protocol="http/protobuf",
                                endpoint=f"{phoenix.url}/v1/traces", env={
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",  # content on the spans, the key still not
        "OPENAI_API_KEY": key,
    })
    spans = phoenix.spans(project, expected=7)

    assert Counter(s["name"] for s in spans) == Counter({
        "invoke_workflow answer-question": 1, "apply_guardrail pii-mask": 1, "chat gpt-4o-mini": 2,
        "retrieval policies": 1, "chat gpt-4o": 1, "apply_guardrail output-pii": 1,
    })
    (root,) = [s for s in spans if s["parent_id"] is None]
    assert root["name"] == "invoke_workflow answer-question"
    trace_id = root["context"]["trace_id"]
    assert {s["context"]["trace_id"] for s in spans} == {trace_id}
    assert {s["parent_id"] for s in spans if s is not root} == {root["context"]["span_id"]}
    for span in spans:  # every span carries the group's facts
        assert span["attributes"]["gen_ai.conversation.id"] == "chat-42"
        assert span["attributes"]["llmlog.end_user"] == "user-7"
        assert span["attributes"]["llmlog.request.tags"] == ["rag", "example"]

    calls = sorted((s for s in spans if "gen_ai.usage.input_tokens" in s["attributes"]), key=lambda s: s["start_time"])
    assert [llm_attrs(s) for s in calls] == [
        ("chat gpt-4o-mini", 12, 5, 0, None, 4.8e-06, "USD"),  # 12*0.15 + 5*0.6 micro-dollars
        ("chat gpt-4o", 1220, 100, 1152, None, 0.00261, "USD"),  # 68*2.5 + 1152*1.25 + 100*10
        ("chat gpt-4o-mini", 22, 6, 0, None, 6.9e-06, "USD"),  # Responses API, streamed: 22*0.15 + 6*0.6
    ]
    assert [s["attributes"]["gen_ai.response.model"] for s in calls] == ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"]
    assert calls[2]["attributes"]["gen_ai.request.stream"] is True
    assert all(s["attributes"]["llmlog.api_key.sha256"] == hashlib.sha256(key.encode()).hexdigest() for s in calls)
    assert "gen_ai.input.messages" in calls[0]["attributes"]
    guardrails = {s["name"]: s["attributes"] for s in spans if s["name"].startswith("apply_guardrail")}
    assert guardrails["apply_guardrail pii-mask"]["llmlog.guardrail.masked_entities"] == ["EMAIL"]
    assert guardrails["apply_guardrail pii-mask"]["llmlog.guardrail.masked_counts"] == [1]
    (search,) = [s for s in spans if s["name"] == "retrieval policies"]
    assert search["attributes"]["llmlog.retrieval.result_count"] == 2

    # the JSON log has one line per call, each the record of a span Phoenix holds
    assert [(r["id"], r["trace_id"], r["prompt_tokens"], r["completion_tokens"], r["response_cost"]) for r in records] == [
        (s["context"]["span_id"], trace_id, *llm_attrs(s)[1:3], llm_attrs(s)[5]) for s in calls
    ]
    assert [r["metadata"]["guardrail_information"]["guardrail_name"] if r["metadata"]["guardrail_information"] else None
            for r in records] == ["pii-mask", "output-pii", None]
    assert all(r["request_tags"] == ["rag", "example"] and r["end_user"] == "user-7" for r in records)
    assert "invoke_workflow answer-question" in proc.stdout and "in 1220 (cache read 1152) out 100" in proc.stdout
    assert_key_stored_nowhere(key, phoenix, project, spans, proc, records)


def test_anthropic_streaming_with_prompt_cache_over_otlp_grpc(phoenix: Phoenix, tmp_path: Path) -> None:
    key, project = secret(), "e2e-anthropic-grpc"
    proc, records = run_example("anthropic_streaming_cache.py", tmp_path, project=project, protocol="grpc",
                                endpoint=f"http://127.0.0.1:{phoenix.grpc_port}", env={"ANTHROPIC_API_KEY": key})
    spans = sorted(phoenix.spans(project, expected=2), key=lambda s: s["start_time"])

    assert [llm_attrs(s) for s in spans] == [
        # input is inclusive of the cache; 18*3 + 1031*3.75 + 100*15 and 11*3 + 1031*0.3 + 100*15 micro-dollars
        ("chat claude-sonnet-4-20250514", 1049, 100, 0, 1031, 0.00542025, "USD"),
        ("chat claude-sonnet-4-20250514", 1042, 100, 1031, 0, 0.0018423, "USD"),
    ]
    fees = [tuple(zip(*(s["attributes"][f"llmlog.cost.fee_{k}"] for k in ("items", "tokens", "amounts")), strict=True)) for s in spans]
    assert fees == [
        (("prompt", 18, 5.4e-05), ("input_cache_read", 0, 0.0), ("input_cache_write_5_min", 1031, 0.00386625),
         ("input_cache_write_1_h", 0, 0.0), ("completion", 100, 0.0015)),
        (("prompt", 11, 3.3e-05), ("input_cache_read", 1031, 0.0003093), ("input_cache_write_5_min", 0, 0.0),
         ("input_cache_write_1_h", 0, 0.0), ("completion", 100, 0.0015)),
    ]
    assert all(s["parent_id"] is None and s["attributes"]["gen_ai.provider.name"] == "anthropic" for s in spans)
    assert all(s["attributes"]["gen_ai.response.finish_reasons"] == ["length"] for s in spans)
    assert len({s["context"]["trace_id"] for s in spans}) == 2  # two requests, no group: two traces
    assert [(r["id"], r["trace_id"], r["prompt_tokens"], r["response_cost"]) for r in records] == [
        (s["context"]["span_id"], s["context"]["trace_id"], llm_attrs(s)[1], llm_attrs(s)[5]) for s in spans
    ]
    assert_key_stored_nowhere(key, phoenix, project, spans, proc, records)
