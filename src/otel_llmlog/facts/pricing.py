"""Cost of a call: rates per fee item from ``genai-prices``, user overrides, and honest gaps.

Fee items and their codes follow the gateway record this project reproduces (see
``docs/payload.md``): ``prompt`` (uncached input), ``completion``, ``input_cache_read``,
``input_cache_write_5_min``, ``input_cache_write_1_h``, ``internal_reasoning``, ``audio``.
Amount = tokens x rate / 1e6, exact: rates are scaled once per model to integer nano-dollars per
million tokens, so each amount is an exact integer numerator and one division gives the correctly
rounded float, the same as :class:`~decimal.Decimal` arithmetic (which rates with more than nine
decimals still use).

An unknown model gets no cost and a reason, never 0 and never a default price: a made-up
number in a cost dashboard is worse than a visible gap.

Why ``genai-prices``: it is maintained by people who track provider price pages (Pydantic),
carries cache-read, 5-minute and 1-hour cache-write rates, tiers and dated price changes, ships
its data inside the wheel and never touches the network unless asked to.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from .fees import RATE_CODES, TOKEN_FEE_CODES
from .usage import Usage

PRICES_ENV = "OTEL_LLMLOG_PRICES"


_MILLION = Decimal(1_000_000)


class FeeItem(NamedTuple):
    """One line of a call's bill (a tuple: built several times per call, so it is cheap to make)."""

    code: str
    tokens: int
    rate: float  # USD per million tokens
    amount: float  # USD


@dataclass(frozen=True, slots=True)
class Cost:
    """A computed cost (``amount`` set) or the reason there is none (``amount`` None)."""

    amount: float | None
    items: tuple[FeeItem, ...] = ()
    source: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Rates:
    """Rates of one model in USD per million tokens; ``None`` = the model has no such rate.

    ``tiers`` lists (input-token threshold, Rates) pairs for long-context pricing: when a
    call's input tokens exceed the threshold, that tier's rates apply to the whole call.
    """

    prompt: Decimal | None = None
    completion: Decimal | None = None
    input_cache_read: Decimal | None = None
    input_cache_write_5_min: Decimal | None = None
    input_cache_write_1_h: Decimal | None = None
    audio: Decimal | None = None
    internal_reasoning: Decimal | None = None  # None = billed at the completion rate
    tiers: tuple[tuple[int, Rates], ...] = ()

    def for_input(self, input_tokens: int) -> Rates:
        chosen = self
        for threshold, rates in self.tiers:
            if input_tokens > threshold:
                chosen = rates
        return chosen




def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _rate(code: str, value: Any) -> Decimal | None:
    """A user's rate: a non-negative finite number (or None), else a ValueError naming the fee item."""
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal, str)) and not isinstance(value, bool):
        try:
            rate = _dec(value)
        except ArithmeticError:  # decimal.InvalidOperation for text that is no number
            rate = None
        if rate is not None and rate.is_finite() and rate >= 0:
            return rate
    raise ValueError(f"fee item {code!r}: expected a non-negative number of USD per million tokens, got {value!r}")


def rates_from_mapping(values: Mapping[str, Any]) -> Rates:
    """Build rates from a user override: fee code -> USD per million tokens."""
    unknown = set(values) - set(RATE_CODES)
    if unknown:
        raise ValueError(f"unknown fee item(s) {sorted(unknown)}; expected some of {list(RATE_CODES)}")
    per_use = sorted(set(values) - set(TOKEN_FEE_CODES))
    if per_use:
        raise ValueError(f"fee item(s) {per_use} are billed per use, not per token, and cannot be given a rate here")
    return Rates(**{code: _rate(code, v) for code, v in values.items()})


def compute(rates: Rates, usage: Usage, source: str) -> Cost:
    """Split usage into fee items and price each one.

    A token kind the model has no rate for stays inside its parent bucket (a cache write
    without a write rate is billed as prompt), the same rule ``genai-prices`` applies.
    """
    return _Plan(rates).cost(usage, source)


#: rates are USD per million tokens; scaled to integer nano-dollars per million tokens, every
#: amount is an exact integer numerator, and one int/int division gives the correctly rounded
#: float - the same float as the exact Decimal result, at a fraction of the cost per call
_NANO_PER_MILLION = 10**15

#: a fee item's rate as (nano-dollars per million tokens, USD per million tokens as a float)
_Scaled = tuple[int, float]
_FREE: _Scaled = (0, 0.0)


def _scale(rate: Decimal | None) -> _Scaled | None:
    if rate is None:
        return None
    nano = rate * 1_000_000_000
    if nano != nano.to_integral_value():
        raise ArithmeticError("more than nine decimals")
    return int(nano), float(rate)


class _Plan:
    """One model's :class:`Rates`, scaled once, so pricing a call is a few integer multiplications.

    Rates with more than nine decimals (no table entry has them; an override might) cannot be
    scaled exactly; those calls are priced in :class:`~decimal.Decimal` instead.
    """

    __slots__ = ("rates", "scaled", "tiers")

    def __init__(self, rates: Rates) -> None:
        self.rates = rates
        self.tiers = tuple((threshold, _Plan(tier)) for threshold, tier in rates.tiers)
        try:
            self.scaled: tuple[_Scaled | None, ...] | None = tuple(_scale(rate) for rate in _rate_fields(rates))
        except ArithmeticError:
            self.scaled = None

    def cost(self, usage: Usage, source: str) -> Cost:
        total_in = usage.input_tokens or 0
        plan = self
        for threshold, tier in self.tiers:
            if total_in > threshold:
                plan = tier
        r = plan.rates
        if r.prompt is None and r.completion is None:
            return Cost(None, reason="the price entry has neither an input nor an output rate")
        if plan.scaled is None:
            return _compute_decimal(_fee_items(_rate_fields(r), Decimal(0), usage), source)
        fee_items = []
        total = 0
        for code, tokens, (nano, rate) in _fee_items(plan.scaled, _FREE, usage):
            amount = tokens * nano
            total += amount
            fee_items.append(FeeItem(code, tokens, rate, amount / _NANO_PER_MILLION))
        return Cost(total / _NANO_PER_MILLION, tuple(fee_items), source)


def _rate_fields(r: Rates) -> tuple[Decimal | None, ...]:
    """The rates :func:`_fee_items` reads, in its order."""
    return (r.prompt, r.completion, r.input_cache_read, r.input_cache_write_5_min, r.input_cache_write_1_h, r.audio,
            r.internal_reasoning)


def _fee_items(rates: tuple[Any, ...], zero: Any, usage: Usage) -> list[tuple[str, int, Any]]:
    """(code, tokens, rate) per fee item, for rates in :func:`_rate_fields` order (Decimal or scaled)."""
    prompt_rate, completion_rate, read_rate, write_5m_rate, write_1h_rate, audio_rate, reasoning_rate = rates
    prompt = usage.input_tokens or 0
    items: list[tuple[str, int, Any]] = [("prompt", 0, zero)]
    if read_rate is not None:
        read = usage.cache_read_tokens or 0
        items.append(("input_cache_read", read, read_rate))
        prompt -= read
    if write_5m_rate is not None:
        write = usage.cache_write_tokens
        if write is None:  # only the TTL split was reported
            write = (usage.cache_write_5m_tokens or 0) + (usage.cache_write_1h_tokens or 0)
        w1h = (usage.cache_write_1h_tokens or 0) if write_1h_rate is not None else 0
        items.append(("input_cache_write_5_min", write - w1h, write_5m_rate))
        if write_1h_rate is not None:
            items.append(("input_cache_write_1_h", w1h, write_1h_rate))
        prompt -= write
    audio = usage.audio_input_tokens or 0
    if audio and audio_rate is not None:
        items.append(("audio", audio, audio_rate))
        prompt -= audio
    items[0] = ("prompt", max(prompt, 0), zero if prompt_rate is None else prompt_rate)
    if completion_rate is not None:
        out = usage.output_tokens or 0
        reasoning = usage.reasoning_tokens or 0
        if reasoning:
            items.append(("completion", out - reasoning, completion_rate))
            items.append(("internal_reasoning", reasoning, completion_rate if reasoning_rate is None else reasoning_rate))
        else:
            items.append(("completion", out, completion_rate))
    return items


def _compute_decimal(items: list[tuple[str, int, Decimal]], source: str) -> Cost:
    fee_items = []
    total = Decimal(0)
    for code, tokens, rate in items:
        amount = tokens * rate / _MILLION
        total += amount
        fee_items.append(FeeItem(code, tokens, float(rate), float(amount)))
    return Cost(float(total), tuple(fee_items), source)


_NO_USAGE = Cost(None, reason="the response reported no token usage")
_NO_MODEL = Cost(None, reason="the call named no model")


class PriceBook:
    """Looks up rates per (provider, model), overrides first, and caches both hits and misses.

    Lookups are cached per UTC day, so a dated price change in the table takes effect without
    a restart while the hot path does one dict lookup.
    """

    def __init__(self, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.overrides: dict[str, Rates] = {}
        for model, values in (overrides or {}).items():
            try:
                self.overrides[model] = rates_from_mapping(values)
            except ValueError as exc:
                raise ValueError(f"prices for {model!r}: {exc}") from None
        self._cache: dict[tuple[str, str, tuple[tuple[str, str], ...], int], Rates | str] = {}
        #: (provider, response model, request model, context) -> (day, plan, source) or (day, None, Cost)
        self._decided: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._table_source: str | None = None

    @classmethod
    def from_settings(cls, prices: Mapping[str, Mapping[str, Any]] | str | os.PathLike[str] | None) -> PriceBook:
        """``prices`` may be a mapping, a path to a JSON/TOML file, or None (then ``OTEL_LLMLOG_PRICES``)."""
        if prices is None:
            env = os.environ.get(PRICES_ENV, "").strip()
            prices = env or None
        if prices is None or isinstance(prices, Mapping):
            return cls(prices)
        return cls(load_price_file(prices))

    def cost(
        self,
        provider: str,
        response_model: str | None,
        request_model: str | None,
        usage: Usage,
        context: Mapping[str, str] | None = None,
    ) -> Cost:
        """Price ``usage`` for the answering model (falling back to the requested one).

        ``context`` carries price-relevant facts of the response, such as OpenAI's
        ``service_tier`` (``flex`` is billed at about half the default rates).

        Which rates apply to a (provider, models, context) is decided once per UTC day and
        kept, so a call pays for a dict lookup and the arithmetic.
        """
        if usage.input_tokens is None and usage.output_tokens is None:
            return _NO_USAGE
        if not context:
            frozen: tuple[tuple[str, str], ...] = ()
        elif len(context) == 1:
            frozen = tuple(context.items())
        else:
            frozen = tuple(sorted(context.items()))
        key = (provider, response_model, request_model, frozen)
        day = int(time.time() // 86400)
        found = self._decided.get(key)
        if found is None or found[0] != day:
            if len(self._decided) > 4096:
                self._decided.clear()
            found = self._decided[key] = (day, *self._decide(provider, response_model, request_model, context))
        plan = found[1]
        return found[2] if plan is None else plan.cost(usage, found[2])

    def _decide(
        self, provider: str, response_model: str | None, request_model: str | None, context: Mapping[str, str] | None
    ) -> tuple[_Plan, str] | tuple[None, Cost]:
        """(plan, source) of the rates that price a call, or (None, the Cost that says why there are none)."""
        tried: list[str] = []
        for model in (response_model, request_model):
            if model and model not in tried:
                tried.append(model)
        # An override for either name wins over the table: a user who priced "gpt-4o-mini" means the
        # call that asked for it, even though the response names the dated "gpt-4o-mini-2024-07-18".
        for model in tried:
            override = self._override(provider, model)
            if override is not None:
                return _Plan(override), "override"
        for model in tried:
            found = self.rates(provider, model, context)
            if isinstance(found, Rates):
                return _Plan(found), self.table_source
        if not tried:
            return None, _NO_MODEL
        return None, Cost(None, reason=f"no price known for model {' / '.join(map(repr, tried))} of provider {provider!r} in {self.table_source}")

    def rates(self, provider: str, model: str, context: Mapping[str, str] | None = None) -> Rates | str:
        """Rates for a model, or a string saying why there are none."""
        override = self._override(provider, model)
        if override is not None:
            return override
        frozen = tuple(sorted(context.items())) if context else ()
        key = (provider, model, frozen, int(time.time() // 86400))
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            found = self._cache[key] = _table_rates(provider, model, dict(frozen) or None)
        return found

    def _override(self, provider: str, model: str) -> Rates | None:
        """The user's rates for a model; ``provider/model`` is more specific than ``model``."""
        found = self.overrides.get(f"{provider}/{model}")
        return self.overrides.get(model) if found is None else found

    @property
    def table_source(self) -> str:
        if self._table_source is None:
            from genai_prices import __version__

            self._table_source = f"genai-prices {__version__}"
        return self._table_source


def _table_rates(provider: str, model: str, context: dict[str, str] | None) -> Rates | str:
    from genai_prices import data_snapshot
    from genai_prices.types import TieredPrices

    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    except LookupError as exc:
        return str(exc)
    price = info.get_prices(datetime.now(UTC), price_context=context)

    def rate(key: str, threshold: int | None) -> Decimal | None:
        value = getattr(price, key, None)
        if isinstance(value, TieredPrices):
            chosen = value.base
            if threshold is not None:
                for tier in value.tiers:
                    if threshold >= tier.start:
                        chosen = tier.price
            return chosen
        return value

    def rates_at(threshold: int | None) -> Rates:
        return Rates(
            prompt=rate("input_mtok", threshold),
            completion=rate("output_mtok", threshold),
            input_cache_read=rate("cache_read_mtok", threshold),
            input_cache_write_5_min=rate("cache_write_mtok", threshold),
            input_cache_write_1_h=rate("cache_write_1h_mtok", threshold),
            audio=rate("input_audio_mtok", threshold),
        )

    starts = sorted(
        {t.start for key in ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")
         if isinstance(getattr(price, key, None), TieredPrices) for t in getattr(price, key).tiers}
    )
    base = rates_at(None)
    if not starts:
        return base
    return Rates(**{f: getattr(base, f) for f in ("prompt", "completion", "input_cache_read", "input_cache_write_5_min",
                                                   "input_cache_write_1_h", "audio")},
                 tiers=tuple((s, rates_at(s)) for s in starts))


def load_price_file(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read overrides from JSON or TOML: ``{"model": {"prompt": 3, "completion": 15, ...}}``."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".toml":
        import tomllib

        data = tomllib.loads(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{p}: expected a table of model -> {{fee item: rate per million tokens}}")
    return data
