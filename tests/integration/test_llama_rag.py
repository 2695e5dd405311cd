"""The reference RAG app answering through a real llama.cpp server."""

import asyncio

import pytest

from gonogo import rag
from gonogo.spec import Price

pytestmark = pytest.mark.llm


DOCS = [  # one chunk each (under the default chunk size), a few hundred characters long
    (
        "lighthouse",
        "The Old Point lighthouse was built in 1857. Its tower is painted in red and white "
        "stripes, and its lamp can be seen from 18 nautical miles away. The keeper's cottage "
        "at its foot is now a small museum about the ships that were wrecked on the point "
        "before the light was lit. The museum is open from April to October, and guided "
        "tours climb the 112 steps to the lamp room twice a day in summer.",
    ),
    (
        "bakery",
        "The harbour bakery opens at 6 am every day except Monday. It is known for its "
        "rye bread and its cardamom buns, baked fresh each morning. On Saturdays it also "
        "sells fish pies made with the morning's catch, and it closes early, at 2 pm, "
        "when the pies are sold out. Orders for birthday cakes need two days' notice.",
    ),
    (
        "ferry",
        "The island ferry leaves the harbour every two hours from 8 am to 8 pm. A return "
        "ticket costs 12 euros for adults and 6 euros for children; dogs and bicycles "
        "travel free. In winter the last crossing is at 6 pm, and in a storm warning all "
        "crossings are cancelled and announced on the harbour board. Tickets are sold on "
        "board and at the kiosk by the pier, which takes cards and cash.",
    ),
]


@pytest.fixture(scope="module")
def index():
    documents = [rag.Document(id=i, text=t, source=f"{i}.txt") for i, t in DOCS]
    return rag.RagIndex.build(documents, workers=1)


def ask(llama_server, index, question, *, k=2, window_tokens=None):
    client = llama_server.client(
        params={"temperature": 0, "seed": 7, "max_tokens": 80},
        price=Price(input_per_1m=0.1, output_per_1m=0.2),
    )
    answerer = rag.LLMAnswerer(client, window_tokens=window_tokens or llama_server.n_ctx)
    app = rag.RagApp(index, answerer, k=k)

    async def go():
        try:
            return await app.answer(question)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_rag_app_answers_through_the_local_llm(llama_server, index):
    result = ask(llama_server, index, "When was the Old Point lighthouse built?")
    assert isinstance(result["output"], str) and result["output"].strip()
    assert 1 <= len(result["contexts"]) <= 2
    assert "1857" in result["contexts"][0]  # retrieval is deterministic; the model is not judged
    assert result["context_ids"][0].startswith("lighthouse")
    assert result["input_tokens"] > 20 and result["output_tokens"] > 0
    assert result["cost_usd"] > 0 and result["latency_s"] > 0
    answer = result["metadata"]["answer"]
    assert answer["model"] == llama_server.model
    assert answer["prompt"] == "rag-answer v1"
    assert answer["finish_reason"] in ("stop", "length")
    assert "truncation" not in answer


def test_contexts_over_the_window_are_cut_and_the_call_still_fits(llama_server, index):
    # a window too small for the retrieved passages: the answerer must cut them (and say
    # so) so that the real server accepts the prompt instead of rejecting it as too long
    result = ask(llama_server, index, "What does the ferry cost?", k=3, window_tokens=300)
    truncation = result["metadata"]["answer"]["truncation"]
    assert truncation["contexts_given"] == len(result["contexts"]) >= 2
    assert truncation["contexts_kept"] < truncation["contexts_given"]
    assert truncation["chars_cut"] > 0 and truncation["window_tokens"] == 300
    assert result["output"].strip() and result["input_tokens"] < 300
