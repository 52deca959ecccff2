"""Bad input, generated: the readers and ``otel-llmlog convert`` never crash or hang, and lose no good line.

Good inputs are built from real spans - calls made through the real SDKs against the stand-in,
encoded by the real OTLP encoder (``encode_spans``), protobuf's own JSON mapping and the Jaeger
document of ``test_readers`` - then damaged by Hypothesis: random bytes, bytes inserted, dropped or
replaced, and JSON-aware damage (a value replaced by any JSON value, a key dropped, an unknown key
added) at any depth. Properties:

* nothing but a :class:`~otel_llmlog.records.spans.ReadError` ever comes out of a reader, and with an
  error list nothing comes out at all; :func:`~otel_llmlog.records.formats.detect_format` always answers;
* every error reads ``file:line: reason``, and names the damaged line (line 1 for protobuf, the line
  a document starts on for a whole-file JSON document);
* damage to one line of a JSON-lines file, or to one span of a whole document, costs only that line
  or span: every other call is still read, and still converted by the CLI, which exits 1 exactly
  when it reported a bad line.

Examples are few and small (this is a regression net, not a campaign) and derandomized, so every
run tries the same inputs and a failure always reproduces.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan

from otel_llmlog.records.formats import detect_format
from otel_llmlog.records.reading import read_stream
from otel_llmlog.records.spans import ReadError, SpanData
from otel_llmlog.tools.cli import main

from .conftest import Tracing, recorded_call
from .test_readers import compact, to_jaeger

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
#: the CLI converts (and prices) every call of every example: fewer of those
FUZZ_CLI = settings(FUZZ, max_examples=80)

#: recorded calls made for the good inputs: plain, streamed, failed; both SDKs
CALLS = (
    ("openai", "chat_completion_basic"),
    ("openai", "chat_completion_streaming_include_usage"),
    ("openai", "responses_basic"),
    ("openai", "chat_completion_error_404_model_not_found"),
    ("anthropic", "messages_basic"),
    ("anthropic", "messages_streaming"),
)
NAME = "input"
ERROR = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<reason>\S.*)$", re.DOTALL)


@pytest.fixture(scope="module")
def call_spans(standin: Any) -> list[ReadableSpan]:
    """One span per recorded call, each its own trace (no call is grouped with another)."""
    import anthropic
    import openai

    tracing = Tracing(capture=True)
    try:
        for provider, case in CALLS:
            sdk = openai.OpenAI if provider == "openai" else anthropic.Anthropic
            with sdk(api_key="sk-fuzz-0123456789", base_url=standin.base_url(case), max_retries=0) as client:
                with contextlib.suppress(openai.NotFoundError):
                    result = recorded_call(client, provider, case)
                    if isinstance(result, openai.Stream | anthropic.Stream):
                        list(result)
        spans = tracing.spans()
    finally:
        tracing.close()
    assert len(spans) == len(CALLS) and len({s.context.trace_id for s in spans}) == len(CALLS)
    return spans


def span_id(span: ReadableSpan) -> str:
    return f"{span.context.span_id:016x}"


@pytest.fixture(scope="module")
def lines(call_spans: list[ReadableSpan]) -> list[str]:
    """A Collector file exporter's output: one export request per line, one call each."""
    return [compact(MessageToDict(encode_spans([s]))) for s in call_spans]


# --- reading, checked ---


def read(data: bytes) -> tuple[list[SpanData], list[ReadError]]:
    """Every record and every error of ``data``; anything raised is a bug."""
    errors: list[ReadError] = []
    records = list(read_stream(io.BytesIO(data), NAME, errors=errors))
    for err in errors:
        match = ERROR.match(str(err))
        assert match and match["file"] == NAME and int(match["line"]) == err.line >= 1, str(err)
    return records, errors


def read_raising(data: bytes) -> None:
    """Without an error list the first problem is raised, and it is a ``ReadError``."""
    with contextlib.suppress(ReadError):
        for _ in read_stream(io.BytesIO(data), NAME):
            pass


def convert(data: bytes) -> tuple[int, list[dict[str, Any]], list[str]]:
    """``otel-llmlog convert FILE -o OUT``: (exit code, records, stderr lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "traces.jsonl", Path(tmp) / "calls.jsonl"
        source.write_bytes(data)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = main(["convert", str(source), "-o", str(out)])
        records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        report = [line.replace(str(source), NAME) for line in stderr.getvalue().splitlines()]
    return code, records, report


# --- damage ---

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["", "0" * 32, "AAAAAAAAAAAAAAAAAAAAAA==", "SPAN_KIND_CLIENT", "-1", "1e400"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every value inside ``node`` (not ``node`` itself)."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield (*path, key)
        yield from places(value, (*path, key))


@st.composite
def damaged_json(draw: st.DrawFn, doc: Any) -> Any:
    """``doc`` with one value replaced, one key dropped or one unknown key added, anywhere in it
    (``doc`` itself may be replaced whole)."""
    holder = [copy.deepcopy(doc)]
    path = draw(st.sampled_from([(0,), *((0, *p) for p in places(holder[0]))]))
    *parents, last = path
    parent: Any = holder
    for key in parents:
        parent = parent[key]
    how = draw(st.sampled_from(["replace", "drop", "add"]))
    if how == "replace" or not isinstance(parent, dict):
        parent[last] = draw(json_values)
    elif how == "drop":
        del parent[last]
    else:
        parent[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
    return holder[0]


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes, keep_lines: bool = False) -> bytes:
    """``data`` with a few bytes inserted, dropped or replaced (no newline added when ``keep_lines``)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        piece = draw(st.binary(min_size=1, max_size=4))
        if keep_lines:
            piece = piece.replace(b"\n", b" ")
        how = draw(st.sampled_from(["insert", "drop", "replace"]))
        if how == "insert":
            out[at:at] = piece
        elif how == "drop":
            del out[at : at + len(piece)]
        else:
            out[at : at + len(piece)] = piece
        if keep_lines:  # a dropped newline would join two lines
            assert out.count(b"\n") <= data.count(b"\n")
    return bytes(out)


# --- any bytes at all ---


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    assert detect_format(data) in ("otlp-json-lines", "otlp-json", "otlp-protobuf", "jaeger-json")
    read(data)
    read_raising(data)


@FUZZ
@given(st.data())
def test_damaged_protobuf(call_spans: list[ReadableSpan], data: st.DataObject) -> None:
    good = encode_spans(call_spans).SerializeToString()
    damaged = data.draw(damaged_bytes(good))
    records, errors = read(damaged)
    if detect_format(damaged) == "otlp-protobuf":  # damage can make it begin like JSON
        assert all(err.line == 1 for err in errors)
    read_raising(damaged)


# --- one line of a JSON-lines file damaged ---


@st.composite
def one_line_damaged(draw: st.DrawFn, lines: list[str]) -> tuple[int, bytes]:
    """(index of the damaged line, the file) - the damage made to the bytes or to the JSON of the line."""
    index = draw(st.integers(0, len(lines) - 1))
    line = lines[index].encode()
    if draw(st.booleans()):
        bad = draw(damaged_bytes(line, keep_lines=True))
        if bad.count(b"\n") != line.count(b"\n"):  # dropped bytes cannot add lines; nothing else to keep
            bad = bad.replace(b"\n", b" ")
    else:
        bad = compact(draw(damaged_json(json.loads(line)))).encode()
    damaged = [line.encode() for line in lines]
    damaged[index] = bad
    return index, b"\n".join(damaged) + b"\n"


def check_only_line_lost(index: int, records: list[SpanData], errors: list[ReadError], call_spans: list[ReadableSpan]) -> None:
    assert {err.line for err in errors} <= {index + 1}
    read_ids = {r.span_id for r in records if r.source != f"{NAME}:{index + 1}"}
    assert read_ids == {span_id(s) for i, s in enumerate(call_spans) if i != index}


@FUZZ
@given(st.data())
def test_damaged_json_line(lines: list[str], call_spans: list[ReadableSpan], data: st.DataObject) -> None:
    index, damaged = data.draw(one_line_damaged(lines))
    records, errors = read(damaged)
    check_only_line_lost(index, records, errors, call_spans)
    read_raising(damaged)


@FUZZ_CLI
@given(st.data())
def test_damaged_json_line_cli(lines: list[str], call_spans: list[ReadableSpan], data: st.DataObject) -> None:
    index, damaged = data.draw(one_line_damaged(lines))
    _, errors = read(damaged)
    code, records, report = convert(damaged)
    assert code == (1 if errors else 0), report
    bad_lines = [line for line in report if not line.startswith("otel-llmlog convert:")]
    assert bad_lines == [str(err) for err in errors]
    good = {span_id(s) for i, s in enumerate(call_spans) if i != index}
    assert good <= {r["id"] for r in records}


# --- one span of a whole document damaged ---


def node_at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def span_paths(doc: Any, pattern: list[str], path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths of the nodes ``pattern`` names (``"*"``: every item of an array)."""
    if not pattern:
        yield path
        return
    head, *rest = pattern
    keys = range(len(node_at(doc, path))) if head == "*" else [head]
    for key in keys:
        yield from span_paths(doc, rest, (*path, key))


@FUZZ
@given(st.data(), st.sampled_from(["otlp-json", "jaeger-json"]))
def test_damaged_span_in_document(call_spans: list[ReadableSpan], data: st.DataObject, fmt: str) -> None:
    """A pretty-printed OTLP/HTTP body or a Jaeger download, one span object damaged: only it is lost."""
    if fmt == "otlp-json":
        doc, pattern, id_key = MessageToDict(encode_spans(call_spans)), ["resourceSpans", "*", "scopeSpans", "*", "spans", "*"], "spanId"
    else:
        doc, pattern, id_key = to_jaeger(call_spans), ["data", "*", "spans", "*"], "spanID"
    target = data.draw(st.sampled_from(list(span_paths(doc, pattern))))
    lost = node_at(doc, target)[id_key]
    lost = base64.b64decode(lost).hex() if fmt == "otlp-json" else lost
    damaged = copy.deepcopy(doc)
    node_at(damaged, target[:-1])[target[-1]] = data.draw(damaged_json(node_at(doc, target)))
    text = json.dumps(damaged, indent=2).encode()
    assert detect_format(text) == fmt
    records, errors = read(text)
    assert {err.line for err in errors} <= {1}
    assert {span_id(s) for s in call_spans} - {lost} <= {r.span_id for r in records}
    read_raising(text)
