#!/usr/bin/env bash
# Run an example (or your own app) under the OpenTelemetry launcher, with no code change: spans go
# over OTLP to a Collector (or any OTLP backend) and one JSON line per LLM call goes to a local file.
#
#   pip install 'otel-llmlog[openai,anthropic,otlp]' opentelemetry-distro
#   examples/run_with_launcher.sh examples/rag_request.py
#
# Every setting is an OpenTelemetry environment variable; the defaults below apply only when it is
# unset. To send OTLP/gRPC instead of OTLP/HTTP:
#   OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 examples/run_with_launcher.sh ...
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SCRIPT.py [ARGS...]" >&2; exit 2; }
export OTEL_SERVICE_NAME="${OTEL_SERVICE_NAME:-otel-llmlog-example}"
export OTEL_TRACES_EXPORTER="${OTEL_TRACES_EXPORTER:-otlp,otel_llmlog_json}"
export OTEL_METRICS_EXPORTER="${OTEL_METRICS_EXPORTER:-otlp}"
export OTEL_LOGS_EXPORTER="${OTEL_LOGS_EXPORTER:-none}"
export OTEL_EXPORTER_OTLP_PROTOCOL="${OTEL_EXPORTER_OTLP_PROTOCOL:-http/protobuf}"
export OTEL_EXPORTER_OTLP_ENDPOINT="${OTEL_EXPORTER_OTLP_ENDPOINT:-http://localhost:4318}"
# where otel_llmlog_json appends its records (one JSON line per LLM call)
export OTEL_LLMLOG_JSON_PATH="${OTEL_LLMLOG_JSON_PATH:-llm-calls.jsonl}"
# a queue that holds a burst of calls instead of dropping spans (see README, "One log record per call")
export OTEL_BSP_MAX_QUEUE_SIZE="${OTEL_BSP_MAX_QUEUE_SIZE:-65536}"
exec opentelemetry-instrument "${PYTHON:-python}" "$@"
