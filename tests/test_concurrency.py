"""Many calls at once: 1 000 across 8 threads, 1 000 on one event loop; each call is its own span, alone.

Calls alternate between OpenAI and Anthropic, plain and streamed, with content capture on, and each
runs inside a parent span of its own. An in-process upstream (``mock_http_client``) answers every
request from a recorded exchange made unique by the call's number: the number is in the prompt, and
the answer, the response id, the request id header and the token counts are all derived from it.
So any cross-talk between calls - a chunk, a usage block, a request id or a prompt landing on the
wrong span, a span parented to another call's request - shows as a wrong value, not a flaky one.
(The stand-in replays one answer per case whatever the prompt, which could not show that.)
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from opentelemetry import trace
from opentelemetry.trace import StatusCode

from .conftest import API_KEY, FIXTURES, Tracing, load_case, mock_http_client

# The recordings' Anthropic model is flagged as deprecated by the SDK; that is about the data.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CALLS = 1000
THREADS = 8
#: calls of the asyncio test held until all of them are in flight
TASKS_TOGETHER = 100
#: (provider, streamed) of call ``n`` is KINDS[n % 4]
KINDS = (("openai", False), ("openai", True), ("anthropic", False), ("anthropic", True))
PROMPT = re.compile(r"^call (\d+):")


def prompt(n: int) -> str:
    return f"call {n}: what is {n} plus one?"


def answer(n: int) -> str:
    return f"{n} plus one is {n + 1}."


def usage(n: int) -> tuple[int, int]:
    """(input, output) tokens of call ``n``: unique inputs, outputs that differ between neighbours."""
    return 1000 + n, 1 + n % 97


def sse_events(provider: str, case: str) -> list[dict[str, Any]]:
    text = (FIXTURES / provider / case / "response.sse").read_text()
    datas = (line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: "))
    return [json.loads(d) for d in datas if d != "[DONE]"]


OPENAI_PLAIN = load_case("openai", "chat_completion_basic")["response"]["body"]
OPENAI_CHUNKS = sse_events("openai", "chat_completion_streaming_include_usage")
ANTHROPIC_PLAIN = load_case("anthropic", "messages_basic")["response"]["body"]
ANTHROPIC_EVENTS = [e for e in sse_events("anthropic", "messages_streaming") if e["type"] != "ping"]


def spread(text: str, k: int) -> list[str]:
    """``text`` in ``k`` pieces that join back to it: one per text delta of the recording."""
    pieces = [word + " " for word in text.split(" ")]
    pieces[-1] = pieces[-1][:-1]
    if len(pieces) < k:
        return pieces + [""] * (k - len(pieces))
    return [*pieces[: k - 1], "".join(pieces[k - 1 :])]


def openai_answer(n: int, stream: bool) -> list[bytes]:
    """The recorded chat completion (or its chunks, one SSE event each), with call ``n``'s id, text and usage."""
    inp, out = usage(n)
    if not stream:
        body = copy.deepcopy(OPENAI_PLAIN)
        body["id"] = f"chatcmpl-{n}"
        body["choices"][0]["message"]["content"] = answer(n)
        body["usage"].update(prompt_tokens=inp, completion_tokens=out, total_tokens=inp + out)
        return [json.dumps(body).encode()]
    chunks = copy.deepcopy(OPENAI_CHUNKS)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    for delta, piece in zip(deltas, spread(answer(n), len(deltas)), strict=True):
        delta["content"] = piece
    for chunk in chunks:
        chunk["id"] = f"chatcmpl-{n}"
        if chunk["usage"]:
            chunk["usage"].update(prompt_tokens=inp, completion_tokens=out, total_tokens=inp + out)
    return [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]


def anthropic_answer(n: int, stream: bool) -> list[bytes]:
    """The recorded message (or its events, one SSE event each), with call ``n``'s id, text and usage."""
    inp, out = usage(n)
    if not stream:
        body = copy.deepcopy(ANTHROPIC_PLAIN)
        body["id"] = f"msg_{n}"
        body["content"][0]["text"] = answer(n)
        body["usage"].update(input_tokens=inp, output_tokens=out)
        return [json.dumps(body).encode()]
    events = copy.deepcopy(ANTHROPIC_EVENTS)
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    for delta, piece in zip(deltas, spread(answer(n), len(deltas)), strict=True):
        delta["text"] = piece
    for event in events:
        if event["type"] == "message_start":
            event["message"]["id"] = f"msg_{n}"
            event["message"]["usage"]["input_tokens"] = inp
        elif event["type"] == "message_delta":
            event["usage"].update(input_tokens=inp, output_tokens=out)
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


def exchange(request: httpx2.Request) -> tuple[list[tuple[str, str]], list[bytes]]:
    """Headers and body pieces of the answer to the call whose number the request's prompt holds."""
    body = json.loads(request.content)
    n = int(PROMPT.match(body["messages"][-1]["content"]).group(1))
    stream = bool(body.get("stream"))
    if request.url.path.endswith("/messages"):
        pieces, request_id = anthropic_answer(n, stream), ("request-id", f"req_anthropic_{n}")
    else:
        pieces, request_id = openai_answer(n, stream), ("x-request-id", f"req_openai_{n}")
    return [("content-type", "text/event-stream" if stream else "application/json"), request_id], pieces


class Upstream:
    """The in-process server. The first ``together`` requests are held until all of them have
    arrived - proof that that many calls were in flight at once, not merely started close together -
    and bodies go out piece by piece, so other calls run between a stream's chunks."""

    def __init__(self, together: int) -> None:
        self.together = together
        self.arrivals = itertools.count()  # next() on it is atomic under the GIL
        self.barrier = threading.Barrier(together)
        self.async_barrier = asyncio.Barrier(together)  # binds to the loop that first waits on it

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        headers, pieces = exchange(request)
        if next(self.arrivals) < self.together:
            self.barrier.wait(timeout=30)
        return httpx2.Response(200, headers=headers, content=iter(pieces))

    async def answer_async(self, request: httpx2.Request) -> httpx2.Response:
        headers, pieces = exchange(request)
        if next(self.arrivals) < self.together:
            await asyncio.wait_for(self.async_barrier.wait(), timeout=30)

        async def body() -> AsyncIterator[bytes]:
            for piece in pieces:
                await asyncio.sleep(0)
                yield piece

        return httpx2.Response(200, headers=headers, content=body())


def text_of(result: Any, provider: str, stream: bool) -> str:
    """The answer as the caller reads it (streams read to their end)."""
    if provider == "openai":
        return "".join(c.choices[0].delta.content or "" for c in result if c.choices) if stream else result.choices[0].message.content
    if stream:
        return "".join(e.delta.text for e in result if e.type == "content_block_delta")
    return result.content[0].text


def request_of(n: int) -> tuple[str, bool, dict[str, Any]]:
    provider, stream = KINDS[n % len(KINDS)]
    args: dict[str, Any] = {"messages": [{"role": "user", "content": prompt(n)}], "stream": stream}
    if provider == "openai":
        args["model"] = "gpt-4o-mini"
    else:
        args.update(model="claude-sonnet-4-20250514", max_tokens=100)
    return provider, stream, args


def check(tracing: Tracing, ns: range) -> None:
    """One span per call, under its own parent, carrying only its own call's facts; exact metric sums."""
    spans = tracing.spans()
    parents = {s.name: s for s in spans if s.name.startswith("request ")}
    calls = [s for s in spans if "gen_ai.operation.name" in s.attributes]
    assert len(parents) == len(ns) and len(calls) == len(ns) and len(spans) == 2 * len(ns)
    assert len({s.context.span_id for s in spans}) == len(spans)
    seen = Counter()
    for span in calls:
        a = span.attributes
        (message,) = json.loads(a["gen_ai.input.messages"])
        assert message["role"] == "user"
        (part,) = message["parts"]
        n = int(PROMPT.match(part["content"]).group(1))
        seen[n] += 1
        assert part == {"type": "text", "content": prompt(n)}
        provider, stream, _ = request_of(n)
        parent = parents[f"request {n}"]
        assert span.parent is not None and span.parent.span_id == parent.context.span_id
        assert span.context.trace_id == parent.context.trace_id
        inp, out = usage(n)
        assert (a["gen_ai.provider.name"], a["gen_ai.request.stream"]) == (provider, stream)
        assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (inp, out)
        assert a["gen_ai.response.id"] == (f"chatcmpl-{n}" if provider == "openai" else f"msg_{n}")
        assert a["llmlog.provider.request_id"] == f"req_{provider}_{n}"
        (output,) = json.loads(a["gen_ai.output.messages"])
        assert "".join(p["content"] for p in output["parts"]) == answer(n)
        assert span.status.status_code is StatusCode.UNSET
    assert seen == Counter(ns)
    points = [
        p
        for m in tracing.reader.get_metrics_data().resource_metrics[0].scope_metrics[0].metrics
        if m.name == "gen_ai.client.token.usage"
        for p in m.data.data_points
    ]
    by_type = Counter()
    for p in points:
        by_type[p.attributes["gen_ai.token.type"]] += p.sum
    assert by_type == {"input": sum(usage(n)[0] for n in ns), "output": sum(usage(n)[1] for n in ns)}


def sdk_clients(upstream: Upstream, async_: bool) -> dict[str, Any]:
    """One client per SDK, shared by every call, as an application holds them."""
    http = {"async_": True} if async_ else {}
    handler = upstream.answer_async if async_ else upstream
    return {
        "openai": (openai.AsyncOpenAI if async_ else openai.OpenAI)(
            api_key=API_KEY, max_retries=0, http_client=mock_http_client(handler, **http)
        ),
        "anthropic": (anthropic.AsyncAnthropic if async_ else anthropic.Anthropic)(
            api_key=API_KEY, max_retries=0, http_client=mock_http_client(handler, **http)
        ),
    }


def create(clients: dict[str, Any], provider: str) -> Any:
    return clients["openai"].chat.completions.create if provider == "openai" else clients["anthropic"].messages.create


def test_threads() -> None:
    upstream = Upstream(together=THREADS)
    tracing = Tracing(capture=True)
    tracer = tracing.provider.get_tracer("app")
    clients = sdk_clients(upstream, async_=False)

    def one(n: int) -> str:
        provider, stream, args = request_of(n)
        with tracer.start_as_current_span(f"request {n}"):
            text = text_of(create(clients, provider)(**args), provider, stream)
        assert trace.get_current_span() is trace.INVALID_SPAN  # nothing of the call stayed current
        return text

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads every few bytecodes, not every 5 ms: more interleaving
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            texts = list(pool.map(one, range(CALLS)))
        assert texts == [answer(n) for n in range(CALLS)]
        check(tracing, range(CALLS))
    finally:
        sys.setswitchinterval(interval)
        for client in clients.values():
            client.close()
        tracing.close()


async def test_tasks() -> None:
    upstream = Upstream(together=TASKS_TOGETHER)
    tracing = Tracing(capture=True)
    tracer = tracing.provider.get_tracer("app")
    clients = sdk_clients(upstream, async_=True)
    ns = range(CALLS, 2 * CALLS)

    async def one(n: int) -> str:
        provider, stream, args = request_of(n)
        with tracer.start_as_current_span(f"request {n}"):
            await asyncio.sleep(0)  # every task opens its parent before any call is sent
            result = await create(clients, provider)(**args)
            text = text_of([item async for item in result] if stream else result, provider, stream)
        assert trace.get_current_span() is trace.INVALID_SPAN
        return text

    try:
        texts = await asyncio.gather(*(one(n) for n in ns))
        assert texts == [answer(n) for n in ns]
        check(tracing, ns)
    finally:
        for client in clients.values():
            await client.close()
        tracing.close()
