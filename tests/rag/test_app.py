import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from gonogo.data import Case
from gonogo.errors import UserError
from gonogo.rag import REFUSAL, ExtractiveAnswerer, RagApp
from gonogo.run._targets import CallableTarget

KEYS = {
    "output",
    "contexts",
    "context_ids",
    "latency_s",
    "cost_usd",
    "input_tokens",
    "output_tokens",
    "metadata",
}


def test_answer_returns_what_a_callable_target_accepts(helpdesk_index):
    app = RagApp(helpdesk_index, k=3)
    result = asyncio.run(app.answer("In what year was the company founded?"))
    assert set(result) == KEYS
    assert result["output"] == "1987"
    assert result["context_ids"][0] == "founder#0" and 1 < len(result["contexts"]) <= 3
    assert result["contexts"][0].startswith("The company was founded in Leeds")
    assert result["latency_s"] > 0 and result["cost_usd"] == 0.0
    meta = result["metadata"]
    assert meta["answerer"] == "extractive" and meta["app"] == "rag:extractive"
    assert meta["evidence_chunk_id"] == "founder#0" and not meta["refused"]
    assert [r["id"] for r in meta["retrieval"]] == result["context_ids"]
    assert {"score", "bm25_rank", "dense_rank", "similarity"} <= set(meta["retrieval"][0])
    assert meta["answer"]["answer_type"] == "year"


def test_a_question_with_no_retrievable_context_is_a_refusal(helpdesk_index):
    result = RagApp(helpdesk_index).answer_sync("Who won the football world cup in 1966?")
    assert result["output"] == REFUSAL and result["contexts"] == []
    assert result["metadata"]["refused"]
    assert result["metadata"]["answer"]["refusal_reason"] == "no context retrieved"


def test_answer_sync_is_safe_from_many_threads(helpdesk_index):
    app = RagApp(helpdesk_index, ExtractiveAnswerer(), k=2)
    questions = ["How long is the boiler warranty?", "When does my order ship?"] * 4
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(app.answer_sync, questions))
    assert [r["context_ids"][0] for r in results] == ["warranty#0", "delivery#0"] * 4
    app.close()


def test_the_app_is_a_gonogo_callable_target(helpdesk_index, tmp_path):
    helpdesk_index.save(tmp_path / "index")
    (tmp_path / "helpdesk_rag.py").write_text(
        "from gonogo.rag import RagApp\n"
        f"app = RagApp.from_directory({str(tmp_path / 'index')!r}, k=2)\n"
    )
    target = CallableTarget("helpdesk_rag:app.answer", tmp_path)
    case = Case(id="q1", inputs={"question": "Who founded the company?"})
    out = asyncio.run(target(case, 0))
    assert out.error is None
    assert out.output == "Margaret Holloway"
    assert out.contexts[0].startswith("The company was founded")
    assert out.cost_usd == 0.0 and out.metadata["evidence_chunk_id"] == "founder#0"


def test_bad_arguments_are_user_errors(helpdesk_index, tmp_path):
    with pytest.raises(UserError):
        RagApp(helpdesk_index, k=0)
    with pytest.raises(UserError, match="not int"):
        asyncio.run(RagApp(helpdesk_index).answer(42))
    with pytest.raises(UserError, match="without a model"):
        RagApp.from_directory(tmp_path, base_url="http://127.0.0.1:1/v1")


def test_from_directory_with_a_model_needs_its_key(helpdesk_index, tmp_path, monkeypatch):
    helpdesk_index.save(tmp_path / "index")
    monkeypatch.delenv("RAG_TEST_KEY", raising=False)
    with pytest.raises(UserError, match="RAG_TEST_KEY"):
        RagApp.from_directory(tmp_path / "index", model="m", api_key_env="RAG_TEST_KEY")
    monkeypatch.setenv("RAG_TEST_KEY", "sk-test")
    app = RagApp.from_directory(tmp_path / "index", model="m", api_key_env="RAG_TEST_KEY")
    assert app.name == "rag:llm:m"
    app.close()
