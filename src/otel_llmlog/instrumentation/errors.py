"""How a failure goes on a span: its ``error.type``, an ``exception`` event and ERROR status, secrets scrubbed.

Shared by LLM call spans and the spans of request groups, guardrails and searches, so every span
of this package reports an exception the same way.
"""

from __future__ import annotations

import traceback
from typing import Any

from opentelemetry.trace import Status, StatusCode


def scrub(text: str, secret: str | None) -> str:
    """Remove a secret from text that is about to be exported (error messages, stack traces)."""
    if secret and len(secret) >= 8 and secret in text:
        return text.replace(secret, "[REDACTED]")
    return text


def error_type_of(exc: BaseException) -> str:
    """``error.type``: the HTTP status of an SDK's status error, else the exception's class name."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return str(status)
    return type(exc).__name__


def record_exception(span: Any, exc: BaseException, secret: str | None) -> None:
    """An ``exception`` event and ERROR status, with ``secret`` scrubbed from message and stack."""
    message = scrub(str(exc), secret)
    stack = scrub("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), secret)
    span.add_event(
        "exception",
        {
            "exception.type": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "exception.message": message,
            "exception.stacktrace": stack,
        },
    )
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__qualname__}: {message}"))
