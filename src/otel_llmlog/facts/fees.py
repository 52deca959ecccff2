"""The fee items of a call's bill: one list of codes for the price book, the records and the explorer.

Codes follow the gateway generation record this project reproduces (``docs/payload.md``). Amount =
quantity x rate / 1e6 for token items; ``web_search`` counts requests and ``image`` images.
"""

from __future__ import annotations

#: every fee item a generation record's ``nativeFeeTokens`` may list, in the gateway's order.
#: ``input_cache_write`` (no duration) is for providers with a single cache-write price.
FEE_CODES: tuple[str, ...] = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_5_min",
    "input_cache_write_1_h",
    "internal_reasoning",
    "audio",
    "web_search",
    "image",
)

#: fee items a price (from the table or the user's overrides) may give a rate for; cache writes are
#: always priced by their duration here, so the undivided ``input_cache_write`` is never a rate
RATE_CODES: tuple[str, ...] = tuple(code for code in FEE_CODES if code != "input_cache_write")

#: fee items priced per token from a call's usage; the others (``web_search``, ``image``) are
#: billed per use
TOKEN_FEE_CODES: tuple[str, ...] = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write_5_min",
    "input_cache_write_1_h",
    "internal_reasoning",
    "audio",
)
