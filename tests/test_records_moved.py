"""Every public name of the records half's old modules still resolves through the old import path.

The lists are the names those modules defined (and listed in ``__all__``) before they were split:
code written against ``otel_llmlog.readers``, ``.convert``, ``.exporters``, ``.payload``,
``.spanfiles`` and ``.otlp_json`` keeps running, with one ``DeprecationWarning`` per module.
Renamed names resolve to the object of their new name, through the old module only.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import pytest

OLD_NAMES: dict[str, tuple[str, ...]] = {
    "otel_llmlog.readers": (
        "Format", "ReadError", "SpanEvent", "SpanRecord", "detect_format", "from_readable_spans", "read_path", "read_stream",
    ),
    "otel_llmlog.convert": (
        "CallView", "LLM_OPERATIONS", "attach", "call_view", "call_views", "generation_of", "is_llm_call", "payload_of",
        "span_kind_of", "to_generation_records", "to_payloads", "trace_views",
    ),
    "otel_llmlog.exporters": (
        "BACKUPS_ENV", "BlockingBatchSpanProcessor", "DEFAULT_BACKUPS", "DEFAULT_FORMAT", "DEFAULT_GRACE_SECONDS",
        "DEFAULT_MAX_BYTES", "DEFAULT_MAX_PENDING_SPANS", "DEFAULT_MAX_PENDING_TRACES", "DEFAULT_PATH", "FORMATS",
        "FORMAT_ENV", "GRACE_ENV", "JsonLogExporter", "MAX_BYTES_ENV", "OtelLogsExporter", "PATH_ENV",
    ),
    "otel_llmlog.payload": (
        "AmountString", "CompletionTokensDetails", "CreatedAtString", "FeeItemCode", "GenerationRecord", "GuardrailEventHooks",
        "ModelInfo", "NativeFeeTokens", "NativeTokens", "PromptTokensDetails", "RatingDetail", "RatingResponses",
        "StandardLoggingAdditionalHeaders", "StandardLoggingGuardrailInformation", "StandardLoggingHiddenParams",
        "StandardLoggingMetadata", "StandardLoggingModelCostFailureDebugInformation", "StandardLoggingModelInformation",
        "StandardLoggingPayload", "StandardLoggingPayloadErrorInformation", "StandardLoggingPayloadStatus",
        "StandardLoggingUserAPIKeyMetadata", "StandardLoggingVectorStoreRequest", "ThroughputString",
        "VectorStoreResultContent", "VectorStoreSearchResponse", "VectorStoreSearchResult", "format_amount",
        "format_created_at", "format_throughput", "json_schema",
    ),
    "otel_llmlog.spanfiles": ("TraceBuffer", "convert_files"),
    "otel_llmlog.otlp_json": ("otlp_json", "otlp_json_line"),
}

#: old name -> (module, name) of what it is now
RENAMED = {
    ("otel_llmlog.readers", "SpanRecord"): ("otel_llmlog.records.spans", "SpanData"),
    ("otel_llmlog.convert", "span_kind_of"): ("otel_llmlog.records.calls", "span_role_of"),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_every_old_name_resolves(old: str) -> None:
    module = importlib.import_module(old)
    missing = [name for name in OLD_NAMES[old] if not hasattr(module, name)]
    assert missing == []
    assert set(OLD_NAMES[old]) <= set(dir(module))
    for (mod, name), (new_mod, new_name) in RENAMED.items():
        if mod == old:
            assert getattr(module, name) is getattr(importlib.import_module(new_mod), new_name)


def test_renamed_names_are_gone_from_the_new_modules() -> None:
    for new_mod, old_name in {(new_mod, name) for (_, name), (new_mod, _) in RENAMED.items()}:
        assert not hasattr(importlib.import_module(new_mod), old_name), (new_mod, old_name)


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_each_old_module_warns_once_naming_the_new_path(old: str) -> None:
    code = (
        "import warnings\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        f"    import {old}\n"
        f"    import {old} as again\n"
        "print([str(w.message) for w in caught if w.category is DeprecationWarning])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    (message,) = ast.literal_eval(out)
    assert message.startswith(f"{old} has moved: import from otel_llmlog.")
