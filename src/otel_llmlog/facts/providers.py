"""The providers this package knows, described by what any span of theirs says.

A descriptor holds the facts both halves need about a provider: its name in
``gen_ai.provider.name``, the response header carrying its request id, and its finish-reason
table. The instrumentation builds its SDK hooks around a descriptor; the converter looks one up by
the provider name a span carries (ours or another instrumentation's) to normalize finish reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import finish_reasons


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Facts about one provider that hold whoever recorded its calls."""

    #: ``gen_ai.provider.name``
    name: str
    #: response header with the provider's own request id
    request_id_header: str
    #: native finish reason -> the conventions' value
    finish_reasons: Mapping[str, str]

    def normalize(self, native: str) -> str:
        return finish_reasons.normalize(self.finish_reasons, native)


OPENAI = ProviderInfo("openai", "x-request-id", finish_reasons.OPENAI)
ANTHROPIC = ProviderInfo("anthropic", "request-id", finish_reasons.ANTHROPIC)

#: provider name -> descriptor
BY_NAME: Mapping[str, ProviderInfo] = {p.name: p for p in (OPENAI, ANTHROPIC)}


def normalize_finish_reason(provider: str, native: str) -> str:
    """``native`` through the table of ``provider``; a provider without a table keeps its values."""
    info = BY_NAME.get(provider)
    return info.normalize(native) if info is not None else native
