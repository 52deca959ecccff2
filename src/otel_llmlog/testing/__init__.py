"""Test your own instrumented code without an API key: a local stand-in for the OpenAI and Anthropic APIs.

:class:`StandIn` is a loopback HTTP server that replays recorded exchanges (the 40 real recordings in
``recordings/``, each with its ``SOURCE.txt``, or directories of your own). Point a client at it::

    from otel_llmlog.testing import StandIn

    with StandIn() as standin:
        client = openai.OpenAI(api_key="test", base_url=standin.base_url("chat_completion_basic"))
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])

It needs only the standard library; see :mod:`otel_llmlog.testing.standin` for routing, forced
failures (``fail-<n>-<status>``), cut streams and hanging requests.
"""

from .standin import RECORDINGS, RecordedRequest, StandIn, StandInCase, default_cases_dir

__all__ = ["RECORDINGS", "RecordedRequest", "StandIn", "StandInCase", "default_cases_dir"]
