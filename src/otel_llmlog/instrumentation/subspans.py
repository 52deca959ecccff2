"""Guardrail checks and vector-store searches as spans of their own, inside a request group.

They are not LLM calls, so they carry no tokens or cost; what they carry is what the standard
record's guardrail and vector-store entries need (mode, status, request/response, masked entity
counts, start/end; store id, query, results). Request and response content is recorded only
when content capture is on. Which LLM call each one belongs to is decided later by the
attachment rule in ``docs/attachment.md``, from parentage and time alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from opentelemetry.trace import SpanKind

from ..facts import semconv as sc
from .groups import _Scoped, capture_enabled

GuardrailMode = Literal["pre_call", "during_call", "post_call", "logging_only"]
_TARGET = {"pre_call": "llm_input", "during_call": "llm_input", "post_call": "llm_output"}


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


class Guardrail(_Scoped):
    """One guardrail check; see :func:`guardrail`. Set its outcome with :meth:`set_result`."""

    def __init__(self, name: str, mode: GuardrailMode | list[GuardrailMode], provider: str | None) -> None:
        super().__init__()
        self.name = name
        self.mode = mode
        self.provider = provider
        self._result: dict[str, Any] = {}

    def _fresh(self) -> Guardrail:
        clone = super()._fresh()
        clone._result = {}
        return clone  # type: ignore[return-value]

    def _span_name(self) -> str:
        return f"apply_guardrail {self.name}"

    def _start_attributes(self) -> dict[str, Any]:
        modes = self.mode if isinstance(self.mode, list) else [self.mode]
        attrs: dict[str, Any] = {
            sc.OPERATION_NAME: "apply_guardrail",
            sc.GUARDRAIL_NAME: self.name,
            sc.GUARDRAIL_MODE: ",".join(modes),
        }
        target = _TARGET.get(modes[0])
        if target:
            attrs[sc.GUARDRAIL_TARGET_TYPE] = target
        if self.provider:
            attrs[sc.PROVIDER_NAME] = self.provider
        return attrs

    def set_result(
        self,
        *,
        passed: bool = True,
        verdict: Literal["allow", "deny", "modify"] | None = None,
        reason: str | None = None,
        request: Any = None,
        response: Any = None,
        masked_entity_count: Mapping[str, int] | None = None,
        risk_category: str | None = None,
        risk_score: float | None = None,
    ) -> None:
        """Record the outcome. ``passed=False`` (or ``verdict="deny"``) makes the status ``failure``."""
        self._result = {
            "passed": passed and verdict != "deny",
            "verdict": verdict or ("allow" if passed else "deny"),
            "reason": reason,
            "request": request,
            "response": response,
            "masked": dict(masked_entity_count or {}),
            "risk_category": risk_category,
            "risk_score": risk_score,
        }

    def _end_attributes(self, error: BaseException | None) -> dict[str, Any]:
        r = self._result
        passed = error is None and r.get("passed", True)
        attrs: dict[str, Any] = {sc.GUARDRAIL_STATUS: "success" if passed else "failure"}
        verdict = r.get("verdict") or ("allow" if passed else None)
        if verdict:
            attrs[sc.GUARDRAIL_VERDICT_TYPE] = verdict
            if verdict == "modify":
                attrs[sc.GUARDRAIL_CONTENT_MODIFIED] = True
        if r.get("reason"):
            attrs[sc.GUARDRAIL_VERDICT_REASON] = r["reason"]
        if r.get("risk_category"):
            attrs[sc.GUARDRAIL_RISK_CATEGORY] = r["risk_category"]
        if r.get("risk_score") is not None:
            attrs[sc.GUARDRAIL_RISK_SCORE] = float(r["risk_score"])
        masked = r.get("masked") or {}
        if masked:
            attrs[sc.GUARDRAIL_MASKED_ENTITIES] = list(masked)
            attrs[sc.GUARDRAIL_MASKED_COUNTS] = [int(v) for v in masked.values()]
        if capture_enabled():
            if r.get("request") is not None:
                attrs[sc.GUARDRAIL_INPUT] = _json(r["request"])
            if r.get("response") is not None:
                attrs[sc.GUARDRAIL_OUTPUT] = _json(r["response"])
        return attrs


def guardrail(name: str, *, mode: GuardrailMode | list[GuardrailMode] = "pre_call", provider: str | None = None) -> Guardrail:
    """Record a guardrail check as an ``apply_guardrail`` span.

    ``with otel_llmlog.guardrail("pii", mode="pre_call") as g: ... g.set_result(passed=True,
    masked_entity_count={"EMAIL": 2})``. As a decorator, the check succeeds unless the function
    raises. An exception inside marks it ``failure`` and propagates unchanged.
    """
    return Guardrail(name, mode, provider)


class VectorStoreSearch(_Scoped):
    """One vector-store search; see :func:`vector_store_search`. Report hits with :meth:`set_results`."""

    _kind = SpanKind.CLIENT

    def __init__(self, store_id: str, provider: str, query: str | None, top_k: int | None) -> None:
        super().__init__()
        self.store_id = store_id
        self.provider = provider
        self.query = query
        self.top_k = top_k
        self._results: list[tuple[str, float | None]] | None = None

    def _fresh(self) -> VectorStoreSearch:
        clone = super()._fresh()
        clone._results = None
        return clone  # type: ignore[return-value]

    def _span_name(self) -> str:
        return f"retrieval {self.store_id}"

    def _start_attributes(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            sc.OPERATION_NAME: "retrieval",
            sc.PROVIDER_NAME: self.provider,
            sc.DATA_SOURCE_ID: self.store_id,
        }
        if self.top_k is not None:
            attrs[sc.RETRIEVAL_TOP_K] = self.top_k
        if self.query is not None and capture_enabled():
            attrs[sc.RETRIEVAL_QUERY_TEXT] = self.query
        return attrs

    def set_results(self, results: Iterable[tuple[str, float | None] | Mapping[str, Any]]) -> None:
        """Hits as ``(document id, score)`` pairs or mappings with ``id`` and ``score``."""
        hits = []
        for item in results:
            if isinstance(item, Mapping):
                hits.append((str(item.get("id")), item.get("score")))
            else:
                hits.append((str(item[0]), item[1]))
        self._results = hits

    def _end_attributes(self, error: BaseException | None) -> dict[str, Any]:
        if self._results is None:
            return {}
        attrs: dict[str, Any] = {sc.RETRIEVAL_RESULT_COUNT: len(self._results)}
        if capture_enabled():
            attrs[sc.RETRIEVAL_DOCUMENTS] = json.dumps([{"id": i, "score": s} for i, s in self._results])
        return attrs


def vector_store_search(store_id: str, *, provider: str, query: str | None = None, top_k: int | None = None) -> VectorStoreSearch:
    """Record a vector-store search as a ``retrieval`` span (content only when capture is on)."""
    return VectorStoreSearch(store_id, provider, query, top_k)
