"""The two record shapes this library writes, as pydantic models, and their JSON Schemas.

* :mod:`.standard`: ``StandardLoggingPayload`` and its parts (the standard per-call record);
* :mod:`.generation`: :class:`~.generation.GenerationRecord`, the gateway's per-generation record;
* :mod:`.base`: what both share (strict, who owns a shape) and the money amount format.

The models say what a record is; how spans fill them is :mod:`otel_llmlog.records.standard` and
:mod:`otel_llmlog.records.generation`.
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["RecordFormat", "json_schema"]

#: the two record formats, by the name the CLI and the exporters use
RecordFormat = Literal["standard", "generation"]


def json_schema(record_format: RecordFormat) -> dict[str, Any]:
    """JSON Schema (draft 2020-12, pydantic's validation mode) of one record format:
    ``"standard"`` -> :class:`StandardLoggingPayload`, ``"generation"`` -> :class:`GenerationRecord`."""
    if record_format == "standard":
        from .standard import StandardLoggingPayload

        return StandardLoggingPayload.model_json_schema()
    if record_format == "generation":
        from .generation import GenerationRecord

        return GenerationRecord.model_json_schema()
    raise ValueError(f"unknown record format {record_format!r}: expected 'standard' or 'generation'")
