"""Fault injection: every step of the instrumentation made to raise, in turn; the caller never notices.

The steps are not listed by hand. They are every function and method the call machinery (hooks, call
lifecycle, stream taps, provider protocol, settings, error recording), the content policy, the metrics,
the price book's ``cost``, each provider module and their SDK-object helpers define, found by introspection,
minus the guards (the methods whose job is to catch: faulting a guard removes the guard itself, which
proves nothing), the few that only run when ``instrument()`` is called, and the metrics queue's
recording side, which runs off the call. A profiled run of the scenarios below (real
``openai`` and ``anthropic`` SDKs against the stand-in, sync and async; plain, streamed, left early,
broken by the caller, cut by the network, raw responses, HTTP errors, an error event inside a stream)
tells which scenarios reach each step, and a step no scenario reaches fails the test, so a new
function is faulted as soon as it exists and can never be skipped silently.

For each step and each scenario that reaches it, the step is replaced by one that raises, and:

* what the SDK returned (or yielded, or raised) is what the same scenario gives uninstrumented, compared
  as data (``model_dump``; exceptions by class and message);
* exactly one span ended - or none, when the fault hit while the span was being started, and then the
  call still went through untouched;
* the fault really happened, and every failure the guards swallowed (and logged) is the injected one;
* no span was ended twice and no finalizer failed (the ``logs`` fixture of ``test_lifecycle``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import CodeType, FunctionType, ModuleType
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from otel_llmlog.facts import messages
from otel_llmlog.facts.pricing import PriceBook
from otel_llmlog.instrumentation import call, content, errors, hooks, metrics, protocol, settings, taps
from otel_llmlog.instrumentation.call_facts import CallFacts
from otel_llmlog.instrumentation.providers import anthropic as anthropic_provider
from otel_llmlog.instrumentation.providers import openai as openai_provider
from otel_llmlog.instrumentation.providers import sdk_objects

from .conftest import API_KEY, Tracing, load_case, recorded_call
from .test_lifecycle import LogWatch, logs  # noqa: F401 - ``logs`` is an autouse fixture

# The recordings name models the SDKs flag as deprecated; that is about the data.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROVIDER_MODULES: tuple[ModuleType, ...] = (openai_provider, anthropic_provider)

#: The guards: the methods SDK code (or a guard) calls, each catching every failure below it.
GUARDS: dict[str, str] = {
    "hooks._start": "starts a call; a failure means an uninstrumented call",
    "hooks._note_response": "sees the final HTTP response",
    "hooks.request_wrapper": "builds the request hook at instrument()",
    "hooks.async_request_wrapper": "builds the request hook at instrument()",
    "hooks.process_response_wrapper": "the response hook itself",
    "hooks.async_process_response_wrapper": "the response hook itself",
    "call.Call.result": "routes what request returned",
    "call.Call.stream_done": "a stream's end",
    "call.Call.closed": "a response closed",
    "call.Call.abandoned": "a stream garbage-collected",
    "call.Call.fail": "an error of the call",
    "call.Call.finish": "ends the span whatever failed before",
    "taps.SyncTap.__iter__": "called by the SDK's stream",
    "taps.SyncTap.__next__": "called by the SDK's stream; reads each chunk",
    "taps.SyncTap.__del__": "called by the garbage collector",
    "taps.AsyncTap.__aiter__": "called by the SDK's stream",
    "taps.AsyncTap.__anext__": "called by the SDK's stream; reads each chunk",
    "taps.AsyncTap.__del__": "called by the garbage collector",
    "anthropic.sdk_call_span_wrapper": "the hook on the anthropic SDK's own call span",
}

#: Run by ``instrument()``, never by a call (checked by ``test_left_out_steps_are_never_run``).
AT_INSTRUMENT: dict[str, str] = {
    "settings.Settings.__init__": "what instrument() decided",
    "settings.set_current": "puts it in force (and None at uninstrument())",
    "metrics.Instruments.__init__": "the metric instruments",
    "content.capture_from_env": "the capture setting",
    "content.max_length_from_env": "the content length setting",
}

#: Run off the call: where queued metric measurements are recorded (a collection, the drain thread,
#: ``uninstrument()``), never by a call below the queue's bound (checked by ``test_left_out_steps_are_never_run``;
#: a failing entry is in ``test_metrics``). What a call runs of the module (``record_metrics``, ``defer``,
#: ``dimensions``) is faulted here.
OFF_THE_CALL: dict[str, str] = {
    "metrics.drain": "records queued measurements",
    "metrics._record": "records one call's measurements",
    "metrics.collect_callback": "the drain instrument's callback, at collection",
    "metrics._overflow": "only past DRAIN_AT queued calls",
    "metrics._Drainer.__init__": "at import",
    "metrics._Drainer.signal": "only past DRAIN_AT queued calls",
    "metrics._Drainer._run": "the drain thread",
    "metrics._Drainer.after_fork": "in a forked child",
    "metrics.register": "the drain instrument, at instrument()",
}

#: Defaults of the extractor interface that every provider overrides where a call would run them
#: (checked by ``test_left_out_steps_are_never_run``).
UNREACHED: dict[str, str] = {
    "protocol.Endpoint.request": "every endpoint reads its own request",
    "protocol.Endpoint.response": "every endpoint reads its own response",
    "protocol.Endpoint.stream_state": "inherited only by endpoints that never stream",
    "protocol.StreamState.chunk": "every stream state reads its own chunks",
}

LEFT_OUT = GUARDS.keys() | AT_INSTRUMENT.keys() | UNREACHED.keys() | OFF_THE_CALL.keys()


@dataclass(frozen=True)
class Step:
    """One function of ours, by where it is defined; patching it covers every module that imported it."""

    name: str
    owner: type | ModuleType
    attr: str
    function: FunctionType

    @property
    def code(self) -> CodeType:
        return self.function.__code__

    def __str__(self) -> str:
        return self.name


def defined_in(module: ModuleType, label: str) -> Iterator[Step]:
    """Module-level functions and methods of the module's classes, written in the module's own source
    (dataclass-generated methods are not)."""
    source = inspect.getfile(module)
    for name, obj in vars(module).items():
        if isinstance(obj, FunctionType) and obj.__module__ == module.__name__:
            yield Step(f"{label}.{name}", module, name, obj)
        elif inspect.isclass(obj) and obj.__module__ == module.__name__:
            for attr, fn in vars(obj).items():
                if isinstance(fn, FunctionType) and fn.__code__.co_filename == source:
                    yield Step(f"{label}.{name}.{attr}", obj, attr, fn)


#: the modules a call runs through, besides the provider modules (``groups`` and ``subspans`` run only
#: inside the caller's own ``with`` blocks, and the instrumentor only at ``instrument()``)
CALL_MODULES: tuple[ModuleType, ...] = (hooks, call, taps, protocol, settings, errors, sdk_objects)

FOUND: list[Step] = [
    *(step for module in CALL_MODULES for step in defined_in(module, module.__name__.rsplit(".", 1)[-1])),
    *defined_in(content, "content"),
    *defined_in(messages, "messages"),
    *defined_in(metrics, "metrics"),
    Step("pricing.PriceBook.cost", PriceBook, "cost", PriceBook.cost),
    *(step for module in PROVIDER_MODULES for step in defined_in(module, module.__name__.rsplit(".", 1)[-1])),
]
STEPS: list[Step] = [s for s in FOUND if s.name not in LEFT_OUT]


def test_left_out_steps_exist() -> None:
    """A renamed guard or setting function must not leave a stale name behind."""
    assert LEFT_OUT <= {s.name for s in FOUND}


def test_every_extractor_is_a_step() -> None:
    """What the brief names, against what introspection found: every extractor of every endpoint."""
    faulted = {s.function for s in STEPS} | {s.function for s in FOUND if s.name in UNREACHED}
    for module in PROVIDER_MODULES:
        provider = module.PROVIDER
        for endpoint in {*provider.endpoints.values(), *(e for _, _, e in provider.patterns)}:
            for method in ("span_name", "request", "response", "stream_state"):
                assert getattr(type(endpoint), method) in faulted, (endpoint, method)
            state = type(endpoint.stream_state(CallFacts("p", "chat", None), False))
            for method in ("__init__", "chunk", "finish"):
                assert getattr(state, method) in faulted, (state, method)


# --- scenarios ---


class CallerError(Exception):
    """Raised by the caller's own code while it reads a stream."""


@dataclass(frozen=True)
class Scenario:
    provider: str
    case: str
    how: str  # "call", "left_early", "caller_error", "cut", "with_raw_response", "with_streaming_response"
    async_: bool

    def __str__(self) -> str:
        return f"{self.provider}:{self.case}:{self.how}:{'async' if self.async_ else 'sync'}"

    @property
    def stream(self) -> bool:
        return is_streamed(self.provider, self.case)


@functools.cache
def is_streamed(provider: str, case: str) -> bool:
    return bool(load_case(provider, case)["request"]["body"].get("stream"))


#: (provider, case, how): together they reach every step (checked by ``test_fault``)
SHAPES: list[tuple[str, str, str]] = [
    ("openai", "chat_completion_tool_result_followup", "call"),
    ("openai", "chat_completion_tool_calls_streaming", "call"),
    ("openai", "chat_completion_streaming_include_usage", "left_early"),
    ("openai", "chat_completion_streaming_include_usage", "caller_error"),
    ("openai", "chat_completion_streaming_include_usage", "cut"),
    ("openai", "responses_function_call", "call"),
    ("openai", "responses_streaming_reasoning", "call"),
    ("openai", "embeddings_float", "call"),
    ("openai", "moderations_flagged", "call"),
    ("openai", "vector_store_search", "call"),
    ("openai", "chat_completion_error_404_model_not_found", "call"),
    ("openai", "chat_completion_basic", "with_raw_response"),
    ("openai", "chat_completion_basic", "with_streaming_response"),
    ("anthropic", "messages_tool_result_followup", "call"),
    ("anthropic", "messages_prompt_cache_write_1h", "call"),
    ("anthropic", "messages_thinking_tool_use_streaming", "call"),
    ("anthropic", "messages_redacted_thinking", "call"),
    ("anthropic", "messages_streaming_error_event", "call"),
    ("anthropic", "messages_error_400_invalid_request", "call"),
    ("anthropic", "messages_streaming", "left_early"),
]
SCENARIOS = [Scenario(p, c, h, a) for p, c, h in SHAPES for a in (False, True)]

#: chunks read before leaving a stream early / before the caller's own error
EARLY = 2
#: SSE events the stand-in sends before dropping the connection
CUT = 3


@dataclass(frozen=True)
class Outcome:
    """What the caller saw, as data: the result (or the chunks read) and the exception, if any."""

    value: Any
    error: tuple[str, str] | None


def dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value


def error_of(exc: BaseException) -> tuple[str, str]:
    return f"{type(exc).__module__}.{type(exc).__qualname__}", str(exc)


def took(scenario: Scenario, got: list[Any], chunk: Any) -> bool:
    """Keep ``chunk`` as the caller read it; True where the caller leaves the stream (or fails in it)."""
    got.append(dump(chunk))
    if len(got) == EARLY and scenario.how == "caller_error":
        raise CallerError(f"the caller failed at chunk {len(got)}")
    return len(got) == EARLY and scenario.how == "left_early"


class Runner:
    """Runs scenarios on SDK clients made once per module (an SDK client builds an SSL context, which
    costs more than a call) and async ones on one event loop, so a thousand runs stay fast."""

    def __init__(self, standin: Any) -> None:
        self.standin = standin
        self.loop = asyncio.new_event_loop()
        self.http = httpx2.Client()
        self.async_http = self.loop.run_until_complete(self._async_http())
        self.clients: dict[tuple[str, bool, bool], Any] = {}

    @staticmethod
    async def _async_http() -> httpx2.AsyncClient:
        return httpx2.AsyncClient()

    def client(self, scenario: Scenario) -> Any:
        key = (scenario.case, scenario.how == "cut", scenario.async_)
        found = self.clients.get(key)
        if found is None:
            sdk = openai if scenario.provider == "openai" else anthropic
            name = ("Async" if scenario.async_ else "") + ("OpenAI" if scenario.provider == "openai" else "Anthropic")
            url = self.standin.base_url(scenario.case, cut=CUT if scenario.how == "cut" else None)
            http = self.async_http if scenario.async_ else self.http
            found = self.clients[key] = getattr(sdk, name)(api_key=API_KEY, base_url=url, max_retries=0, http_client=http)
        return found

    def __call__(self, scenario: Scenario) -> Outcome:
        if scenario.async_:
            return self.loop.run_until_complete(self._run_async(scenario))
        return self._run_sync(scenario)

    def _run_sync(self, scenario: Scenario) -> Outcome:
        client, got = self.client(scenario), []
        try:
            if scenario.how in ("with_raw_response", "with_streaming_response"):
                with contextlib.ExitStack() as stack:
                    raw = recorded_call(client, scenario.provider, scenario.case, scenario.how)
                    if scenario.how == "with_streaming_response":
                        raw = stack.enter_context(raw)
                    return Outcome([raw.status_code, dump(raw.parse())], None)
            result = recorded_call(client, scenario.provider, scenario.case)
            if not scenario.stream:
                return Outcome(dump(result), None)
            with result:
                for chunk in result:
                    if took(scenario, got, chunk):
                        break
            return Outcome(got, None)
        except Exception as exc:  # noqa: BLE001 - compared with the uninstrumented run
            return Outcome(got, error_of(exc))

    async def _run_async(self, scenario: Scenario) -> Outcome:
        client, got = self.client(scenario), []
        try:
            if scenario.how in ("with_raw_response", "with_streaming_response"):
                async with contextlib.AsyncExitStack() as stack:
                    raw = recorded_call(client, scenario.provider, scenario.case, scenario.how)
                    raw = await (stack.enter_async_context(raw) if scenario.how == "with_streaming_response" else raw)
                    return Outcome([raw.status_code, dump(await raw.parse())], None)
            result = await recorded_call(client, scenario.provider, scenario.case)
            if not scenario.stream:
                return Outcome(dump(result), None)
            async with result:
                async for chunk in result:
                    if took(scenario, got, chunk):
                        break
            return Outcome(got, None)
        except Exception as exc:  # noqa: BLE001 - compared with the uninstrumented run
            return Outcome(got, error_of(exc))

    def close(self) -> None:
        self.http.close()
        self.loop.run_until_complete(self.async_http.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def runner(standin: Any) -> Iterator[Runner]:
    """The module's runner; meanwhile what is alive now is frozen out of the collector's sight.

    The ``logs`` fixture collects garbage before every test, and a full collection of a heap that
    holds both SDKs costs more than a test here. What this module leaves behind is collected after it.
    """
    r = Runner(standin)
    gc.collect()
    gc.freeze()
    try:
        yield r
    finally:
        gc.unfreeze()
        r.close()


@pytest.fixture(scope="module")
def uninstrumented(runner: Runner) -> dict[Scenario, Outcome]:
    """What each scenario gives the caller with no instrumentation at all."""
    assert not hasattr(openai._base_client.SyncAPIClient.request, "__wrapped__")
    return {s: runner(s) for s in SCENARIOS}


@pytest.fixture(scope="module")
def call_paths(runner: Runner, uninstrumented: dict[Scenario, Outcome]) -> dict[Scenario, frozenset[CodeType]]:
    """The steps each scenario runs, seen by a profiler during an instrumented run without faults."""
    wanted = {s.code for s in FOUND}
    tracing = Tracing(capture=True)
    paths: dict[Scenario, frozenset[CodeType]] = {}
    try:
        for scenario in SCENARIOS:
            seen: set[CodeType] = set()

            def profile(frame: Any, event: str, arg: Any, seen: set[CodeType] = seen) -> None:
                if event == "call" and frame.f_code in wanted:
                    seen.add(frame.f_code)

            tracing.exporter.clear()
            sys.setprofile(profile)
            try:
                outcome = runner(scenario)
            finally:
                sys.setprofile(None)
            assert outcome == uninstrumented[scenario], scenario
            assert len(tracing.spans()) == 1, scenario
            paths[scenario] = frozenset(seen)
    finally:
        tracing.close()
    return paths


# --- the faults ---


class InjectedFault(Exception):
    """The failure put in place of a step; no SDK or caller code raises it."""


class Fault:
    """Stands in for a step: raises, and counts how often it did."""

    def __init__(self) -> None:
        self.hits = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.hits += 1
        raise InjectedFault("injected fault")


class StartWatch:
    """Wraps the guard that starts a call, to count the calls whose span could not be started."""

    def __init__(self) -> None:
        self.unstarted = 0
        self.original = hooks._start

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = self.original(*args, **kwargs)
        if call is None:  # every scenario is an LLM call: None means the start failed
            self.unstarted += 1
        return call


def inject(monkeypatch: pytest.MonkeyPatch, step: Step, fault: Callable[..., Any]) -> None:
    """Replace ``step`` where it is defined and in every module of ours that imported it by name."""
    monkeypatch.setattr(step.owner, step.attr, fault)
    if inspect.ismodule(step.owner):
        for name, module in list(sys.modules.items()):
            if name.startswith("otel_llmlog") and module is not step.owner and vars(module).get(step.attr) is step.function:
                monkeypatch.setattr(module, step.attr, fault)


def test_left_out_steps_are_never_run(call_paths: dict[Scenario, frozenset[CodeType]]) -> None:
    """What is left out as run only by instrument() or as unreachable hides no step a call runs."""
    ran = frozenset().union(*call_paths.values())
    left_out = AT_INSTRUMENT.keys() | UNREACHED.keys() | OFF_THE_CALL.keys()
    assert [s.name for s in FOUND if s.code in ran and s.name in left_out] == []


@pytest.mark.parametrize("step", STEPS, ids=str)
def test_fault(
    step: Step,
    runner: Runner,
    uninstrumented: dict[Scenario, Outcome],
    call_paths: dict[Scenario, frozenset[CodeType]],
    tracing_content: Tracing,
    logs: LogWatch,  # noqa: F811 - the autouse fixture, named to set expect_failures
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenarios = [s for s in SCENARIOS if step.code in call_paths[s]]
    assert scenarios, f"no scenario reaches {step}: add one that does"
    logs.expect_failures = True
    tracing = tracing_content
    fault, starts = Fault(), StartWatch()
    monkeypatch.setattr(hooks, "_start", starts)
    inject(monkeypatch, step, fault)
    for scenario in scenarios:
        tracing.exporter.clear()
        hits, unstarted = fault.hits, starts.unstarted
        assert runner(scenario) == uninstrumented[scenario], scenario
        assert fault.hits > hits, scenario
        started = starts.unstarted == unstarted
        assert len(tracing.spans()) == (1 if started else 0), scenario
    swallowed = logs.ours()
    assert swallowed, "a fault was swallowed without a word"
    assert all(r.exc_info and type(r.exc_info[1]) is InjectedFault for r in swallowed), [r.getMessage() for r in swallowed]
