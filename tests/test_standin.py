"""Tests for the built-in LLM stand-in, driven through the real ``openai`` and ``anthropic`` SDKs.

The point of the stand-in is that the SDKs' own HTTP stack (pooling, retries, timeouts, SSE parsing) runs
unmodified, so these tests use real clients on loopback rather than mocked transports.
"""

from __future__ import annotations

import json
import threading

import anthropic
import httpx2
import openai
import pytest

from otel_llmlog.testing import RECORDINGS, StandIn, default_cases_dir

# Recorded requests name models the SDK flags as deprecated; that warning is about the data, not the code.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

FIXTURES = RECORDINGS


def _case(provider: str, name: str) -> tuple[dict, dict, str | None]:
    d = FIXTURES / provider / name
    request = json.loads((d / "request.json").read_text())
    response = json.loads((d / "response.json").read_text())
    sse = (d / "response.sse").read_text() if (d / "response.sse").exists() else None
    return request, response, sse


@pytest.fixture
def standin():
    with StandIn(FIXTURES) as s:
        yield s


_open_clients: list = []


@pytest.fixture(autouse=True)
def _close_clients():
    """Close every SDK client a test made, so pooled sockets do not leak into ResourceWarnings."""
    yield
    while _open_clients:
        _open_clients.pop().close()


def _openai(base_url: str, **kw) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    client = openai.OpenAI(api_key="test-key", base_url=base_url, **kw)
    _open_clients.append(client)
    return client


def _anthropic(base_url: str, **kw) -> anthropic.Anthropic:
    kw.setdefault("max_retries", 0)
    client = anthropic.Anthropic(api_key="test-key", base_url=base_url, **kw)
    _open_clients.append(client)
    return client


# -- plain replay --------------------------------------------------------------------------------------------


def test_openai_chat_completion_basic(standin: StandIn) -> None:
    request, response, _ = _case("openai", "chat_completion_basic")
    client = _openai(standin.base_url("chat_completion_basic"))
    raw = client.chat.completions.with_raw_response.create(**request["body"])
    completion = raw.parse()
    assert completion.id == response["body"]["id"]
    assert completion.usage is not None
    assert completion.usage.model_dump(exclude_none=True) == response["body"]["usage"]
    assert raw.headers["x-request-id"] == response["headers"]["x-request-id"]
    assert raw.headers["openai-processing-ms"] == response["headers"]["openai-processing-ms"]

    [seen] = standin.requests
    assert seen.method == "POST"
    assert seen.path == "/case/chat_completion_basic/v1/chat/completions"
    assert seen.case == "chat_completion_basic"
    assert seen.json() == request["body"]
    assert seen.headers["x-stainless-retry-count"] == "0"
    assert seen.headers["authorization"] == "Bearer test-key"


def test_openai_streaming_include_usage(standin: StandIn) -> None:
    request, response, sse = _case("openai", "chat_completion_streaming_include_usage")
    client = _openai(standin.base_url("chat_completion_streaming_include_usage"))
    chunks = list(client.chat.completions.create(**request["body"]))
    # every recorded event except the terminal "data: [DONE]" becomes a chunk
    assert len(chunks) == response["sse_events"] - 1
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == '"This is a test."'


def test_streaming_body_is_verbatim_and_chunked(standin: StandIn) -> None:
    request, response, sse = _case("openai", "chat_completion_streaming_include_usage")
    url = standin.base_url("chat_completion_streaming_include_usage") + "/chat/completions"
    with httpx2.Client() as http:
        r = http.post(url, json=request["body"])
    assert r.status_code == 200
    assert r.headers["transfer-encoding"] == "chunked"
    assert r.headers["content-type"] == response["content_type"]
    assert r.headers["x-ratelimit-limit-tokens"] == response["headers"]["x-ratelimit-limit-tokens"]
    assert r.text == sse


def test_anthropic_messages_basic(standin: StandIn) -> None:
    request, response, _ = _case("anthropic", "messages_basic")
    base_url = standin.base_url("messages_basic")
    assert not base_url.endswith("/v1")  # the Anthropic SDK appends /v1/messages itself
    client = _anthropic(base_url)
    raw = client.messages.with_raw_response.create(**request["body"])
    message = raw.parse()
    assert message.id == response["body"]["id"]
    assert message.usage.input_tokens == response["body"]["usage"]["input_tokens"]
    assert message.usage.output_tokens == response["body"]["usage"]["output_tokens"]
    assert raw.headers["request-id"] == response["headers"]["request-id"]

    [seen] = standin.requests
    assert seen.path == "/case/messages_basic/v1/messages"
    # anthropic 2.x sends the api key as a bearer token, not as x-api-key
    assert seen.headers["authorization"] == "Bearer test-key"
    assert "x-api-key" not in seen.headers


def test_anthropic_messages_streaming(standin: StandIn) -> None:
    request, response, sse = _case("anthropic", "messages_streaming")
    client = _anthropic(standin.base_url("messages_streaming"))
    events = list(client.messages.create(**request["body"]))
    # the SDK swallows "ping" events
    expected = [b.split("\n", 1)[0].removeprefix("event: ") for b in sse.strip().split("\n\n")]
    assert len(expected) == response["sse_events"]
    assert [e.type for e in events] == [t for t in expected if t != "ping"]
    assert events[0].type == "message_start" and events[0].message.id.startswith("msg_")
    assert events[-2].type == "message_delta" and events[-2].usage.output_tokens == 9


def test_openai_recorded_error_raises_not_found(standin: StandIn) -> None:
    request, response, _ = _case("openai", "chat_completion_error_404_model_not_found")
    client = _openai(standin.base_url("chat_completion_error_404_model_not_found"))
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(**request["body"])
    assert info.value.status_code == 404
    assert info.value.code == "model_not_found"
    assert info.value.request_id == response["headers"]["x-request-id"]


def test_body_matching_without_prefix(standin: StandIn) -> None:
    request, response, _ = _case("openai", "chat_completion_basic")
    base_url = standin.base_url()
    assert base_url == standin.url + "/v1"
    client = _openai(base_url)
    completion = client.chat.completions.create(**request["body"])
    assert completion.id == response["body"]["id"]
    assert standin.requests[-1].case == "chat_completion_basic"

    # the same body with keys in another order still matches
    reordered = dict(reversed(list(request["body"].items())))
    assert client.chat.completions.create(**reordered).id == response["body"]["id"]

    with pytest.raises(openai.NotFoundError, match="no recorded case matches"):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "unrecorded"}])


def test_unknown_case_and_wrong_endpoint(standin: StandIn) -> None:
    with pytest.raises(KeyError):
        standin.base_url("no_such_case")
    client = _openai(standin.url + "/case/no_such_case/v1")
    with pytest.raises(openai.NotFoundError, match="unknown case 'no_such_case'"):
        client.chat.completions.create(model="m", messages=[])
    client = _openai(standin.base_url("chat_completion_basic"))
    with pytest.raises(openai.NotFoundError, match="recorded for POST /v1/chat/completions"):
        client.embeddings.create(model="m", input="x")


# -- injected failures ---------------------------------------------------------------------------------------


def test_fail_then_succeed_with_retries(standin: StandIn) -> None:
    request, response, _ = _case("openai", "chat_completion_basic")
    client = _openai(standin.base_url("chat_completion_basic", fail=(2, 500)), max_retries=2)
    completion = client.chat.completions.create(**request["body"])
    assert completion.id == response["body"]["id"]
    assert [r.headers["x-stainless-retry-count"] for r in standin.requests] == ["0", "1", "2"]
    assert {r.path for r in standin.requests} == {"/case/chat_completion_basic/fail-2-500/v1/chat/completions"}


def test_fail_error_shapes(standin: StandIn) -> None:
    client = _openai(standin.base_url("chat_completion_basic", fail=(1, 503)))
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="m", messages=[])
    assert info.value.status_code == 503
    assert info.value.body == {"message": "injected 503", "type": "server_error", "code": None}
    assert info.value.response.headers["x-should-retry"] == "true"
    assert info.value.request_id  # synthesized when not recorded

    a = _anthropic(standin.base_url("messages_basic", fail=(1, 529)))
    with pytest.raises(anthropic.InternalServerError) as ainfo:
        a.messages.create(model="m", max_tokens=1, messages=[{"role": "user", "content": "x"}])
    assert ainfo.value.status_code == 529
    assert ainfo.value.body == {"type": "error", "error": {"type": "overloaded_error", "message": "injected 529"}}
    assert ainfo.value.response.headers["request-id"]
    # the counter is per prefix: the second request is served normally
    assert a.messages.create(model="m", max_tokens=1, messages=[{"role": "user", "content": "x"}]).id


def test_cut_stream_raises_connection_error(standin: StandIn) -> None:
    request, _, _ = _case("openai", "chat_completion_streaming_include_usage")
    client = _openai(standin.base_url("chat_completion_streaming_include_usage", cut=2))
    received = []
    with pytest.raises(openai.APIConnectionError) as info:
        for chunk in client.chat.completions.create(**request["body"]):
            received.append(chunk)
    assert len(received) == 2
    assert type(info.value) is openai.APIConnectionError
    assert isinstance(info.value.__cause__, httpx2.RemoteProtocolError)


def test_cut_stream_anthropic_raises_raw_httpx_error(standin: StandIn) -> None:
    # Unlike openai, anthropic 2.x does not wrap mid-stream transport errors in its own exception types.
    request, _, _ = _case("anthropic", "messages_streaming")
    client = _anthropic(standin.base_url("messages_streaming", cut=3))
    received = []
    with pytest.raises(httpx2.RemoteProtocolError):
        for event in client.messages.create(**request["body"]):
            received.append(event.type)
    assert received == ["message_start", "content_block_start"]  # the third event was a ping


def test_hang_times_out(standin: StandIn) -> None:
    client = _openai(standin.base_url("chat_completion_basic", hang=True), timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="m", messages=[])
    assert len(standin.requests) == 1


# -- server behaviour ----------------------------------------------------------------------------------------


def test_concurrent_requests(standin: StandIn) -> None:
    _, response, _ = _case("openai", "chat_completion_basic")
    client = _openai(standin.base_url("chat_completion_basic"))
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                results.append(client.chat.completions.create(model="m", messages=[]).id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert results == [response["body"]["id"]] * 80
    assert len(standin.requests) == 80
    assert standin.errors == []


def test_lifecycle_and_default_data() -> None:
    s = StandIn()
    assert "chat_completion_basic" in s.cases
    assert s.cases_dirs == (default_cases_dir(),)
    with pytest.raises(RuntimeError):
        _ = s.url
    s.start()
    try:
        assert s.start() is s
        assert s.port != 0 and s.url == f"http://127.0.0.1:{s.port}"
        completion = _openai(s.base_url("chat_completion_basic")).chat.completions.create(model="m", messages=[])
        assert completion.id.startswith("chatcmpl-")
    finally:
        s.stop()
        s.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = s.url


def test_stop_releases_hanging_request() -> None:
    s = StandIn(FIXTURES).start()
    client = _openai(s.base_url("chat_completion_basic", hang=True), timeout=5)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.chat.completions.create(model="m", messages=[])
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=call)
    t.start()
    while not s.requests:
        threading.Event().wait(0.01)
    s.stop()
    t.join(timeout=5)
    assert not t.is_alive()
    assert outcome and isinstance(outcome[0], openai.APIConnectionError)
