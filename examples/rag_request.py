"""One retrieval-augmented request as one trace: search, guardrails before and after, three LLM calls.

    python examples/rag_request.py

``otel_llmlog.trace`` opens the request's parent span; the vector search, both guardrails and every
LLM call inside become its children and share its trace id, session id, end user, tags and metadata.
With OPENAI_API_KEY set the calls go to the real API; without it, the built-in stand-in replays
recorded answers (so the answers do not fit the question, but the spans are exactly what you get).
"""

from __future__ import annotations

import re

from _support import openai_client, report, setup

import otel_llmlog

spans = setup("rag-request")  # in your code: otel_llmlog.instrument() after setting up OpenTelemetry

DOCUMENTS = {
    "returns": "Products can be returned within 30 days of delivery for a full refund.",
    "shipping": "Orders ship within two business days; express delivery takes one day.",
    "warranty": "Every device carries a two-year warranty against manufacturing defects.",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def search(query: str, k: int) -> list[tuple[str, float]]:
    """A stand-in for your vector store: documents ranked by shared words."""
    words = set(re.findall(r"\w+", query.lower()))
    scored = [(doc_id, len(words & set(re.findall(r"\w+", text.lower()))) / len(words)) for doc_id, text in DOCUMENTS.items()]
    return sorted(scored, key=lambda hit: -hit[1])[:k]


@otel_llmlog.trace("answer-question", session_id="chat-42", end_user="user-7", tags=["rag", "example"], metadata={"tenant": "acme"})
def answer(question: str) -> str:
    # 1. pre-call guardrail: no e-mail address leaves the process
    with otel_llmlog.guardrail("pii-mask", mode="pre_call") as check:
        masked, count = EMAIL.subn("<EMAIL>", question)
        check.set_result(passed=True, verdict="modify" if count else "allow", masked_entity_count={"EMAIL": count} if count else None)

    # 2. LLM call: turn the question into a search query
    rewrite = openai_client(case="chat_completion_basic").chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Rewrite the question as a short search query."}, {"role": "user", "content": masked}],
    )
    query = rewrite.choices[0].message.content or masked

    # 3. vector search
    with otel_llmlog.vector_store_search("policies", provider="in-memory", query=query, top_k=2) as retrieval:
        hits = search(f"{query} {masked}", k=2)
        retrieval.set_results(hits)
    context = "\n".join(DOCUMENTS[doc_id] for doc_id, _ in hits)

    # 4. LLM call: answer from the retrieved documents
    reply = openai_client(case="chat_completion_prompt_cache_hit").chat.completions.create(
        model="gpt-4o", max_tokens=100, temperature=0.1,
        messages=[{"role": "system", "content": f"Answer only from these documents:\n{context}"}, {"role": "user", "content": masked}],
    )
    text = reply.choices[0].message.content or ""

    # 5. post-call guardrail: the answer must not leak an e-mail address either
    with otel_llmlog.guardrail("output-pii", mode="post_call") as check:
        check.set_result(passed=not EMAIL.search(text))

    # 6. LLM call, streamed: a follow-up question to suggest to the user
    with openai_client(case="responses_streaming").responses.stream(
        model="gpt-4o-mini", instructions="You are a helpful assistant.", input=f"Suggest one follow-up question to: {masked}",
    ) as stream:
        follow_up = stream.get_final_response().output_text
    return f"{text}\n(you could also ask: {follow_up})"


print("answer:", answer("How long do I have to return a blender? Reply to jane@example.com")[:100].replace("\n", " "), "...")
report(spans)
