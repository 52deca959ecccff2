"""Regenerate the peer-instrumentation span files in this directory.

Why: the converter promises to read spans written by other instrumentations (OpenLLMetry,
OpenInference, the official ``opentelemetry-instrumentation-openai-v2``, the ``anthropic`` SDK's own
tracing). Hand-written imitations of their attributes would only test our guess of what they emit;
these files are what the real packages emitted for the recorded fixtures, replayed by the stand-in.

Run it with the Python of the peer's own environment (``bench/peers/setup`` creates them), never
ours: the peers pin other versions and must not share a process with otel-llmlog's instrumentation
(the script never calls ``otel_llmlog.instrument``; it only uses the stand-in)::

    .venv-peers/openllmetry/bin/python tests/peers/regenerate.py openllmetry

Each fixture case runs under a parent span named after the case (scope ``tests.peers``), so the test
finds which case a call span came from by its trace's root. One OTLP/JSON line per case, in the shape
the Collector's ``file`` exporter writes (hex ids, integer enums), goes to ``<peer>.jsonl``; the
package versions, date and command go to this peer's section of ``VERSIONS.txt``.

The cases and the SDK calls are also imported by ``tests/test_peer_spans.py``, which makes the same
calls under our instrumentation, so both sides of the comparison are driven by one piece of code.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
#: the recordings shipped with the package (read as files: a peer venv need not import otel_llmlog)
RECORDINGS = TESTS.parent / "src" / "otel_llmlog" / "testing" / "recordings"
FIXTURE_DIRS = (RECORDINGS, TESTS / "fixtures_synthetic")
#: a fake key: the stand-in accepts anything, and nothing real must ever reach these files
API_KEY = "sk-peer-test-key"
#: instrumentation scope of the per-case parent spans
CASE_SCOPE = "tests.peers"


@dataclass(frozen=True)
class Case:
    """One recorded fixture, called through the SDK method the recording was made with."""

    provider: str  # "openai" or "anthropic"
    name: str  # the fixture directory name
    api: str  # "chat", "responses" or "messages"

    def body(self) -> tuple[dict[str, Any], bool]:
        """The recorded request body as SDK arguments, and whether the recording went to ``beta``.

        anthropic 2.x takes sampling parameters only through ``extra_body`` (same JSON body on the
        wire); ``beta`` recordings are replayed through ``client.beta.messages``.
        """
        for root in FIXTURE_DIRS:
            path = root / self.provider / self.name / "request.json"
            if path.is_file():
                recorded = json.loads(path.read_text(encoding="utf-8"))
                break
        else:
            raise FileNotFoundError(f"no recorded request for {self.provider}/{self.name}")
        body = dict(recorded["body"])
        if self.provider == "anthropic":
            sampling = {k: body.pop(k) for k in ("temperature", "top_p", "top_k") if k in body}
            if sampling:
                body["extra_body"] = sampling
        return body, recorded.get("query") == "beta=true"


#: the representative set: plain, streamed, tools, prompt caching, Responses API, an error
CASES: tuple[Case, ...] = (
    Case("openai", "chat_completion_basic", "chat"),
    Case("openai", "chat_completion_streaming_include_usage", "chat"),
    Case("openai", "chat_completion_tool_calls", "chat"),
    Case("openai", "chat_completion_prompt_cache_hit", "chat"),
    Case("openai", "chat_completion_streaming_prompt_cache_hit", "chat"),
    Case("openai", "responses_basic", "responses"),
    Case("openai", "responses_streaming", "responses"),
    Case("openai", "chat_completion_error_404_model_not_found", "chat"),
    Case("anthropic", "messages_basic", "messages"),
    Case("anthropic", "messages_streaming", "messages"),
    Case("anthropic", "messages_prompt_cache_write_5m", "messages"),
    Case("anthropic", "messages_prompt_cache_write_1h", "messages"),
    Case("anthropic", "messages_prompt_cache_read", "messages"),
    Case("anthropic", "messages_streaming_prompt_cache_write", "messages"),
    Case("anthropic", "messages_streaming_prompt_cache_read", "messages"),
    Case("anthropic", "messages_tool_use", "messages"),
    Case("anthropic", "messages_error_400_invalid_request", "messages"),
)


def make_client(case: Case, base_url: str) -> Any:
    """A fresh SDK client for one case (retries off: an error case must be exactly one request)."""
    if case.provider == "openai":
        import openai

        return openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0)
    import anthropic

    return anthropic.Anthropic(api_key=API_KEY, base_url=base_url, max_retries=0)


def run_case(case: Case, base_url: str) -> None:
    """Make the case's call through the real SDK, consuming a stream to its end.

    An API error is the expected outcome of an error case and is swallowed; any other exception
    (or an error from a case that should succeed) propagates.
    """
    body, beta = case.body()
    client = make_client(case, base_url)
    try:
        if case.api == "chat":
            method: Callable[..., Any] = client.chat.completions.create
        elif case.api == "responses":
            method = client.responses.create
        else:
            method = (client.beta.messages if beta else client.messages).create
        result = method(**body)
        if body.get("stream"):
            for _ in result:
                pass
    except Exception as exc:  # noqa: BLE001 - only the SDK's status errors are expected, re-raised otherwise
        if "error" not in case.name or getattr(exc, "status_code", None) is None:
            raise
    finally:
        client.close()


# --- the peers ---


@dataclass(frozen=True)
class Peer:
    """How one instrumentation is switched on, with content capture where it has it."""

    name: str
    #: the environment under ``.venv-peers/`` (made by ``bench/peers/setup``) to run it from
    venv: str
    #: distributions whose versions go to VERSIONS.txt
    packages: tuple[str, ...]
    #: fixture providers it instruments (cases of other providers are not run)
    providers: frozenset[str]
    #: set before anything is imported (several peers read their switches at import or instrument time)
    env: dict[str, str] = field(default_factory=dict)
    #: register the provider globally instead of handing it to an instrumentor
    global_provider: bool = False
    #: pins to add to the environment before the peer imports at all (see README.md)
    extra_install: tuple[str, ...] = ()


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer(
            "openllmetry",
            "openllmetry",
            ("opentelemetry-instrumentation-openai", "opentelemetry-instrumentation-anthropic", "opentelemetry-semantic-conventions-ai"),
            frozenset({"openai", "anthropic"}),
            {"TRACELOOP_TRACE_CONTENT": "true"},
        ),
        Peer(
            "openinference",
            "openinference",
            ("openinference-instrumentation-openai", "openinference-instrumentation-anthropic", "openinference-semantic-conventions"),
            frozenset({"openai", "anthropic"}),
        ),
        # 2.4b0 imports ``httpx`` (openai 3.x runs on ``httpx2``) and ``opentelemetry.util.genai.instruments``
        # (gone since util-genai 1.2b0); util-genai 0.4b0 keeps the default v1.30 conventions
        # (``gen_ai.system``), whose content goes to log events, not spans
        Peer(
            "otel-v2",
            "otel-v2",
            ("opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai", "httpx"),
            frozenset({"openai"}),
            {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"},
            extra_install=("httpx", "opentelemetry-util-genai==0.4b0"),
        ),
        # the anthropic SDK traces itself once a global tracer provider is registered: no instrumentor
        Peer(
            "anthropic-sdk",
            "openinference",  # any peer environment: only the SDK and the OTel SDK are used
            (),
            frozenset({"anthropic"}),
            {"ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "content"},
            global_provider=True,
        ),
    )
}
COMMON_PACKAGES = ("openai", "anthropic", "httpx2", "opentelemetry-api", "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-common")


def instrument(peer: Peer, provider: Any) -> None:
    """Switch the peer on for ``provider`` (imports are local: each exists only in its own venv)."""
    try:
        _instrument(peer, provider)
    except ImportError as exc:
        hint = f"; add {' '.join(peer.extra_install)}" if peer.extra_install else ""
        raise SystemExit(f"{peer.name}: cannot import its instrumentation ({exc}): run from .venv-peers/{peer.venv}{hint}") from exc


def _instrument(peer: Peer, provider: Any) -> None:
    if peer.name == "openllmetry":
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=provider)
        AnthropicInstrumentor().instrument(tracer_provider=provider)
    elif peer.name == "openinference":
        from openinference.instrumentation.anthropic import AnthropicInstrumentor
        from openinference.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=provider)
        AnthropicInstrumentor().instrument(tracer_provider=provider)
    elif peer.name == "otel-v2":
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=provider)
    elif peer.global_provider:
        from opentelemetry import trace

        trace.set_tracer_provider(provider)


# --- OTLP/JSON as the Collector writes it ---


# --- the run ---


def versions(names: Sequence[str]) -> list[str]:
    out = []
    for name in names:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return out


def write_versions(peer: Peer, argv: Sequence[str], cases: int, spans: int) -> None:
    """Replace this peer's section of VERSIONS.txt, keeping the other peers' sections."""
    path = HERE / "VERSIONS.txt"
    sections: dict[str, list[str]] = {}
    current = None
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1]
                sections[current] = []
            elif current is not None and line:
                sections[current].append(line)
    python = Path(sys.executable)
    if python.is_relative_to(TESTS.parent):
        python = python.relative_to(TESTS.parent)
    sections[peer.name] = [
        f"date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d')}",
        f"command: {python} tests/peers/regenerate.py {' '.join(argv)}",
        f"python: {platform.python_version()}",
        f"environment: .venv-peers/{peer.venv} (bench/peers/setup){' + pip install ' + ' '.join(peer.extra_install) if peer.extra_install else ''}",
        f"output: {peer.name}.jsonl ({cases} cases, {spans} spans)",
        *(f"package: {v}" for v in versions((*peer.packages, *COMMON_PACKAGES))),
    ]
    text = "\n\n".join("\n".join([f"[{name}]", *lines]) for name, lines in sorted(sections.items()))
    path.write_text(text + "\n", encoding="utf-8")


def generate(peer: Peer) -> Iterator[str]:
    """Run every case the peer covers; yield one OTLP/JSON line per case."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_llmlog.records.otlp_json import otlp_json_line
    from otel_llmlog.testing.standin import StandIn

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": f"peer-{peer.name}"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrument(peer, provider)
    tracer = provider.get_tracer(CASE_SCOPE)
    with StandIn(list(FIXTURE_DIRS)).start() as standin:
        for case in CASES:
            if case.provider not in peer.providers:
                continue
            with tracer.start_as_current_span(case.name):
                run_case(case, standin.base_url(case.name))
            provider.force_flush()
            spans = exporter.get_finished_spans()
            exporter.clear()
            yield otlp_json_line(spans)
    provider.shutdown()


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or argv[0] not in PEERS:
        print(f"usage: regenerate.py {{{'|'.join(PEERS)}}}", file=sys.stderr)
        return 2
    peer = PEERS[argv[0]]
    os.environ.update(peer.env)
    # the recordings name models the SDKs now flag as deprecated; that is about the data
    warnings.simplefilter("ignore", DeprecationWarning)
    if not peer.global_provider:
        # Only the peer under test: the anthropic SDK's own spans are their own file (anthropic-sdk).
        os.environ["ANTHROPIC_OPEN_TELEMETRY"] = "false"
    lines = list(generate(peer))
    (HERE / f"{peer.name}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    spans = sum(sum(len(s["spans"]) for r in json.loads(x)["resourceSpans"] for s in r["scopeSpans"]) for x in lines)
    write_versions(peer, argv, len(lines), spans)
    print(f"{peer.name}: {len(lines)} cases, {spans} spans -> {HERE / (peer.name + '.jsonl')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
