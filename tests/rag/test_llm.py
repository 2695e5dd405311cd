import asyncio

import pytest

from gonogo.errors import UserError
from gonogo.models import ModelClient, OpenAICompatibleProvider, ScriptedProvider
from gonogo.rag import (
    DEFAULT_PROMPT,
    REFUSAL,
    Chunk,
    LLMAnswerer,
    RagApp,
    RagPrompt,
    Retrieved,
    fit_contexts,
)
from gonogo.spec import PromptSpec
from gonogo.testing import FakeOpenAIServer


def hits(*texts):
    return [
        Retrieved(Chunk(f"doc{i}#0", f"doc{i}", t, f"doc{i}.txt", 0), 1 / (60 + i), i, i)
        for i, t in enumerate(texts, start=1)
    ]


def scripted(answer="Leeds [2]"):
    seen = []

    def script(request):
        seen.append(request)
        return answer

    return ModelClient(ScriptedProvider(script), model="m"), seen


def test_prompt_numbers_the_contexts_and_records_its_version():
    client, seen = scripted()
    answerer = LLMAnswerer(client)
    draft = asyncio.run(
        answerer.answer("Where was it founded?", hits("It moved in 2004.", "Founded in Leeds."))
    )
    system, user = seen[0].messages
    assert system["role"] == "system" and "only the numbered context passages" in system["content"]
    assert REFUSAL in system["content"]
    assert "[1] It moved in 2004.\n\n[2] Founded in Leeds." in user["content"]
    assert user["content"].endswith("Question: Where was it founded?\nAnswer:")
    assert draft.text == "Leeds [2]" and not draft.refused
    assert draft.evidence_chunk_id == "doc2#0"
    assert draft.metadata["prompt"] == "rag-answer v1" == answerer.prompt_id
    assert draft.metadata["cited"] == [2]
    assert draft.input_tokens > 0 and draft.output_tokens > 0
    assert draft.cost_usd is None  # no price known: unknown, never 0


def test_a_refusal_from_the_model_is_flagged():
    client, _ = scripted("I don't know based on the provided documents.")
    draft = asyncio.run(LLMAnswerer(client).answer("Who?", hits("Unrelated.")))
    assert draft.refused and draft.evidence_chunk_id is None


def test_no_context_means_no_call_and_a_refusal():
    client, seen = scripted()
    draft = asyncio.run(LLMAnswerer(client).answer("Who?", []))
    assert seen == [] and draft.text == REFUSAL and draft.refused and draft.cost_usd == 0.0


def test_contexts_longer_than_the_window_are_cut_with_a_note():
    client, seen = scripted("ok")
    answerer = LLMAnswerer(client, window_tokens=600, answer_tokens=100)
    long = "This sentence is filler about boilers. " * 100  # ~3,900 chars, ~975 tokens
    draft = asyncio.run(
        answerer.answer("What about boilers?", hits("Short first.", long, "Third."))
    )
    prompt = "".join(m["content"] for m in seen[0].messages)
    assert len(prompt) <= 600 * 4
    assert "[1] Short first." in prompt and "[2] This sentence" in prompt and "[3]" not in prompt
    note = draft.metadata["truncation"]
    assert note["contexts_kept"] == 2 and note["contexts_dropped"] == 1
    assert note["chars_cut"] > 1000 and note["window_tokens"] == 600
    assert "exceeded the model window" in note["note"]


def test_fit_contexts_keeps_everything_that_fits():
    assert fit_contexts(["a" * 100, "b" * 100], 1000) == (["a" * 100, "b" * 100], {})
    kept, note = fit_contexts(["a" * 100, "b " * 500], 600)
    assert kept[0] == "a" * 100 and kept[1].endswith(" […]") and len(kept[1]) < 500
    assert note["contexts_dropped"] == 0 and note["chars_cut"] > 0


def test_a_custom_prompt_needs_both_placeholders():
    client, seen = scripted("fine")
    custom = RagPrompt("support-answer", 3, None, "Docs:\n{contexts}\nQ: {question}")
    draft = asyncio.run(LLMAnswerer(client, custom).answer("Why?", hits("Because.")))
    assert seen[0].messages == [{"role": "user", "content": "Docs:\n[1] Because.\nQ: Why?"}]
    assert draft.metadata["prompt"] == "support-answer v3"
    spec = PromptSpec(name="prd-prompt", version="2024-06", user="{contexts}\n\n{question}")
    draft = asyncio.run(LLMAnswerer(client, spec).answer("Why?", hits("Because.")))
    assert seen[-1].messages == [{"role": "user", "content": "[1] Because.\n\nWhy?"}]
    assert draft.metadata["prompt"] == "prd-prompt v2024-06"
    with pytest.raises(UserError, match=r"\{question\}"):
        LLMAnswerer(client, RagPrompt("bad", 1, None, "{contexts}"))
    assert DEFAULT_PROMPT.name == "rag-answer" and DEFAULT_PROMPT.version == 1


def test_rag_app_through_a_real_http_server(helpdesk_index):
    with FakeOpenAIServer() as server:
        server.set_responder(lambda payload: "Five years [1].")
        client = ModelClient(OpenAICompatibleProvider(server.base_url), model="fake-model")
        app = RagApp(helpdesk_index, LLMAnswerer(client), k=3)

        async def run():
            try:
                return await app.answer("How long is the boiler warranty?")
            finally:
                await client.aclose()

        result = asyncio.run(run())
        request = server.received[-1]
    assert result["output"] == "Five years [1]."
    assert result["context_ids"][0] == "warranty#0"
    assert result["metadata"]["evidence_chunk_id"] == "warranty#0"
    assert result["metadata"]["answerer"] == "llm:fake-model"
    assert result["input_tokens"] > 0 and result["output_tokens"] > 0
    assert "five-year warranty" in request["messages"][-1]["content"]
