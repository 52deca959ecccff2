#!/usr/bin/env python
"""Where otel-llmlog's overhead goes, on one scenario of ``bench/run.py``.

    python bench/profile_overhead.py [--scenario "openai stream"] [--content] [--profiler cprofile|pyinstrument]

Runs the scenario instrumented (SimpleSpanProcessor with a discarding exporter, a MeterProvider
with one reader, as in ``run.py``) under a profiler and attributes time to otel-llmlog functions:
each function's own time plus everything it calls outside the package, except the SDK work the
hooks only pass through (the wrapped ``request`` / ``_process_response``, the stream's own
generators, and the SDK's closing of the HTTP response): that is the baseline, not ours.

``cprofile`` (stdlib, deterministic) charges every Python call a fixed cost, so helpers called
hundreds of times per request look bigger than they are; ``pyinstrument`` (``pip install
pyinstrument``; sampling every 100 µs) does not. Shares are of the attributed total; read
``run.py`` for absolute numbers.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402

import otel_llmlog  # noqa: E402


def ours(path: str) -> bool:
    return "/otel_llmlog/" in path


def baseline(path: str, name: str) -> bool:
    """SDK work that runs inside our hooks but is the caller's own (it runs uninstrumented too)."""
    p = Path(path)
    if "openai" in p.parts or "anthropic" in p.parts:
        return p.name == "_streaming.py" or (p.name == "_base_client.py" and name in ("request", "_process_response"))
    if "httpx2" in p.parts:
        return name in ("close", "iter_bytes", "iter_raw", "read")
    return False


def label(path: str, line: int | None, name: str) -> str:
    if not path or path == "~":
        return name
    parts = Path(path).parts
    for root in ("otel_llmlog", "opentelemetry", "openai", "anthropic", "httpx2", "genai_prices", "wrapt", "pydantic"):
        if root in parts:
            return f"{'/'.join(parts[parts.index(root):])}:{line}({name})"
    return f"{Path(path).name}:{line}({name})"


Key = tuple[str, int | None, str]  # path, line, function


def attribute_cprofile(profiler) -> tuple[dict[Key, float], dict[tuple[Key, Key | None], float], float]:
    import pstats

    stats = pstats.Stats(profiler).stats  # func -> (cc, nc, tt, ct, callers{caller: (cc, nc, tt, ct)})
    by_func: dict[Key, float] = defaultdict(float)
    by_edge: dict[tuple[Key, Key | None], float] = defaultdict(float)
    for func, (_, _, tt, _, callers) in stats.items():
        if ours(func[0]):
            by_func[func] += tt
            by_edge[(func, None)] += tt
        for caller, (_, _, _, ct) in callers.items():
            if ours(caller[0]) and not ours(func[0]) and not baseline(func[0], func[2]):
                by_func[caller] += ct
                by_edge[(caller, func)] += ct
    total_run = sum(tt for (_, _, tt, _, _) in stats.values())
    return by_func, by_edge, total_run


def attribute_pyinstrument(session) -> tuple[dict[Key, float], dict[tuple[Key, Key | None], float], float]:
    by_func: dict[Key, float] = defaultdict(float)
    by_edge: dict[tuple[Key, Key | None], float] = defaultdict(float)
    root = session.root_frame(trim_stem=False)

    def walk(frame, target: Key | None, callee: Key | None) -> None:
        path = frame.file_path or ""
        key = (path, frame.line_no, frame.function)
        if frame.is_synthetic:  # "[self]": time of the parent frame itself
            pass
        elif ours(path):
            target, callee = key, None
        elif baseline(path, frame.function):
            target, callee = None, None
        elif target is not None and callee is None:
            callee = key
        self_time = frame.time - sum(c.time for c in frame.children)
        if target is not None:
            by_func[target] += self_time
            by_edge[(target, callee)] += self_time
        for child in frame.children:
            walk(child, target, callee)

    sys.setrecursionlimit(10_000)
    walk(root, None, None)
    return by_func, by_edge, root.time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="openai stream")
    parser.add_argument("--content", action="store_true", help="content capture on")
    parser.add_argument("--profiler", choices=("cprofile", "pyinstrument"), default="cprofile")
    parser.add_argument("--calls", type=int, default=0, help="default: 400 (cprofile), 1500 (pyinstrument)")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    calls = args.calls or (400 if args.profiler == "cprofile" else 1500)
    warnings.filterwarnings("ignore", message=r"The model .* is deprecated", category=DeprecationWarning)

    scenario = {s.name: s for s in run.build_scenarios(run.build_bodies())}[args.scenario]
    tel = run.make_telemetry("simple")
    otel_llmlog.instrument(tracer_provider=tel.tp, meter_provider=tel.mp, capture_content=args.content)
    for _ in range(50):
        scenario.call()
    if args.profiler == "cprofile":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            scenario.call()
        profiler.disable()
        by_func, by_edge, total_run = attribute_cprofile(profiler)
    else:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
        profiler.start()
        for _ in range(calls):
            scenario.call()
        session = profiler.stop()
        by_func, by_edge, total_run = attribute_pyinstrument(session)
    otel_llmlog.uninstrument()
    tel.tp.shutdown()
    tel.mp.shutdown()

    total = sum(by_func.values())
    print(f"{args.profiler}: scenario {args.scenario!r}, content {'on' if args.content else 'off'}, {calls} calls")
    print(f"profiled time per call {total_run / calls * 1e6:.0f} µs, of it attributed to otel_llmlog "
          f"{total / calls * 1e6:.0f} µs ({total / total_run:.1%})\n")
    print("top otel_llmlog functions (own time + what they call outside the package):")
    for func, t in sorted(by_func.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {t / total:6.1%}  {t / calls * 1e6:7.1f} µs/call  {label(*func)}")
    print("\ntop edges (otel_llmlog function -> where its time goes):")
    for (caller, callee), t in sorted(by_edge.items(), key=lambda kv: -kv[1])[: args.top + 8]:
        target = "own code" if callee is None else label(*callee)
        print(f"  {t / total:6.1%}  {t / calls * 1e6:7.1f} µs/call  {label(*caller)} -> {target}")


if __name__ == "__main__":
    main()
