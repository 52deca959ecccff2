"""Anthropic streaming with prompt caching: the first call writes the cache, the second reads it.

    python examples/anthropic_streaming_cache.py

With ANTHROPIC_API_KEY set this calls the real API; without it, the built-in stand-in replays the
two recorded streams. Each span counts input tokens inclusive of the cache (Anthropic reports them
apart), splits out cache writes and reads, and prices each at its own rate.
"""

from __future__ import annotations

import os

from _support import anthropic_client, replaying, report, setup

spans = setup("anthropic-streaming-cache")  # in your code: otel_llmlog.instrument() after setting up OpenTelemetry

# The stand-in replays two streams recorded with claude-sonnet-4-20250514; for the real API pick a current model.
MODEL = "claude-sonnet-4-20250514" if replaying("ANTHROPIC_API_KEY") else os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4-6")
# A system prompt long enough to be cached (Claude Sonnet caches from 1 024 tokens up).
GUIDE = "Software engineering best practices guide: " + "goodbye " * 1024
SYSTEM = [{"type": "text", "text": GUIDE, "cache_control": {"type": "ephemeral"}}]


def ask(question: str, case: str) -> str:
    client = anthropic_client(case=case)
    with client.messages.stream(
        model=MODEL, max_tokens=100, system=SYSTEM,
        messages=[{"role": "user", "content": question}],
    ) as stream:
        return "".join(stream.text_stream)


first = ask("What are the key principles for designing scalable systems?", "messages_streaming_prompt_cache_write")
print("first answer:", first[:70].replace("\n", " "), "...")
second = ask("What is a system", "messages_streaming_prompt_cache_read")
print("second answer:", second[:70].replace("\n", " "), "...")

report(spans)
