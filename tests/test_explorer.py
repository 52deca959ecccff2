"""The log explorer (``otel-llmlog logs / show / stats``) on a fixture log with known answers.

``tests/fixtures_logs`` holds 18 records of real instrumented calls (``generate.py`` there says
how they were made): OpenAI calls with key A (alias ``team-alpha``) in ``llm-calls.jsonl.1`` and
the start of ``llm-calls.jsonl``, Anthropic calls with key B, then a grouped request (vector
search, guardrails, two calls in one trace). Call ``n`` starts at 2025-08-22T00:00Z + n x 10 min
(the grouped pair at 02:40:00 and 02:40:00.25). Every answer below is read off that table.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from otel_llmlog.records.exporters import DEFAULT_PATH, PATH_ENV
from otel_llmlog.tools import explorer
from otel_llmlog.tools.cli import build_parser, main
from otel_llmlog.tools.explorer import ExplorerError, Filters, Style, local_time, parse_time, use_color

pytest.importorskip("duckdb")

LOGS = Path(__file__).parent / "fixtures_logs"
#: the record ids in start order (index n = call n of generate.CALLS)
IDS = [
    "91939eb48a89d7c0", "74a286e5e120976c", "69e8d0d86734e1e2", "e03bfecfa413acfc", "8bceb52cd0969ff3",
    "766f50d6bf6e6db6", "067a86da33b1211c", "5b5386141beb4dd2", "3ec36814a4a130b4", "be1e44bd11e79012",
    "8a9fe8cd60bdc466", "3495ee196fec9223", "f7f361c74830b254", "8caff08965688326", "c27ad40d0b272102",
    "aa8233dcd21aa18c", "27dff70a7bd3f361", "7cf1c53f468b0ce6",
]
GROUP_TRACE = "138818e0005469081393282f46053745"
HASH_A, HASH_B = "e62dabbb428c", "fbb2a4405b4c"
OPENAI, ANTHROPIC = set(range(0, 8)) | {16, 17}, set(range(8, 16))


def ids(*indexes: int) -> set[str]:
    return {IDS[i] for i in indexes}


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for name in ("llm-calls.jsonl.1", "llm-calls.jsonl") for line in (LOGS / name).read_text().splitlines()]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch):
    """Local time is UTC in-process, so table text is the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def matched(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """The ids ``logs --json`` prints for these arguments over the fixture, in output order."""
    code, out, err = run(capsys, "logs", str(LOGS), "--json", *argv)
    assert code == 0, err
    return [json.loads(line)["id"] for line in out.splitlines()]


# --------------------------------------------------------------------------------------------
# filters, one by one and combined


@pytest.mark.parametrize(("argv", "expected"), [
    ((), ids(*range(18))),
    (("--since", "2025-08-22T02:00:00+00:00"), ids(12, 13, 14, 15, 16, 17)),
    (("--since", "2025-08-22T02:40"), ids(16, 17)),  # no zone: local time (UTC here)
    (("--until", "2025-08-22T00:30:00Z"), ids(0, 1, 2)),
    (("--since", "100000d"), ids(*range(18))),
    (("--api-key", "team-alpha"), ids(*OPENAI)),
    (("--api-key", HASH_B), ids(*ANTHROPIC)),
    (("--api-key", HASH_B.upper()[:8]), ids(*ANTHROPIC)),
    (("--api-key", "team-alpha", "--api-key", HASH_B), ids(*range(18))),
    (("--request-id", IDS[3]), ids(3)),
    (("--request-id", IDS[3][:8]), ids(3)),
    (("--provider", "anthropic"), ids(*ANTHROPIC)),
    (("--provider", "OpenAI"), ids(*OPENAI)),
    (("--model", "claude-opus*"), ids(9, 11)),
    (("--model", "gpt-4o"), ids(3)),
    (("--model", "openai/gpt-4o-mini*"), ids(0, 2, 16, 17)),
    (("--model", "gpt-4o-mini-2024-07-18"), ids(0, 2, 16, 17)),  # the model that answered
    (("--model", "*haiku*"), set()),
    (("--finish-reason", "length"), ids(3, 10)),
    (("--finish-reason", "tool_call"), ids(2, 13, 17)),
    (("--finish-reason", "error"), ids(7, 15)),
    (("--finish-reason", "length,error"), ids(3, 7, 10, 15)),
    (("--status", "failure"), ids(7, 15)),
    (("--status", "success"), ids(*set(range(18)) - {7, 15})),
    (("--trace-id", GROUP_TRACE), ids(16, 17)),
    (("--trace-id", GROUP_TRACE[:10]), ids(16, 17)),
    (("--min-cost", "0.003"), ids(5, 9, 10, 12)),
])
def test_each_filter_alone(capsys, argv: tuple[str, ...], expected: set[str]) -> None:
    assert set(matched(capsys, *argv)) == expected


@pytest.mark.parametrize(("argv", "expected"), [
    (("--provider", "openai", "--finish-reason", "stop", "--min-cost", "0.0001"), ids(1, 5)),
    (("--api-key", "team-alpha", "--since", "2025-08-22T00:30Z", "--until", "2025-08-22T01:10Z"), ids(3, 4, 5, 6)),
    (("--provider", "anthropic", "--finish-reason", "stop,length", "--model", "claude-sonnet-4*"), ids(8, 10, 14)),
    (("--api-key", HASH_A, "--status", "failure"), ids(7)),
    (("--trace-id", GROUP_TRACE, "--finish-reason", "tool_call"), ids(17)),
    (("--provider", "anthropic", "--api-key", "team-alpha"), set()),
    (("--request-id", IDS[9], "--min-cost", "0.01"), ids(9)),
    (("--request-id", IDS[9], "--min-cost", "0.02"), set()),
])
def test_filters_combined(capsys, argv: tuple[str, ...], expected: set[str]) -> None:
    assert set(matched(capsys, *argv)) == expected


def _reference(r: dict[str, Any], f: Filters) -> bool:
    """The filters, written again in plain Python over the raw record: the oracle for the SQL."""
    from fnmatch import fnmatchcase

    meta, info = r["metadata"], r["model_map_information"]
    provider = (info["model_map_value"] or {}).get("litellm_provider") or (r["error_information"] or {}).get("llm_provider")
    answered = r["hidden_params"]["litellm_model_name"]
    finish = (r["response"][0].get("finish_reason") if r["response"] else None) or ("error" if r["status"] == "failure" else None)
    names = [n.lower() for n in (r["model"], answered, f"{provider}/{answered or r['model']}") if n]
    return all((
        f.since is None or r["startTime"] >= f.since,
        f.until is None or r["startTime"] < f.until,
        not f.api_keys or any(k == meta["user_api_key_alias"] or meta["user_api_key_hash"].startswith(k.lower()) for k in f.api_keys),
        not f.providers or provider in [p.lower() for p in f.providers],
        not f.models or any(fnmatchcase(n, g.lower()) for g in f.models for n in names),
        not f.finish_reasons or finish in f.finish_reasons,
        not f.statuses or r["status"] in f.statuses,
        f.min_cost is None or (r["response_cost"] is not None and r["response_cost"] >= f.min_cost),
    ))


@pytest.fixture(scope="module")
def fixture_store():
    store = explorer.LogStore([explorer.Source(str(LOGS / n), n, "standard") for n in ("llm-calls.jsonl", "llm-calls.jsonl.1")])
    yield store
    store.close()


def test_any_combination_of_filters_matches_a_plain_python_reference(fixture_store) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    base = 1_755_820_800.0
    some = lambda *values: st.lists(st.sampled_from(values), max_size=2)  # noqa: E731
    filters = st.builds(
        Filters,
        since=st.none() | st.integers(0, 18).map(lambda n: base + 600 * n),
        until=st.none() | st.integers(0, 18).map(lambda n: base + 600 * n),
        api_keys=some("team-alpha", HASH_A, HASH_B[:6], "nobody"),
        providers=some("openai", "anthropic", "Anthropic", "mistral"),
        models=some("gpt-4o*", "claude-*", "*sonnet*", "openai/*", "gpt-4", "*-2024-*"),
        finish_reasons=some("stop", "length", "tool_call", "error"),
        statuses=some("success", "failure"),
        min_cost=st.none() | st.sampled_from([0.0, 0.0001, 0.003, 1.0]),
    )
    everything = records()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(filters)
    def check(f: Filters) -> None:
        where, params = f.sql()
        fixture_store.load("hits", where, params, explorer.TABLE_COLUMNS)
        got = {r["id"] for r in fixture_store.page("hits", "time", False, None, fee_items=False)}
        assert got == {r["id"] for r in everything if _reference(r, f)}, f

    check()


def test_sort_and_limit(capsys) -> None:
    assert matched(capsys, "--sort", "cost", "-n", "3") == [IDS[10], IDS[9], IDS[5]]
    assert matched(capsys, "--sort", "latency", "--asc", "-n", "2") == [IDS[6], IDS[1]]  # 120 ms, 180 ms
    assert matched(capsys, "-n", "2") == [IDS[17], IDS[16]]  # newest first
    assert matched(capsys, "--asc", "-n", "1") == [IDS[0]]
    code, out, _ = run(capsys, "logs", str(LOGS), "--sort", "cost", "-n", "3")
    assert out.splitlines()[-1] == "showing 3 of 18 calls (largest cost first; -n 0 shows all)"
    code, out, _ = run(capsys, "logs", str(LOGS), "-n", "0")
    assert out.splitlines()[-1] == "18 calls (newest first)" and len(out.splitlines()) == 20


def test_relative_and_absolute_times() -> None:
    now = 1_755_830_958.0
    assert parse_time("2h", now) == now - 7200
    assert parse_time("30m", now) == now - 1800
    assert parse_time("7d ago", now) == now - 7 * 86400
    assert parse_time("1.5h", now) == now - 5400
    assert parse_time("now", now) == now
    assert parse_time("2025-08-22T02:49:18Z") == now
    assert parse_time("2025-08-22 04:49:18+02:00") == now
    assert parse_time("2025-08-22T02:49:18") == now  # local = UTC here
    with pytest.raises(ExplorerError, match="cannot read the time 'soon'"):
        parse_time("soon")


def test_nothing_matches_says_so(capsys) -> None:
    code, out, err = run(capsys, "logs", str(LOGS), "--since", "1h")
    assert (code, out) == (0, "")
    assert err == f"otel-llmlog: no calls match these filters in {LOGS}/llm-calls.jsonl, {LOGS}/llm-calls.jsonl.1\n"


def test_a_raw_key_is_refused(capsys) -> None:
    code, out, err = run(capsys, "logs", str(LOGS), "--api-key", "sk-alpha-0123456789abcdefghijklmnop")
    assert code == 2 and out == ""
    assert "never the key itself" in err
    with pytest.raises(ExplorerError):
        Filters(api_keys=["sk-ant-api03-xyz"])


def test_bad_option_values_are_usage_errors(capsys) -> None:
    assert run(capsys, "logs", str(LOGS), "--status", "ok")[0] == 2
    code, _, err = run(capsys, "logs", str(LOGS), "--until", "tomorrow-ish")
    assert code == 2 and err.startswith("otel-llmlog logs: cannot read the time 'tomorrow-ish'")


# --------------------------------------------------------------------------------------------
# the table


def test_table_rows_and_breakdowns(capsys) -> None:
    code, out, err = run(capsys, "logs", str(LOGS), "--request-id", IDS[3], "--tokens", "--cost")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Timestamp                Model          Input Tokens  Output Tokens      Cost  Latency ms  Throughput tok/s  Finish  ID",
        f"2025-08-22 00:30:00 UTC  openai/gpt-4o          1220            100  $0.00261        2100             47.62  length  {IDS[3]}",
        "    tokens  prompt 68 · cache read 1152 · cache write 0 (5-minute 0 · 1-hour 0)",
        "    cost    prompt            68 × $2.5/M = $0.00017",
        "            input_cache_read  1152 × $1.25/M = $0.00144",
        "            completion        100 × $10/M = $0.001",
        "1 call (newest first)",
    ]


def test_table_of_failures_and_unknowns(capsys) -> None:
    code, out, _ = run(capsys, "logs", str(LOGS), "--status", "failure", "--tokens", "--cost")
    lines = out.splitlines()
    assert lines[1].split() == ["2025-08-22", "02:30:00", "UTC", "anthropic/claude-3-opus-20240229", "0", "0", "-", "-", "-", "error", IDS[15]]
    # a 5-minute cache write the standard record cannot itemize: unknown, never 0
    code, out, _ = run(capsys, "logs", str(LOGS), "--request-id", IDS[9], "--tokens", "--cost")
    assert out.splitlines()[2:4] == [
        "    tokens  prompt ? · cache read 0 · cache write ? (5-minute ? · 1-hour ?)",
        "    cost    fee items not in this record (its tokens at its rates do not add up to its cost)",
    ]


def test_generation_records_have_every_token_kind(capsys) -> None:
    code, out, _ = run(capsys, "logs", str(LOGS / "generation"), "--request-id", IDS[10], "--tokens", "--cost")
    assert out.splitlines()[1:8] == [
        f"2025-08-22 01:40:00 UTC  anthropic/claude-sonnet-4-20250514          2073            100  $0.013887        2600             38.46  length  {IDS[10]}",
        "    tokens  prompt 17 · cache read 0 · cache write 2056 (5-minute 0 · 1-hour 2056)",
        "    cost    prompt                   17 × $3/M = $0.000051",
        "            input_cache_read         0 × $0.3/M = $0",
        "            input_cache_write_5_min  0 × $3.75/M = $0",
        "            input_cache_write_1_h    2056 × $6/M = $0.012336",
        "            completion               100 × $15/M = $0.0015",
    ]
    assert set(json.loads(x)["generationId"] for x in run(capsys, "logs", str(LOGS / "generation"), "--status", "failure", "--json")[1].splitlines()) == ids(7, 15)


def test_standard_derivations_agree_with_the_generation_records(tmp_path: Path) -> None:
    """Where the standard record's numbers are enough (cache reads from the savings, fee items from
    the rates), they give exactly what the generation record of the same call says."""
    store = explorer.LogStore([
        explorer.Source(str(LOGS / "llm-calls.jsonl.1"), "a", "standard"), explorer.Source(str(LOGS / "llm-calls.jsonl"), "b", "standard"),
        explorer.Source(str(LOGS / "generation" / "llm-calls.jsonl"), "g", "generation"),
    ])
    store.load("hits", "true", [])
    rows = store.page("hits", "time", True, None)
    by = {(r["kind"], r["id"]): r for r in rows}
    derived = 0
    for i in IDS:
        std, gen = by["standard", i], by["generation", i]
        assert (std["input_tokens"], std["output_tokens"], std["cost"]) == (gen["input_tokens"], gen["output_tokens"], gen["cost"])
        for key in ("cache_read", "cache_write", "cache_write_5m", "cache_write_1h", "prompt_uncached"):
            if std[key] is not None:
                assert std[key] == gen[key], (i, key)
        if std["fee_items"]:
            derived += 1
            total = {x["code"]: x["amount"] for x in std["fee_items"]}
            assert sum(total.values()) == pytest.approx(std["cost"], abs=1e-12)
            assert total["prompt"] == pytest.approx({x["code"]: x["amount"] for x in gen["fee_items"]}["prompt"], abs=1e-12)
    # every call but the two failures and the two cache writes (the standard record has no write count)
    assert derived == 14
    assert {i for i in IDS if by["standard", i]["fee_items"] is None} == ids(7, 9, 10, 15)


# --------------------------------------------------------------------------------------------
# inputs: rotated files, default path, stdin, span files, corrupt and empty files


def test_directory_reads_the_rotated_files_too(capsys) -> None:
    code, out, _ = run(capsys, "logs", str(LOGS), "--json")
    assert len(out.splitlines()) == 18  # llm-calls.jsonl + llm-calls.jsonl.1; not the subdirectories
    assert len(matched(capsys, "--request-id", IDS[0])) == 1  # the oldest call is in the rotated file


def test_default_path_and_its_rotations(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(PATH_ENV, raising=False)
    code, _, err = run(capsys, "logs")
    assert code == 2 and f"no log file {DEFAULT_PATH} here" in err
    shutil.copy(LOGS / "llm-calls.jsonl", tmp_path / DEFAULT_PATH)
    shutil.copy(LOGS / "llm-calls.jsonl.1", tmp_path / f"{DEFAULT_PATH}.1")
    (tmp_path / "other.jsonl").write_text((LOGS / "llm-calls.jsonl").read_text())  # not ours: not read
    code, out, _ = run(capsys, "logs", "-n", "0")
    assert out.splitlines()[-1] == "18 calls (newest first)"
    # the exporter's {pid} paths: every process's file and its rotations
    monkeypatch.setenv(PATH_ENV, str(tmp_path / "app-{pid}.jsonl"))
    shutil.copy(LOGS / "llm-calls.jsonl", tmp_path / "app-101.jsonl")
    shutil.copy(LOGS / "llm-calls.jsonl.1", tmp_path / "app-202.jsonl.3")
    assert run(capsys, "stats", "--json")[1].splitlines()[-1].startswith('{"group": {}, "calls": 18,')


def test_stdin(capsys) -> None:
    args = build_parser().parse_args(["logs", "-", "--json", "--provider", "anthropic"])
    out, err = io.StringIO(), io.StringIO()
    data = (LOGS / "llm-calls.jsonl").read_bytes()
    assert explorer.run("logs", args, out, err, io.BytesIO(data)) == 0
    assert {json.loads(x)["id"] for x in out.getvalue().splitlines()} == ids(9, 10, 11, 12, 13, 14, 15)
    # the record comes out byte for byte as it went in
    assert set(out.getvalue().splitlines()) <= set(data.decode().splitlines())


def test_span_files_are_converted_on_the_fly(capsys) -> None:
    code, out, err = run(capsys, "logs", str(LOGS / "spans" / "traces.otlp.jsonl"), "--asc", "--json")
    assert (code, err) == (0, "")
    got = [json.loads(x) for x in out.splitlines()]
    assert [(r["model"], r["status"], r["response_cost"]) for r in got] == [
        ("gpt-4o-mini", "success", 4.8e-06), ("gpt-4o-mini", "success", 4.185e-05), ("this-model-does-not-exist", "failure", None),
    ]


def corrupt_copy(tmp_path: Path) -> Path:
    lines = (LOGS / "llm-calls.jsonl").read_text().splitlines(keepends=True)
    lines.insert(2, lines[2][:300] + "\n")  # a write cut short
    lines[4:4] = ["garbage here\n", "\n", "[1, 2]\n", '{"id": "x1", "startTime": "yesterday"}\n']
    lines.append('{"id": "cut-at-the-end", "trace')
    path = tmp_path / "llm-calls.jsonl"
    path.write_text("".join(lines))
    return path


def test_corrupt_lines_are_named_and_the_rest_shown(capsys, tmp_path: Path) -> None:
    path = corrupt_copy(tmp_path)
    code, out, err = run(capsys, "logs", str(path), "-n", "0")
    assert code == 1
    assert err.splitlines() == [
        f"{path}:3: truncated JSON: Expecting ',' delimiter (column 301) (the line ends inside the record: a write cut short?)",
        f"{path}:5: invalid JSON: Expecting value (column 1)",
        f"{path}:7: not a log record (a JSON list, not an object)",
        f"{path}:8: not a log record (startTime not a number)",
        f"{path}:15: truncated JSON: Unterminated string starting at (column 26) (the line ends inside the record: a write cut short?)",
    ]
    assert out.splitlines()[-1] == "9 calls (newest first)"
    code, out, err = run(capsys, "stats", str(path), "--json")
    assert code == 1 and json.loads(out.splitlines()[-1])["calls"] == 9 and len(err.splitlines()) == 5


def test_a_byte_order_mark_is_no_bad_line_and_a_bad_byte_is_named(capsys, tmp_path: Path) -> None:
    """Lines are read as DuckDB reads them (a byte-order mark before the first line is not part of
    it) by the package's one line reader, whose reasons name the byte and its column."""
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (LOGS / "llm-calls.jsonl").read_bytes() + b'{"id": "caf\xe9", "startTime": 1}\n')
    code, out, err = run(capsys, "logs", str(path), "--json", "--asc")
    assert (code, err) == (1, f"{path}:10: not UTF-8 text: byte 0xe9 at column 12\n")
    assert [json.loads(x)["id"] for x in out.splitlines()][:1] == [IDS[9]]  # the first line, without the mark
    code, out, err = run(capsys, "show", IDS[9], str(path), "--json")
    assert code == 1 and json.loads(out)["id"] == IDS[9]


def test_a_lone_surrogate_an_older_exporter_escaped_is_read_as_the_replacement_character(capsys, tmp_path: Path) -> None:
    """Before it went through the one line writer, the JSON-log exporter wrote a lone surrogate as a
    ``\\ud800`` escape, which DuckDB rejects. Such a record is read repaired - U+FFFD, as the writer
    puts it now - by every command, and a line that is bad for another reason is still named, once."""
    (record,) = [r for r in records() if r["id"] == IDS[16]]
    record["response"][0]["parts"][0]["content"] = "half \ud800 of a pair"
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(record) + "\n" + "garbage\n")
    assert "\\ud800" in path.read_text()
    repaired = {**record, "response": [{**record["response"][0], "parts": [{"type": "text", "content": "half \ufffd of a pair"}]}]}
    code, out, err = run(capsys, "logs", str(path), "--json")
    assert (code, err) == (1, f"{path}:2: invalid JSON: Expecting value (column 1)\n")
    assert [json.loads(x) for x in out.splitlines()] == [repaired]
    code, out, err = run(capsys, "show", IDS[16], str(path), "--json")
    assert (code, json.loads(out)) == (1, repaired)
    code, out, _ = run(capsys, "show", IDS[16], str(path))
    assert "Response\n  ── assistant ── (finish: stop)\n    half \ufffd of a pair\n" in out
    code, out, _ = run(capsys, "stats", str(path), "--json")
    assert json.loads(out.splitlines()[-1])["calls"] == 1


def test_gzip_and_a_gzip_file_cut_short(capsys, tmp_path: Path) -> None:
    import gzip

    data = gzip.compress((LOGS / "llm-calls.jsonl").read_bytes())
    (tmp_path / "whole.jsonl.gz").write_bytes(data)
    code, out, err = run(capsys, "logs", str(tmp_path / "whole.jsonl.gz"), "--json")
    assert (code, len(out.splitlines())) == (0, 9)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    code, out, err = run(capsys, "logs", str(tmp_path / "cut.jsonl.gz"), "--json")
    assert code == 1 and 0 < len(out.splitlines()) < 9
    assert "the gzip data ends early or is damaged" in err


def test_empty_files(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    code, out, err = run(capsys, "logs", str(tmp_path / "empty.jsonl"))
    assert (code, out, err) == (0, "", f"otel-llmlog: no calls: {tmp_path}/empty.jsonl is empty\n")
    shutil.copy(LOGS / "llm-calls.jsonl", tmp_path / "calls.jsonl")
    code, out, err = run(capsys, "logs", str(tmp_path))
    assert (code, err) == (0, "") and out.splitlines()[-1] == "9 calls (newest first)"
    assert run(capsys, "stats", str(tmp_path / "empty.jsonl"))[0] == 0


def test_missing_path_is_a_usage_error(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "logs", str(tmp_path / "nope.jsonl"))
    assert (code, out, err) == (2, "", f"otel-llmlog logs: {tmp_path}/nope.jsonl: no such file or directory\n")


def test_records_with_a_usage_object_and_a_response_object(capsys, tmp_path: Path) -> None:
    """Records in LiteLLM's later shape carry what the standard record lacks: the usage object
    (``metadata.usage_object``) and the provider's response (id, choices with finish reasons)."""
    (record,) = [r for r in records() if r["id"] == IDS[0]]
    record["metadata"]["usage_object"] = {
        "prompt_tokens": 12, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 3},
        "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": 0},
    }
    record["response"] = {"id": "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q", "choices": [
        {"finish_reason": "content_filter", "message": {"role": "assistant", "content": "This is a test."}}]}
    (tmp_path / "litellm.jsonl").write_text(json.dumps(record) + "\n")
    code, out, _ = run(capsys, "logs", str(tmp_path), "--request-id", "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q", "--tokens")
    assert out.splitlines()[1].split()[-2:] == ["content_filter", IDS[0]]
    # the usage object gives the reads; it says nothing of writes, and the cost no longer adds up to tell
    assert out.splitlines()[2] == "    tokens  prompt ? · cache read 3 · cache write ? (5-minute ? · 1-hour ?)"
    code, out, _ = run(capsys, "show", "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q", str(tmp_path))
    assert code == 0 and f"call {IDS[0]}" in out
    assert "Response\n  ── assistant ── (finish: content_filter)\n    This is a test." in out
    assert "  output       5   completion 3 · internal_reasoning 2 · audio 0" in out


# --------------------------------------------------------------------------------------------
# show


def test_show_pretty_tool_calls_guardrail_vector_search_and_trace(capsys) -> None:
    code, out, err = run(capsys, "show", IDS[16][:8], str(LOGS))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"call {IDS[16]}  2025-08-22 02:40:00.000 UTC  success"
    assert lines[1] == f"file {LOGS}/llm-calls.jsonl   trace {GROUP_TRACE}"
    text = "\n".join(lines)
    for block in (
        "Request\n  ── system ──\n    You're a helpful assistant.\n  ── user ──\n    What's the weather in Seattle and San Francisco today?",
        "  ── assistant ──\n    → tool call get_current_weather (call_JpNb8OiAkbIbHzDggfpdDHpi)\n        {\n          \"location\": \"Seattle, WA\"\n        }",
        "  ── tool ──\n    ← result of get_current_weather (call_JpNb8OiAkbIbHzDggfpdDHpi)\n        50 degrees and raining",
        "Response\n  ── assistant ── (finish: stop)\n    Today, the weather in Seattle is 50 degrees and raining",
        "Model\n  model        gpt-4o-mini\n  answered by  gpt-4o-mini-2024-07-18\n  provider     openai",
        f"  API key      team-alpha (sha256 {HASH_A}…)\n  end user     user-7",
        "Tokens\n  input       99   prompt 99 · input_cache_write 0 · input_cache_write_5_min 0 · input_cache_write_1_h 0 · input_cache_read 0",
        "  output      25   completion ? · internal_reasoning ? · audio ?\n  requests    web_search ?\n  multimodal  image ?",
        "Performance\n  first token  1100 ms\n  generation   1100 ms\n  throughput   22.73 tok/s\n  finish       stop",
        "Cost  $0.00002985\n  prompt            99 × $0.15/M = $0.00001485\n  input_cache_read  0 × $0.075/M = $0\n  completion        25 × $0.6/M = $0.000015",
        "Guardrail\n  name      moderation\n  mode      post_call\n  status    success",
        "Vector store\n  store     vs_docs (pgvector)\n  query     \"weather tools\"\n  results   doc-weather-api 0.91, doc-units 0.47",
        "Metadata\n  {\n    \"user_api_key_hash\": ",
        "    \"requester_metadata\": {\n      \"tenant\": \"acme\"\n    }",
        f"Other calls of trace {GROUP_TRACE}\n  Timestamp ",
    ):
        assert block in text, block
    assert lines[-1].split()[-2:] == ["tool_call", IDS[17]]


def test_show_json_is_the_raw_record(capsys) -> None:
    code, out, _ = run(capsys, "show", IDS[16], str(LOGS), "--json")
    (raw,) = [r for r in records() if r["id"] == IDS[16]]
    assert code == 0 and json.loads(out) == raw
    assert raw["metadata"]["guardrail_information"]["guardrail_name"] == "moderation"
    assert raw["metadata"]["vector_store_request_metadata"][0]["vector_store_id"] == "vs_docs"
    assert [p["type"] for m in raw["messages"] for p in m["parts"]].count("tool_call_response") == 2


def test_show_highlights_code_only_with_colour(capsys) -> None:
    code, plain, _ = run(capsys, "show", IDS[5], str(LOGS), "--color", "never")
    assert "\x1b[" not in plain
    assert "    ```bash\n      #!/usr/bin/env bash\n" in plain
    code, coloured, _ = run(capsys, "show", IDS[5], str(LOGS), "--color", "always")
    assert "\x1b[2m    ```bash\x1b[0m" in coloured or "    \x1b[2m```bash\x1b[0m" in coloured
    assert "\x1b[1;34mfor\x1b[0m" in coloured  # a keyword inside the block
    assert "\x1b[2m# Usage:\x1b[0m" in coloured  # a comment


def test_show_failure_generation_and_missing_ids(capsys) -> None:
    code, out, _ = run(capsys, "show", IDS[15], str(LOGS))
    assert code == 0
    assert "Response\n  (no response: the call failed)" in out
    assert "Cost  -\n  why unknown: the call failed; failed calls are not billed" in out
    assert "Error\n  message  Error code: 400" in out and "  class    BadRequestError\n  code     400" in out
    code, out, _ = run(capsys, "show", IDS[11], str(LOGS / "generation"))
    assert code == 0 and "input_cache_read 1590" in out and "finish       stop / end_turn" in out
    code, out, err = run(capsys, "show", "8", str(LOGS))
    assert code == 2 and err == f"otel-llmlog show: '8' is the start of 3 ids, give more of it: {IDS[10]}, {IDS[4]}, {IDS[13]}\n"
    code, out, err = run(capsys, "show", "ffff0000", str(LOGS))
    assert code == 1 and "no call with id 'ffff0000'" in err


def test_nul_an_emoji_and_a_lone_surrogate_of_a_real_call_reach_every_command(capsys, tracing_content, tmp_path: Path) -> None:
    """Content captured from a real instrumented openai call, through the real JSON-log exporter,
    holding NUL, a 4-byte character and a lone surrogate (a provider's ``\\ud800`` escape, which the
    SDK hands on as it is): ``logs``, ``show`` and ``stats`` read the file without a traceback, NUL
    and the emoji exactly, the surrogate as U+FFFD (the one lossy step of the line writer)."""
    import openai
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from otel_llmlog.records.exporters import JsonLogExporter
    from otel_llmlog.records.jsonlines import loads_line
    from otel_llmlog.testing import StandIn

    from .conftest import API_KEY

    asked = "nul \x00 and a parrot \U0001f99c"
    answered = "nul \x00, parrot \U0001f99c, half a pair \ud800 here"
    stored = "nul \x00, parrot \U0001f99c, half a pair \ufffd here"
    case = tmp_path / "cases" / "openai" / "chat_completion_hard_characters"
    case.mkdir(parents=True)
    (case / "request.json").write_text(json.dumps({
        "method": "POST", "path": "/v1/chat/completions", "headers": {"content-type": "application/json"},
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": asked}]}}))
    (case / "response.json").write_text(json.dumps({  # ASCII JSON: the surrogate is the escape \ud800, as a provider sends it
        "status": 200, "headers": {"content-type": "application/json"}, "streaming": False,
        "body": {"id": "chatcmpl-hard-characters", "object": "chat.completion", "created": 1755820800, "model": "gpt-4o-mini-2024-07-18",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": answered}, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 14, "completion_tokens": 11, "total_tokens": 25}}}))
    log = tmp_path / "llm-calls.jsonl"
    exporter = JsonLogExporter(str(log))
    tracing_content.provider.add_span_processor(SimpleSpanProcessor(exporter))
    with StandIn([tmp_path / "cases"]) as standin:
        client = openai.OpenAI(api_key=API_KEY, base_url=standin.base_url(case.name), max_retries=0)
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": asked}])
    assert reply.choices[0].message.content == answered
    exporter.force_flush()

    data = log.read_bytes()
    assert data.count(b"\n") == 1 and b"\\u0000" in data and "\U0001f99c".encode() in data and b"\\ud800" not in data
    record = loads_line(data)
    assert record["messages"] == [{"role": "user", "parts": [{"type": "text", "content": asked}]}]
    assert record["response"] == [{"role": "assistant", "parts": [{"type": "text", "content": stored}], "finish_reason": "stop"}]

    # capsys's stream is strict UTF-8, like a terminal's: a lone surrogate written to it raises
    code, out, err = run(capsys, "logs", str(log))
    assert (code, err) == (0, "")
    assert out.splitlines()[1].split()[-2:] == ["stop", record["id"]] and out.splitlines()[-1] == "1 call (newest first)"
    code, out, err = run(capsys, "show", record["id"], str(log), "--json")
    assert (code, err) == (0, "") and json.loads(out) == record
    assert "\U0001f99c" in out and "\\u0000" in out
    code, out, err = run(capsys, "show", record["id"], str(log), "--color", "always")
    assert (code, err) == (0, "")
    assert "    nul \\u0000 and a parrot \U0001f99c\n" in out  # a NUL shows, and cannot reach the terminal as a control character
    assert "    nul \\u0000, parrot \U0001f99c, half a pair \ufffd here\n" in out
    code, out, err = run(capsys, "stats", str(log), "--json")
    assert (code, err) == (0, "") and json.loads(out.splitlines()[-1])["calls"] == 1
    code, out, err = run(capsys, "stats", str(log))
    assert (code, err) == (0, "") and out.splitlines()[3].split()[:2] == ["(all)", "1"]


def test_control_characters_of_a_record_cannot_reach_the_terminal() -> None:
    """Captured content is untrusted: an escape sequence in it would restyle, move or retitle the
    reader's terminal. Every text of a record is shown with its controls as JSON escapes; the
    explorer's own styling is the only escape sequence that goes out."""
    assert explorer.visible("a\x00b\x1b[2J\x1b]0;pwned\x07\x7f\x85\rz") == "a\\u0000b\\u001b[2J\\u001b]0;pwned\\u0007\\u007f\\u0085\\u000dz"
    assert explorer.visible("tab\tand lines\nstay\r\n🦜") == "tab\tand lines\nstay\r\n🦜"
    (record,) = [r for r in records() if r["id"] == IDS[16]]
    record["response"][0]["parts"][0]["content"] = "red \x1b[31malert"
    record["metadata"]["requester_metadata"]["tenant"] = "acme\x9b2J"
    row = {"id": IDS[16], "ts": 0.0, "kind": "standard", "status": "success", "model": "gpt\x1b[5m", "file": "f"}
    shown = explorer.render_show(record, row, [], Style(True))
    assert "red \\u001b[31malert" in shown and '"acme\\u009b2J"' in shown and "gpt\\u001b[5m" in shown
    styling = re.compile("\x1b\\[[0-9;]*m")  # what Style writes
    assert "\x1b" not in styling.sub("", shown) and "\x9b" not in shown


# --------------------------------------------------------------------------------------------
# stats


def quantiles(values: list[float]) -> list[float]:
    """p50, p95, p99 by linear interpolation between the nearest ranks (numpy's default)."""
    ordered = sorted(values)

    def q(p: float) -> float:
        pos = (len(ordered) - 1) * p
        lo = int(pos)
        hi = min(lo + 1, len(ordered) - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    return [q(0.5), q(0.95), q(0.99)]


def test_stats_per_provider_against_values_computed_here(capsys) -> None:
    code, out, err = run(capsys, "stats", str(LOGS), "--json")
    assert (code, err) == (0, "")
    rows = [json.loads(x) for x in out.splitlines()]
    by_provider = {r["group"]["provider"]: r for r in rows if list(r["group"]) == ["provider"]}
    total = rows[-1]
    assert total["group"] == {} and total["calls"] == 18 and total["errors"] == 2
    for provider, indexes in (("openai", OPENAI), ("anthropic", ANTHROPIC)):
        mine = [r for r in records() if r["id"] in ids(*indexes)]
        ok = [r for r in mine if r["status"] == "success"]
        got = by_provider[provider]
        assert got["calls"] == len(indexes) and got["errors"] == 1 and got["error_rate"] == 1 / len(indexes)
        assert got["tokens"]["input_tokens"] == sum(r["prompt_tokens"] for r in mine)
        assert got["tokens"]["output_tokens"] == sum(r["completion_tokens"] for r in mine)
        assert got["cost"] == pytest.approx(sum(r["response_cost"] or 0 for r in mine), abs=1e-12)
        latency = [(r["completionStartTime"] - r["startTime"]) * 1000 for r in ok]
        generation = [(r["endTime"] - r["startTime"]) * 1000 for r in mine]
        throughput = [r["completion_tokens"] / (r["endTime"] - r["startTime"]) for r in ok if r["completion_tokens"]]
        assert [got["latency_ms"][k] for k in ("p50", "p95", "p99")] == pytest.approx(quantiles(latency), abs=1e-6)
        assert [got["generation_ms"][k] for k in ("p50", "p95", "p99")] == pytest.approx(quantiles(generation), abs=1e-6)
        assert got["throughput_p50"] == pytest.approx(statistics.median(throughput), abs=1e-9)
    # cache hits: the recorded reads (1152 of gpt-4o's prompt, 1590 of claude-opus's) over all input
    assert by_provider["openai"]["tokens"]["cache_read"] == 1152
    assert by_provider["openai"]["cache_hit_ratio"] == pytest.approx(1152 / 1556)
    assert by_provider["anthropic"]["tokens"]["cache_read"] == 1590
    assert by_provider["anthropic"]["cache_hit_ratio"] == pytest.approx(1590 / 6016)
    # the two cache-write calls cannot say how much they wrote in a standard record
    assert by_provider["anthropic"]["unknown"]["cache_write"] == 2
    # the first-token times generate.py gave the nine OpenAI calls that succeeded
    assert quantiles([640, 180, 1250, 2100, 3300, 4700, 120, 1100, 1400]) == pytest.approx([1250, 4140, 4588])


def test_stats_by_any_field(capsys) -> None:
    rows = [json.loads(x) for x in run(capsys, "stats", str(LOGS), "--by", "api_key", "--json")[1].splitlines()]
    assert [(r["group"], r["calls"]) for r in rows[:-1]] == [({"api_key": "team-alpha"}, 10), ({"api_key": HASH_B}, 8)]
    rows = [json.loads(x) for x in run(capsys, "stats", str(LOGS), "--by", "metadata.requester_metadata.tenant", "--json")[1].splitlines()]
    assert {r["group"]["metadata.requester_metadata.tenant"]: r["calls"] for r in rows[:-1]} == {None: 16, "acme": 2}
    rows = [json.loads(x) for x in run(capsys, "stats", str(LOGS), "--by", "provider,finish", "--provider", "anthropic", "--json")[1].splitlines()]
    assert {(r["group"]["provider"], r["group"]["finish"]): r["calls"] for r in rows[:-1]} == {
        ("anthropic", "stop"): 5, ("anthropic", "length"): 1, ("anthropic", "tool_call"): 1, ("anthropic", "error"): 1}


def test_stats_table(capsys) -> None:
    code, out, _ = run(capsys, "stats", str(LOGS), "--provider", "openai")
    lines = out.splitlines()
    assert lines[:4] == [
        "by provider",
        "provider  calls     errors  input  output  cache read  cache write  reasoning         cost  cache hit",
        "openai       10  1 (10.0%)   1556     753        1152            0          ?  $0.00791026      74.0%",
        "(all)        10  1 (10.0%)   1556     753        1152            0          ?  $0.00791026      74.0%",
    ]
    assert lines[5:8] == [
        "provider  first-token p50   p95   p99  generation p50   p95   p99  tok/s p50",
        "openai               1250  4140  4588            1175  4070  4574      38.61",
        "(all)                1250  4140  4588            1175  4070  4574      38.61",
    ]


# --------------------------------------------------------------------------------------------
# terminal behaviour


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_color(Tty()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Tty()) is False
    assert use_color(io.StringIO(), "always") is True
    assert Style(False)("x", "red") == "x" and Style(True)("x", "red") == "\x1b[31mx\x1b[0m"


def test_times_are_local_with_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert local_time(1_755_830_958.25, millis=True) == "2025-08-22 02:49:18.250 UTC"
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    assert local_time(1_755_830_958) == "2025-08-22 11:49:18 JST"


def test_help_shows_examples(capsys) -> None:
    for command in ("logs", "show", "stats"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        out = capsys.readouterr().out
        assert exit_.value.code == 0 and "examples:\n  otel-llmlog " + command in out, command


def test_without_duckdb(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)
    code, out, err = run(capsys, "logs", str(LOGS))
    assert (code, out, err) == (2, "", "otel-llmlog logs needs DuckDB: pip install 'otel-llmlog[logs]'\n")


def console_script() -> list[str]:
    script = Path(sys.executable).with_name("otel-llmlog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "otel_llmlog"]


def test_console_script_piped_plain_text_in_the_local_zone() -> None:
    """The real command, piped (no terminal: no colour), fed on stdin, in another time zone."""
    env = {**os.environ, "TZ": "America/New_York"}
    env.pop("NO_COLOR", None)
    proc = subprocess.run([*console_script(), "logs", "-", "--provider", "openai", "--tokens"], input=(LOGS / "llm-calls.jsonl").read_bytes(),
                          capture_output=True, env=env, timeout=120, check=False)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "\x1b[" not in out
    assert out.splitlines()[1].startswith("2025-08-21 22:40:00 EDT  openai/gpt-4o-mini")
    assert out.splitlines()[-1] == "2 calls (newest first)"
