"""The GenAI client metrics and the cost counter, read back from the real OTel metrics SDK.

Two calls: ``chat_completion_basic`` (gpt-4o-mini, 12 + 5 tokens, 4.8 micro-dollars) and the
streamed ``chat_completion_streaming_include_usage`` (gpt-4, 12 + 5 tokens, 660 micro-dollars).
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from opentelemetry.sdk.metrics.export import Histogram, Sum

from .conftest import Tracing, load_case

DURATION = "gen_ai.client.operation.duration"
TOKENS = "gen_ai.client.token.usage"
TTFC = "gen_ai.client.operation.time_to_first_chunk"
COST = "llmlog.client.cost"


def metrics_of(tracing: Tracing) -> dict[str, Any]:
    data = tracing.reader.get_metrics_data()
    found = {}
    for rm in data.resource_metrics if data else ():
        for sm in rm.scope_metrics:
            assert sm.scope.name == "otel_llmlog"
            for metric in sm.metrics:
                assert metric.name not in found
                found[metric.name] = metric
    return found


def run(openai_client: Any, case: str) -> Any:
    body = load_case("openai", case)["request"]["body"]
    result = openai_client(case).chat.completions.create(**body)
    return [chunk for chunk in result] if body.get("stream") else result


def dims(request_model: str, response_model: str | None, port: int, **extra: str) -> dict[str, Any]:
    d: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": request_model,
        "server.address": "127.0.0.1",
        "server.port": port,
        **extra,
    }
    if response_model:
        d["gen_ai.response.model"] = response_model
    return d


@pytest.fixture
def two_calls(tracing: Tracing, openai_client: Any) -> tuple[Any, Any, int]:
    """The two calls' spans, and the stand-in's port (a metric dimension)."""
    run(openai_client, "chat_completion_basic")
    run(openai_client, "chat_completion_streaming_include_usage")
    plain, stream = tracing.spans()
    return plain, stream, plain.attributes["server.port"]


def test_operation_duration(tracing: Tracing, two_calls: Any) -> None:
    plain, stream, port = two_calls
    metric = metrics_of(tracing)[DURATION]
    assert metric.unit == "s"
    assert isinstance(metric.data, Histogram)
    points = {p.attributes["gen_ai.request.model"]: p for p in metric.data.data_points}
    assert sum(p.count for p in points.values()) == 2
    assert {m: dict(p.attributes) for m, p in points.items()} == {
        "gpt-4o-mini": dims("gpt-4o-mini", "gpt-4o-mini-2024-07-18", port),
        "gpt-4": dims("gpt-4", "gpt-4-0613", port),
    }
    # the recorded duration is the span's own duration
    for model, span in (("gpt-4o-mini", plain), ("gpt-4", stream)):
        assert points[model].count == 1
        assert points[model].sum == (span.end_time - span.start_time) / 1e9


def test_token_usage(tracing: Tracing, two_calls: Any) -> None:
    _, _, port = two_calls
    metric = metrics_of(tracing)[TOKENS]
    assert metric.unit == "{token}"
    assert isinstance(metric.data, Histogram)
    per_point = {(p.attributes["gen_ai.request.model"], p.attributes["gen_ai.token.type"]): (p.count, p.sum)
                 for p in metric.data.data_points}
    assert per_point == {
        ("gpt-4o-mini", "input"): (1, 12),
        ("gpt-4o-mini", "output"): (1, 5),
        ("gpt-4", "input"): (1, 12),
        ("gpt-4", "output"): (1, 5),
    }
    totals: dict[str, int] = {}
    for p in metric.data.data_points:
        totals[p.attributes["gen_ai.token.type"]] = totals.get(p.attributes["gen_ai.token.type"], 0) + p.sum
    assert totals == {"input": 24, "output": 10}
    point = next(p for p in metric.data.data_points if p.attributes["gen_ai.request.model"] == "gpt-4")
    assert dict(point.attributes) == dims("gpt-4", "gpt-4-0613", port, **{"gen_ai.token.type": point.attributes["gen_ai.token.type"]})


def test_time_to_first_chunk_only_for_the_stream(tracing: Tracing, two_calls: Any) -> None:
    _, stream, port = two_calls
    metric = metrics_of(tracing)[TTFC]
    assert metric.unit == "s"
    (point,) = metric.data.data_points
    assert point.count == 1
    assert dict(point.attributes) == dims("gpt-4", "gpt-4-0613", port)
    assert point.sum == stream.attributes["gen_ai.response.time_to_first_chunk"]


def test_cost_counter(tracing: Tracing, two_calls: Any) -> None:
    _, _, port = two_calls
    metric = metrics_of(tracing)[COST]
    assert metric.unit == "USD"
    assert isinstance(metric.data, Sum)
    assert metric.data.is_monotonic
    per_model = {p.attributes["gen_ai.request.model"]: p.value for p in metric.data.data_points}
    assert per_model == {"gpt-4o-mini": 4.8e-06, "gpt-4": 6.6e-04}
    assert sum(per_model.values()) == pytest.approx(4.8e-06 + 6.6e-04, abs=1e-12)
    assert {p.attributes["gen_ai.request.model"]: dict(p.attributes) for p in metric.data.data_points}["gpt-4"] == dims(
        "gpt-4", "gpt-4-0613", port
    )


def test_error_adds_error_type(tracing: Tracing, openai_client: Any) -> None:
    case = "chat_completion_error_404_model_not_found"
    with pytest.raises(openai.NotFoundError):
        run(openai_client, case)
    run(openai_client, "chat_completion_basic")
    port = tracing.spans()[0].attributes["server.port"]
    metrics = metrics_of(tracing)
    points = {p.attributes["gen_ai.request.model"]: dict(p.attributes) for p in metrics[DURATION].data.data_points}
    assert points == {
        # no response, so no response model; error.type is the HTTP status
        "this-model-does-not-exist": dims("this-model-does-not-exist", None, port, **{"error.type": "404"}),
        "gpt-4o-mini": dims("gpt-4o-mini", "gpt-4o-mini-2024-07-18", port),
    }
    # a failed call reports no tokens and costs nothing it could be charged for
    assert {p.attributes["gen_ai.request.model"] for p in metrics[TOKENS].data.data_points} == {"gpt-4o-mini"}
    assert {p.attributes["gen_ai.request.model"] for p in metrics[COST].data.data_points} == {"gpt-4o-mini"}
    assert TTFC not in metrics


def test_histograms_use_the_conventions_buckets(tracing: Tracing, openai_client: Any) -> None:
    run(openai_client, "chat_completion_streaming_include_usage")
    metrics = metrics_of(tracing)
    seconds = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
    tokens = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
    assert list(metrics[DURATION].data.data_points[0].explicit_bounds) == seconds
    assert list(metrics[TOKENS].data.data_points[0].explicit_bounds) == tokens


# --- measurements are queued by the call and recorded off the calling thread (otel_llmlog.instrumentation.metrics) ---


def test_only_the_conventions_metrics_are_exported(tracing: Tracing, openai_client: Any) -> None:
    """The instrument that drains the queue at collection reports nothing, so it never shows up."""
    run(openai_client, "chat_completion_basic")
    assert set(metrics_of(tracing)) == {DURATION, TOKENS, COST}
    run(openai_client, "chat_completion_streaming_include_usage")
    assert set(metrics_of(tracing)) == {DURATION, TOKENS, COST, TTFC}


def test_a_call_records_nothing_in_the_sdk_itself(tracing: Tracing, openai_client: Any) -> None:
    """The call only queues; the next collection records what is queued, before it reads the instruments."""
    from otel_llmlog.instrumentation import metrics

    metrics.drain()
    run(openai_client, "chat_completion_basic")
    assert len(metrics._PENDING) == 1
    assert metrics_of(tracing)[DURATION].data.data_points[0].count == 1
    assert len(metrics._PENDING) == 0
    # a collection with nothing queued exports the same cumulative point again
    assert metrics_of(tracing)[DURATION].data.data_points[0].count == 1


def test_exemplars_link_to_the_calls_span(tracing: Tracing, openai_client: Any) -> None:
    run(openai_client, "chat_completion_basic")
    span = tracing.one()
    (point,) = metrics_of(tracing)[DURATION].data.data_points
    (exemplar,) = point.exemplars
    assert (exemplar.trace_id, exemplar.span_id) == (span.context.trace_id, span.context.span_id)


def test_uninstrument_records_what_is_queued(openai_client: Any) -> None:
    from otel_llmlog.instrumentation import metrics

    tracing = Tracing(capture=False)
    try:
        run(openai_client, "chat_completion_basic")
        assert len(metrics._PENDING) == 1
    finally:
        tracing.close()
    assert len(metrics._PENDING) == 0
    assert metrics_of(tracing)[DURATION].data.data_points[0].count == 1


def test_a_long_queue_is_drained_by_a_background_thread(
    tracing: Tracing, openai_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any collection, the queue does not grow past its threshold for long: the call that
    takes it past ``DRAIN_AT`` wakes a daemon thread, which records it (the callers do not)."""
    import time

    from otel_llmlog.instrumentation import metrics

    metrics.drain()
    monkeypatch.setattr(metrics, "DRAIN_AT", 3)
    client = openai_client("chat_completion_basic")
    body = load_case("openai", "chat_completion_basic")["request"]["body"]
    callers: list[str] = []
    record = metrics._record

    def watched(*args: Any) -> None:
        callers.append(metrics.threading.current_thread().name)
        record(*args)

    monkeypatch.setattr(metrics, "_record", watched)
    for _ in range(4):
        client.chat.completions.create(**body)
    deadline = time.monotonic() + 10
    while metrics._PENDING and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not metrics._PENDING
    assert set(callers) == {"otel-llmlog-metrics"} and len(callers) == 4
    (point,) = metrics_of(tracing)[DURATION].data.data_points
    assert point.count == 4


def test_past_the_hard_limit_callers_record_two_entries_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drain thread that never runs (starved of the GIL by a CPU-bound loop) cannot let the queue grow
    without bound: past ``HARD_LIMIT`` every new entry makes its caller record two."""
    from otel_llmlog.instrumentation import metrics

    metrics.drain()
    recorded: list[tuple[Any, ...]] = []
    monkeypatch.setattr(metrics, "_record", lambda *entry: recorded.append(entry))
    monkeypatch.setattr(metrics._DRAINER, "signal", lambda: None)  # the thread never gets to run
    monkeypatch.setattr(metrics, "DRAIN_AT", 2)
    monkeypatch.setattr(metrics, "HARD_LIMIT", 4)
    for i in range(10):
        metrics.defer((i,))
    # entries 0-4 queue up; from the fifth on, each call records the two oldest
    assert [e[0] for e in recorded] == list(range(10))[: len(recorded)]
    assert len(metrics._PENDING) <= 4
    metrics.drain()
    assert [e[0] for e in recorded] == list(range(10))


def test_a_failing_entry_costs_only_itself(tracing: Tracing, openai_client: Any) -> None:
    """Recording happens off the call, in a reader's collection: one entry that cannot be recorded is
    logged and skipped, the others are recorded and the collection goes on."""
    from otel_llmlog.instrumentation import metrics

    metrics.drain()
    run(openai_client, "chat_completion_basic")
    metrics._PENDING.appendleft(("not", "an entry"))
    assert metrics_of(tracing)[DURATION].data.data_points[0].count == 1
    assert not metrics._PENDING
