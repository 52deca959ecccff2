"""A 5 MB prompt with content capture on: cut to the configured length, and never copied whole twice.

Measured with ``tracemalloc`` two ways, each held under twice the prompt's size (at most one whole
copy, plus change):

* the peak of memory traced during one whole call, instrumented, beyond the same call's peak
  uninstrumented (the SDK serializes the prompt into the request body, so its own peak is already
  about twice the prompt);
* the peak during each part of the call that is the instrumentation's own - starting the call
  (reading the request and its content) and ending it (cutting and encoding the content) - which
  also catches a copy made while the SDK holds little, where the first measure cannot see it.

The calls run against an in-process upstream (``mock_http_client``), so no server thread allocates
while a call is measured.

The recorded attribute is checked exactly: the prompt's first ``max_content_length`` characters
followed by :data:`otel_llmlog.instrumentation.content.TRUNCATION_MARK`, in a message structure that is still
valid JSON, with ``llmlog.content.truncated`` set.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from otel_llmlog.instrumentation import hooks
from otel_llmlog.instrumentation.call import Call
from otel_llmlog.instrumentation.content import TRUNCATION_MARK

from .conftest import API_KEY, Tracing, load_case, mock_http_client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROMPT_SIZE = 5 * 1024 * 1024
LIMIT = 1000
#: (client class, recorded answer, how to send ``prompt``)
PROVIDERS: dict[str, tuple[type, str, Callable[[Any, str], Any]]] = {
    "openai": (
        openai.OpenAI,
        "chat_completion_basic",
        lambda c, p: c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": p}]),
    ),
    "anthropic": (
        anthropic.Anthropic,
        "messages_basic",
        lambda c, p: c.messages.create(model="claude-sonnet-4-20250514", max_tokens=100, messages=[{"role": "user", "content": p}]),
    ),
}


def large_prompt() -> str:
    """5 MiB of ASCII whose every prefix is different, so a cut at the wrong place shows."""
    digits = "".join(f"{i:08d} " for i in range(PROMPT_SIZE // 9 + 1))
    return digits[:PROMPT_SIZE]


def peak_of(call: Callable[[], Any]) -> int:
    """Bytes allocated at the highest point during ``call``, above what was allocated before it.

    Runs inside a ``tracemalloc`` session (``traced``) or starts one of its own.
    """
    own = not tracemalloc.is_tracing()
    if own:
        gc.collect()
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if own:
            tracemalloc.stop()
    return peak - before


class OwnPeaks:
    """Wraps the instrumentation's start and end of a call to take the peak of each."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.peaks: dict[str, int] = {}
        for owner, name in ((hooks, "_start"), (Call, "finish")):
            monkeypatch.setattr(owner, name, self.measured(name, getattr(owner, name)))

    def measured(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result: list[Any] = []
            self.peaks[name] = max(self.peaks.get(name, 0), peak_of(lambda: result.append(fn(*args, **kwargs))))
            return result[0]

        return wrapper


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_large_prompt(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cls, case, send = PROVIDERS[provider]
    answer = load_case(provider, case)["response"]["body"]

    def upstream(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=answer)

    client = cls(api_key=API_KEY, max_retries=0, http_client=mock_http_client(upstream))
    prompt = large_prompt()
    send(client, "warm up: every lazy import and cache of the SDK")
    bare = peak_of(lambda: send(client, prompt))

    tracing = Tracing(capture=True, max_content_length=LIMIT)
    try:
        send(client, "warm up: the price table and the caches of the instrumentation")
        tracing.exporter.clear()
        instrumented = peak_of(lambda: send(client, prompt))
        span = tracing.one()
        own = OwnPeaks(monkeypatch)
        gc.collect()
        tracemalloc.start()
        try:
            send(client, prompt)
        finally:
            tracemalloc.stop()
    finally:
        tracing.close()
        client.close()

    assert bare > PROMPT_SIZE  # the SDK's own copy of the prompt (the JSON body) is in the baseline
    assert instrumented - bare < 2 * PROMPT_SIZE, (instrumented, bare)
    assert own.peaks.keys() == {"_start", "finish"}
    assert all(peak < 2 * PROMPT_SIZE for peak in own.peaks.values()), own.peaks
    (message,) = json.loads(span.attributes["gen_ai.input.messages"])
    assert message == {"role": "user", "parts": [{"type": "text", "content": prompt[:LIMIT] + TRUNCATION_MARK}]}
    assert span.attributes["llmlog.content.truncated"] is True
