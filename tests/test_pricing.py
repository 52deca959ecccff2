"""Cost: fee items, rates from genai-prices, overrides, and honest gaps.

Expected amounts are worked out by hand from the per-million-token rates (genai-prices 0.2.3)
and written as literals: amount = tokens x rate / 1e6, exact to the micro-dollar.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import genai_prices
import pytest

import otel_llmlog
from otel_llmlog.facts.pricing import PRICES_ENV, Cost, FeeItem, PriceBook, Rates, compute
from otel_llmlog.facts.usage import Usage

from .conftest import Tracing, load_case

TABLE = f"genai-prices {genai_prices.__version__}"
CLAUDE_SONNET_4 = "claude-sonnet-4-20250514"  # prompt 3, cache read 0.3, write 5m 3.75, write 1h 6, completion 15


def test_table_is_the_one_the_expected_values_were_worked_out_from() -> None:
    assert genai_prices.__version__ == "0.2.3"


def test_gateway_example() -> None:
    # DESIGN: 16 527 prompt tokens at 3 -> 0.049581; 95 completion tokens at 15 -> 0.001425; total 0.051006
    cost = PriceBook().cost("anthropic", CLAUDE_SONNET_4, None, Usage(input_tokens=16527, output_tokens=95))
    assert cost == Cost(
        0.051006,
        (
            FeeItem("prompt", 16527, 3.0, 0.049581),
            FeeItem("input_cache_read", 0, 0.3, 0.0),
            FeeItem("input_cache_write_5_min", 0, 3.75, 0.0),
            FeeItem("input_cache_write_1_h", 0, 6.0, 0.0),
            FeeItem("completion", 95, 15.0, 0.001425),
        ),
        TABLE,
    )


def test_cache_write_split_priced_at_its_own_rates() -> None:
    usage = Usage(input_tokens=10000, output_tokens=100, cache_read_tokens=4000,
                  cache_write_tokens=3000, cache_write_5m_tokens=1000, cache_write_1h_tokens=2000)
    cost = PriceBook().cost("anthropic", CLAUDE_SONNET_4, None, usage)
    assert cost == Cost(
        0.02745,  # 0.009 + 0.0012 + 0.00375 + 0.012 + 0.0015
        (
            FeeItem("prompt", 3000, 3.0, 0.009),  # 10000 - 4000 read - 3000 written
            FeeItem("input_cache_read", 4000, 0.3, 0.0012),
            FeeItem("input_cache_write_5_min", 1000, 3.75, 0.00375),
            FeeItem("input_cache_write_1_h", 2000, 6.0, 0.012),
            FeeItem("completion", 100, 15.0, 0.0015),
        ),
        TABLE,
    )


def test_cache_write_split_without_a_total() -> None:
    # a provider that reports only the TTL split: the writes are their sum, never a negative 5m bucket
    usage = Usage(input_tokens=3100, output_tokens=0, cache_write_5m_tokens=1000, cache_write_1h_tokens=2000)
    cost = PriceBook().cost("anthropic", CLAUDE_SONNET_4, None, usage)
    assert cost.items == (
        FeeItem("prompt", 100, 3.0, 0.0003),
        FeeItem("input_cache_read", 0, 0.3, 0.0),
        FeeItem("input_cache_write_5_min", 1000, 3.75, 0.00375),
        FeeItem("input_cache_write_1_h", 2000, 6.0, 0.012),
        FeeItem("completion", 0, 15.0, 0.0),
    )
    assert cost.amount == 0.01605


def test_kinds_without_a_rate_stay_in_their_parent_bucket() -> None:
    # no cache-read rate: reads are billed as prompt; no 1-hour rate: all writes at the 5-minute rate
    rates = Rates(prompt=Decimal(3), completion=Decimal(15), input_cache_write_5_min=Decimal("3.75"))
    usage = Usage(input_tokens=10000, output_tokens=100, cache_read_tokens=4000,
                  cache_write_tokens=3000, cache_write_5m_tokens=1000, cache_write_1h_tokens=2000)
    assert compute(rates, usage, "override") == Cost(
        0.03375,
        (
            FeeItem("prompt", 7000, 3.0, 0.021),
            FeeItem("input_cache_write_5_min", 3000, 3.75, 0.01125),
            FeeItem("completion", 100, 15.0, 0.0015),
        ),
        "override",
    )


def test_cache_read() -> None:
    usage = Usage(input_tokens=5000, output_tokens=10, cache_read_tokens=4500)
    cost = PriceBook().cost("anthropic", CLAUDE_SONNET_4, None, usage)
    assert cost.amount == 0.003  # 500 x 3 + 4500 x 0.3 + 10 x 15 = 1500 + 1350 + 150 micro-dollars
    assert [(f.code, f.tokens, f.amount) for f in cost.items] == [
        ("prompt", 500, 0.0015),
        ("input_cache_read", 4500, 0.00135),
        ("input_cache_write_5_min", 0, 0.0),
        ("input_cache_write_1_h", 0, 0.0),
        ("completion", 10, 0.00015),
    ]


def test_reasoning_split_into_completion_and_internal_reasoning() -> None:
    usage = Usage(input_tokens=11, output_tokens=228, cache_read_tokens=0, reasoning_tokens=192)
    cost = PriceBook().cost("openai", "gpt-5-nano-2025-08-07", "gpt-5-nano", usage)
    assert cost == Cost(
        9.175e-05,  # 11 x 0.05 + 36 x 0.4 + 192 x 0.4 = 0.55 + 14.4 + 76.8 micro-dollars
        (
            FeeItem("prompt", 11, 0.05, 5.5e-07),
            FeeItem("input_cache_read", 0, 0.005, 0.0),
            FeeItem("completion", 36, 0.4, 1.44e-05),
            FeeItem("internal_reasoning", 192, 0.4, 7.68e-05),
        ),
        TABLE,
    )


def test_internal_reasoning_override_is_used() -> None:
    book = PriceBook({"thinker": {"prompt": 1, "completion": 2, "internal_reasoning": 5}})
    cost = book.cost("openai", "thinker", None, Usage(input_tokens=10, output_tokens=30, reasoning_tokens=20))
    assert cost.items == (
        FeeItem("prompt", 10, 1.0, 1e-05),
        FeeItem("completion", 10, 2.0, 2e-05),
        FeeItem("internal_reasoning", 20, 5.0, 0.0001),
    )
    assert cost.amount == 0.00013


@pytest.mark.parametrize(
    ("input_tokens", "expected"),
    [
        (200000, (0.615, [("prompt", 3.0, 0.6), ("input_cache_read", 0.3, 0.0), ("input_cache_write_5_min", 3.75, 0.0),
                          ("input_cache_write_1_h", 6.0, 0.0), ("completion", 15.0, 0.015)])),
        # one token past 200k: the long-context tier applies to the whole call
        (200001, (1.222506, [("prompt", 6.0, 1.200006), ("input_cache_read", 0.6, 0.0), ("input_cache_write_5_min", 7.5, 0.0),
                             ("input_cache_write_1_h", 12.0, 0.0), ("completion", 22.5, 0.0225)])),
    ],
)
def test_tiered_long_context(input_tokens: int, expected: tuple[float, list[tuple[str, float, float]]]) -> None:
    cost = PriceBook().cost("anthropic", "claude-sonnet-4-5", None, Usage(input_tokens=input_tokens, output_tokens=1000))
    assert (cost.amount, [(f.code, f.rate, f.amount) for f in cost.items]) == expected
    assert cost.source == TABLE


# --- honest gaps ---


def test_unknown_model() -> None:
    cost = PriceBook().cost("openai", "my-private-model", "my-private-model", Usage(input_tokens=12, output_tokens=5))
    assert cost == Cost(None, (), "", f"no price known for model 'my-private-model' of provider 'openai' in {TABLE}")


def test_unknown_model_names_both_tried() -> None:
    cost = PriceBook().cost("openai", "my-model-2025-01-01", "my-model", Usage(input_tokens=12, output_tokens=5))
    assert cost.amount is None
    assert cost.reason == f"no price known for model 'my-model-2025-01-01' / 'my-model' of provider 'openai' in {TABLE}"


def test_no_usage() -> None:
    assert PriceBook().cost("openai", "gpt-4o-mini", "gpt-4o-mini", Usage()) == Cost(
        None, reason="the response reported no token usage"
    )


def test_no_model() -> None:
    assert PriceBook().cost("openai", None, None, Usage(input_tokens=1)) == Cost(None, reason="the call named no model")


def test_override_without_rates() -> None:
    cost = PriceBook({"empty": {}}).cost("openai", "empty", None, Usage(input_tokens=1, output_tokens=1))
    assert cost == Cost(None, reason="the price entry has neither an input nor an output rate")


# --- overrides ---

USAGE_12_5 = Usage(input_tokens=12, output_tokens=5)
OVERRIDDEN = Cost(2.2e-05, (FeeItem("prompt", 12, 1.0, 1.2e-05), FeeItem("completion", 5, 2.0, 1e-05)), "override")


def test_override_dict_wins_over_the_table() -> None:
    book = PriceBook({"gpt-4o-mini": {"prompt": 1, "completion": 2}})
    assert book.cost("openai", "gpt-4o-mini", None, USAGE_12_5) == OVERRIDDEN


def test_override_of_the_requested_model_wins_over_the_table_entry_of_the_answering_one() -> None:
    # the response names a dated snapshot the table knows; the user priced the name they asked for
    book = PriceBook({"gpt-4o-mini": {"prompt": 1, "completion": 2}})
    assert book.cost("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", USAGE_12_5) == OVERRIDDEN
    assert PriceBook().cost("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", USAGE_12_5).amount == 4.8e-06


def test_provider_qualified_override_is_more_specific() -> None:
    book = PriceBook({"gpt-4o-mini": {"prompt": 100, "completion": 100}, "openai/gpt-4o-mini": {"prompt": 1, "completion": 2}})
    assert book.cost("openai", "gpt-4o-mini", None, USAGE_12_5) == OVERRIDDEN
    assert book.cost("azure", "gpt-4o-mini", None, USAGE_12_5).amount == 0.0017  # 17 tokens x 100


def test_override_json_file_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"gpt-4o-mini": {"prompt": 1, "completion": 2}}))
    monkeypatch.setenv(PRICES_ENV, str(path))
    assert PriceBook.from_settings(None).cost("openai", "gpt-4o-mini", None, USAGE_12_5) == OVERRIDDEN


def test_override_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRICES_ENV, raising=False)
    path = tmp_path / "prices.toml"
    path.write_text('["gpt-4o-mini"]\nprompt = 1\ncompletion = 2.0\n\n["openai/my-model"]\nprompt = 0.15\n')
    book = PriceBook.from_settings(path)
    assert book.cost("openai", "gpt-4o-mini", None, USAGE_12_5) == OVERRIDDEN
    assert book.cost("openai", "my-model", None, Usage(input_tokens=1000)) == Cost(
        0.00015, (FeeItem("prompt", 1000, 0.15, 0.00015),), "override"
    )


def test_no_env_no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRICES_ENV, raising=False)
    assert PriceBook.from_settings(None).cost("openai", "gpt-4o-mini", None, USAGE_12_5).source == TABLE


def test_unknown_fee_code_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"prices for 'gpt-4o-mini': unknown fee item\(s\) \['cache_hits'\]"):
        PriceBook({"gpt-4o-mini": {"prompt": 1, "cache_hits": 2}})
    path = tmp_path / "prices.toml"
    path.write_text('[m]\noutput = 2\n')
    with pytest.raises(ValueError, match=r"unknown fee item\(s\) \['output'\]"):
        PriceBook.from_settings(path)


def test_instrument_refuses_an_unknown_fee_code() -> None:
    try:
        with pytest.raises(ValueError, match="cache_hits"):
            otel_llmlog.instrument(prices={"gpt-4o-mini": {"cache_hits": 2}})
    finally:
        otel_llmlog.uninstrument()  # only matters when it did not raise: keep later tests clean


@pytest.mark.parametrize("value", ["cheap", True, -1, float("nan"), [1]])
def test_override_rate_must_be_a_number(value: Any) -> None:
    with pytest.raises(ValueError, match=r"prices for 'm': fee item 'prompt': expected a non-negative number"):
        PriceBook({"m": {"prompt": value}})


def test_override_of_a_per_use_fee_is_refused() -> None:
    # web_search / image are fee items of the record, but no usage here counts them: a rate would never apply
    with pytest.raises(ValueError, match=r"\['web_search'\] are billed per use"):
        PriceBook({"m": {"prompt": 1, "web_search": 10}})


# --- end to end ---


def test_override_end_to_end(openai_client: Any) -> None:
    tracing = Tracing(capture=False, prices={"gpt-4o-mini": {"prompt": 1, "completion": 2}})
    try:
        body = load_case("openai", "chat_completion_basic")["request"]["body"]
        openai_client("chat_completion_basic").chat.completions.create(**body)
        attrs = tracing.one().attributes
    finally:
        tracing.close()
    assert attrs["gen_ai.usage.cost.amount"] == float(Decimal("0.000022")) == 2.2e-05  # 12 x 1 + 5 x 2 micro-dollars
    assert attrs["gen_ai.usage.cost.currency"] == "USD"
    assert attrs["gen_ai.usage.cost.source"] == "local"
    assert attrs["llmlog.cost.price_source"] == "override"
    assert attrs["llmlog.cost.fee_items"] == ("prompt", "completion")
    assert attrs["llmlog.cost.fee_tokens"] == (12, 5)
    assert attrs["llmlog.cost.fee_rates"] == (1.0, 2.0)
    assert attrs["llmlog.cost.fee_amounts"] == (1.2e-05, 1e-05)
    assert "llmlog.cost.unknown_reason" not in attrs


def test_unpriced_request_model_is_priced_by_the_answering_model(openai_client: Any) -> None:
    # The stand-in serves the case whatever model is asked for, and the recorded answer names
    # gpt-4o-mini-2024-07-18, which the table prices: so an end-to-end call cannot produce an
    # unknown model. What it can show is the order: the answering model is priced first, the
    # requested name is only the fallback. The unknown-model reason is covered with PriceBook
    # directly (test_unknown_model).
    tracing = Tracing(capture=False, prices={"some-other-model": {"prompt": 1000, "completion": 1000}})
    try:
        body = {**load_case("openai", "chat_completion_basic")["request"]["body"], "model": "my-private-model"}
        openai_client("chat_completion_basic").chat.completions.create(**body)
        attrs = tracing.one().attributes
    finally:
        tracing.close()
    assert attrs["gen_ai.request.model"] == "my-private-model"
    assert attrs["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attrs["gen_ai.usage.cost.amount"] == 4.8e-06  # 12 x 0.15 + 5 x 0.6 micro-dollars
    assert attrs["llmlog.cost.price_source"] == TABLE
    assert "llmlog.cost.unknown_reason" not in attrs
