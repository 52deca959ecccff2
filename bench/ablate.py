#!/usr/bin/env python
"""What parts of otel-llmlog's overhead cost, measured without a profiler's distortion.

    python bench/ablate.py [--quick]

Same harness as ``bench/run.py`` (SimpleSpanProcessor, discarding exporters, one metric reader,
content capture off). Each variant below is the real instrumentation with one piece switched off
or swapped *in this process only* (monkeypatching; the package source is not touched), measured
in interleaved blocks against the same uninstrumented baseline. "saved" is full overhead minus the
variant's overhead: what that piece costs, or what the swap would save.

Variants are cumulative from top to bottom after ``full``, so the last row is what is left.
Per block and variant the median µs per call is taken (as in ``run.py``); the overhead is the
median over blocks of the paired difference to the baseline block.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import warnings
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
from opentelemetry import trace  # noqa: E402

import otel_llmlog  # noqa: E402
from otel_llmlog.instrumentation import call  # noqa: E402
from otel_llmlog.instrumentation.providers import anthropic as p_anthropic  # noqa: E402
from otel_llmlog.instrumentation.providers import openai as p_openai  # noqa: E402

_MISSING = object()


def fast_get(obj: Any, name: str, default: Any = None) -> Any:
    """The provider helper with the common cases first: SDK objects by getattr, dicts by .get.

    The package's ``sdk_objects.read`` once asked ``isinstance(obj, Mapping)`` first, an ABC check that
    every SDK (pydantic) object fails slowly; here that check only runs for objects without the attribute.
    """
    if obj is None:
        return default
    if type(obj) is dict:
        return obj.get(name, default)
    value = getattr(obj, name, _MISSING)
    if value is not _MISSING:
        return value
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return default


def patches(level: int, stack: ExitStack) -> dict[str, Any]:
    """Apply the first ``level`` switches; returns instrument() overrides."""
    kwargs: dict[str, Any] = {}
    if level >= 1:  # metrics off: no histogram records, no counter add
        stack.enter_context(mock.patch.object(call, "record_metrics", lambda *a, **k: None))
    if level >= 2:  # pricing off: no cost attributes
        stack.enter_context(mock.patch("otel_llmlog.facts.pricing.PriceBook.cost", lambda *a, **k: None))
    if level >= 3:  # provider field reads: isinstance(dict) / getattr fast path instead of isinstance(Mapping) first
        stack.enter_context(mock.patch.object(p_openai, "read", fast_get))
        stack.enter_context(mock.patch.object(p_anthropic, "read", fast_get))
    if level >= 4:  # spans: a no-op tracer (non-recording spans), so only our own code is left
        kwargs["tracer_provider"] = trace.NoOpTracerProvider()
    return kwargs


VARIANTS = ["full", "- metrics", "- pricing", "fast read", "no-op tracer (our code + wrapt only)"]


def measure(s: run.Scenario, tel: run.Telemetry, blocks: int, n: int) -> list[tuple[str, float, float | None, float | None]]:
    base: list[float] = []
    per: dict[int, list[float]] = {i: [] for i in range(len(VARIANTS))}
    order = [-1, *range(len(VARIANTS))]
    for b in range(blocks):
        got: dict[int, float] = {}
        gc.collect()
        rotated = order[b % len(order):] + order[: b % len(order)]
        for level in rotated:
            with ExitStack() as stack:
                if level >= 0:
                    kwargs = {"tracer_provider": tel.tp, "meter_provider": tel.mp, "capture_content": False}
                    kwargs.update(patches(level, stack))
                    otel_llmlog.instrument(**kwargs)
                try:
                    s.call()
                    got[level] = run._timed(s.call, n)[0]  # median µs per call of the block
                finally:
                    if level >= 0:
                        otel_llmlog.uninstrument()
        base.append(got[-1])
        for level in per:
            per[level].append(got[level] - got[-1])
    full = statistics.median(per[0])
    rows = [("baseline (uninstrumented), µs per call", statistics.median(base), None, None)]
    previous = full
    for level, name in enumerate(VARIANTS):
        over = statistics.median(per[level])
        rows.append((name, over, previous - over if level else None, full - over if level else None))
        previous = over
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=r"The model .* is deprecated", category=DeprecationWarning)
    scenarios = run.build_scenarios(run.build_bodies())
    tel = run.make_telemetry("simple")
    blocks = 12 if args.quick else 24
    out = ["| scenario | variant (cumulative) | overhead µs | this step saves µs | saved vs full µs |",
           "|---|---|--:|--:|--:|"]
    for s in scenarios:
        n = (5 if args.quick else 25) if "stream" in s.name else (20 if args.quick else 100)
        for name, over, step, saved in measure(s, tel, blocks, n):
            cells = [s.name, name, f"{over:.1f}", "" if step is None else f"{step:.1f}", "" if saved is None else f"{saved:.1f}"]
            line = "| " + " | ".join(cells) + " |"
            out.append(line)
            print(line, flush=True)
    tel.tp.shutdown()
    tel.mp.shutdown()
    run.OUT.mkdir(exist_ok=True)
    (run.OUT / "ablate.md").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
