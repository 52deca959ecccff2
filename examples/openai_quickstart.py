"""OpenAI quickstart: instrument once, make ordinary calls, get one span and one log record per call.

    python examples/openai_quickstart.py

With OPENAI_API_KEY set this calls the real API; without it, a built-in stand-in on loopback
replays recorded answers. Prints each span (model, tokens, cost, first-token latency, finish
reason), then each call's standard log record as one JSON line.
"""

from __future__ import annotations

from _support import openai_client, report, setup

spans = setup("openai-quickstart")  # in your code: otel_llmlog.instrument() after setting up OpenTelemetry

# a plain chat completion
client = openai_client(case="chat_completion_basic")
reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say this is a test"}])
print("answer:", reply.choices[0].message.content)

# a streamed one: the span ends when the stream does, with the usage of the last chunk
client = openai_client(case="chat_completion_streaming_include_usage")
stream = client.chat.completions.create(
    model="gpt-4", messages=[{"role": "user", "content": "Say this is a test"}],
    stream=True, stream_options={"include_usage": True},
)
print("streamed:", "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices))

# embeddings are calls too
client = openai_client(case="embeddings_float")
vector = client.embeddings.create(model="text-embedding-3-small", input="This is a test for embeddings with dimensions", dimensions=512)
print("embedding dimensions:", len(vector.data[0].embedding))

report(spans)
