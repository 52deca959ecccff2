"""The gateway-style generation record of one call from its :class:`~.calls.CallView`.

Amounts are recomputed exactly (``Decimal``) from each fee item's tokens and rate. Field by field:
``docs/payload.md``. The models themselves: :mod:`.models.generation`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ..facts import semconv as sc
from .calls import CallView
from .models.base import format_amount
from .models.generation import GenerationRecord, format_created_at, format_throughput
from .values import int_or_none

__all__ = ["generation_of"]

_MILLION = Decimal(1_000_000)


def _display_name(provider: str, model: str | None) -> str:
    if not model:
        return provider
    try:
        from genai_prices import data_snapshot

        p, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
        return f"{p.name}: {info.name}"
    except Exception:  # noqa: BLE001 - an unknown model keeps its own name
        return model


def generation_of(view: CallView) -> GenerationRecord:
    """The gateway-style generation record of one call."""
    s, a, u = view.span, view.attrs, view.usage
    generation_ms = round((s.end_ns - s.start_ns) / 1e6)
    latency_ms = round(view.ttfc * 1000) if view.ttfc is not None else (None if view.failed else generation_ms)
    model = view.response_model or view.request_model
    items = view.cost.items
    exact = [(i.code, i.tokens, Decimal(str(i.rate)), Decimal(i.tokens) * Decimal(str(i.rate)) / _MILLION) for i in items]
    total = sum((x[3] for x in exact), Decimal(0)) if view.cost.amount is not None else None
    rating = None
    if total is not None:
        rating = {
            "billAmount": float(total), "discountAmount": 0, "originAmount": float(total),
            "priceVersion": view.cost.source or "unknown",
            "ratingDetails": [
                {"billAmount": float(amt), "discountAmount": 0, "feeItemCode": code, "originAmount": float(amt),
                 "rate": int(rate) if rate == rate.to_integral_value() else float(rate)}
                for code, _, rate, amt in exact
            ],
            "serviceCode": f"{view.provider}#{a.get(sc.SERVER_ADDRESS, '')}#{view.provider}/{model}",
        }
    native_tokens = None
    if u.input_tokens is not None or u.output_tokens is not None:
        native_tokens = {
            "completion_tokens": u.output_tokens or 0,
            "prompt_tokens": u.input_tokens or 0,
            "total_tokens": (u.input_tokens or 0) + (u.output_tokens or 0),
            "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens or 0},
            "prompt_tokens_details": {
                "ephemeral_1h_input_tokens": u.cache_write_1h_tokens or 0,
                "ephemeral_5m_input_tokens": u.cache_write_5m_tokens if u.cache_write_5m_tokens is not None
                else (u.cache_write_tokens or 0) - (u.cache_write_1h_tokens or 0),
                "cached_tokens": u.cache_read_tokens or 0,
            },
        }
    return GenerationRecord(
        generationId=s.span_id,
        accountId=None,
        model=_display_name(view.provider, model),
        modelSlug=f"{view.provider}/{model}",
        apiKeyId=a.get(sc.API_KEY_SHA256),
        providerSlug=view.provider,
        createdAt=format_created_at(datetime.fromtimestamp(s.start_ns / 1e9, UTC)),
        generationTime=generation_ms,
        latency=latency_ms,
        moderationLatency=sum(round((g.end_ns - g.start_ns) / 1e6) for g in view.guardrails) if view.guardrails else None,
        streamed=view.stream,
        cancelled=bool(a.get(sc.STREAM_CANCELLED)),
        throughput=format_throughput(u.output_tokens or 0, generation_ms) if not view.failed else None,
        nativeFeeTokens={code: tokens for code, tokens, _, _ in exact},
        nativeTokens=native_tokens,
        finishReason=view.finish_reasons[0] if view.finish_reasons else None,
        nativeFinishReason=view.native_finish_reasons[0] if view.native_finish_reasons else None,
        originAmount=format_amount(total) if total is not None else None,
        billAmount=format_amount(total) if total is not None else None,
        discountAmount="0" if total is not None else None,
        realAmount=format_amount(total) if total is not None else None,
        nonpaymentAmount="0" if total is not None else None,
        ratingResponses=rating,
        requestRetryTimes=int_or_none(a.get(sc.HTTP_RESEND_COUNT)) or 0,
        finalRetry=True,
    )
