"""Token counts of one call, in the conventions' inclusive sense.

Both halves read this: the instrumentation fills it from a provider's response, the converter from
any instrumentation's span attributes, and the price book prices it. It lives in the leaf so that
neither half imports the other to share it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Usage:
    """Token counts of one call, in the conventions' inclusive sense.

    ``input_tokens`` includes cache reads and cache writes; ``output_tokens`` includes reasoning
    tokens. Providers that report exclusive counts (Anthropic) convert before filling this in.
    ``None`` means "not reported", which is different from 0.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cache_write_5m_tokens: int | None = None
    cache_write_1h_tokens: int | None = None
    reasoning_tokens: int | None = None
    audio_input_tokens: int | None = None
    audio_output_tokens: int | None = None

    def known(self) -> bool:
        return self.input_tokens is not None or self.output_tokens is not None
