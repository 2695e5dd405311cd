import json

import numpy as np
import pytest

from gonogo.errors import UserError
from gonogo.rag import RagIndex


def ids(hits):
    return [h.chunk.doc_id for h in hits]


@pytest.mark.parametrize(
    "question,expected",
    [
        ("How long is the warranty on a boiler?", "warranty"),
        ("When does my order ship?", "delivery"),
        ("Who founded the company?", "founder"),
        ("Why do the pipes bang at night?", "noise"),
        ("How do I change my email address?", "account"),
    ],
)
def test_the_right_passage_ranks_first(helpdesk_index, question, expected):
    hits = helpdesk_index.search(question, k=3)
    assert ids(hits)[0] == expected
    assert hits[0].score > hits[-1].score or len(hits) == 1


def test_fusion_finds_a_rare_token_the_embeddings_rank_second(helpdesk_index):
    hits = helpdesk_index.search("What fault is indicated by XR-7 on the display?", k=3)
    top = hits[0]
    assert top.chunk.doc_id == "fault-codes"
    assert top.bm25_rank == 1 and top.dense_rank > 1  # dense alone would miss it at 1
    dense_first = next(h for h in hits if h.dense_rank == 1)
    assert dense_first.chunk.doc_id == "screen" and dense_first.bm25_rank is None


def test_fusion_finds_a_paraphrase_bm25_cannot(helpdesk_index):
    hits = helpdesk_index.search("Can I return a purchase and get reimbursed?", k=3)
    assert hits[0].chunk.doc_id == "refunds"
    assert hits[0].bm25_rank is None and hits[0].dense_rank == 1  # no shared word


def test_rrf_score_is_the_sum_of_reciprocal_ranks(helpdesk_index):
    for h in helpdesk_index.search("boiler warranty parts", k=5):
        expected = sum(1 / (60 + r) for r in (h.bm25_rank, h.dense_rank) if r is not None)
        assert h.score == pytest.approx(expected)
        assert -1 <= h.similarity <= 1


@pytest.mark.parametrize("query", ["", "   ", "?!", "the of and"])
def test_nothing_to_retrieve_returns_an_empty_list(helpdesk_index, query):
    hits = helpdesk_index.search(query, k=3)
    if query.strip("?! "):  # stopwords only: no BM25 hit; the embeddings decide
        assert all(h.bm25_rank is None for h in hits)
    else:
        assert hits == []


def test_bad_k_is_a_user_error(helpdesk_index):
    with pytest.raises(UserError):
        helpdesk_index.search("warranty", k=0)


def test_save_and_load_round_trip(helpdesk_index, tmp_path):
    helpdesk_index.save(tmp_path / "idx")
    loaded = RagIndex.load(tmp_path / "idx")
    assert [c.id for c in loaded.chunks] == [c.id for c in helpdesk_index.chunks]
    assert np.array_equal(loaded.embeddings, helpdesk_index.embeddings)
    for q in ("How long is the warranty?", "What fault is indicated by XR-7 on the display?"):
        before = [(h.chunk.id, round(h.score, 9)) for h in helpdesk_index.search(q, k=4)]
        after = [(h.chunk.id, round(h.score, 9)) for h in loaded.search(q, k=4)]
        assert before == after
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["embedding_model"] == "all-MiniLM-L6-v2-onnx-int8"
    assert manifest["corpus_sha256"] == helpdesk_index.corpus_sha256()
    helpdesk_index.save(tmp_path / "idx")  # saving over an index replaces it
    assert len(RagIndex.load(tmp_path / "idx")) == len(helpdesk_index)


def test_build_from_paths_keeps_the_warnings_and_sources(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\nThe sky is blue.")
    (tmp_path / "b.txt").write_text("")
    index = RagIndex.build([tmp_path], workers=1)
    assert [c.context for c in index.chunks] == ["Title\nThe sky is blue."]
    assert [w.message for w in index.warnings] == ["empty file, skipped"]
    assert index.info.sources == [str(tmp_path)]


def test_loading_a_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(UserError) as err:
        RagIndex.load(tmp_path / "nowhere")
    assert "no RAG index" in err.value.message
    assert "gonogo rag ingest" in err.value.hint


def _saved(index, path, sources=("docs/",)):
    index.info.sources = list(sources)
    index.save(path)
    return path


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda p: (p / "manifest.json").unlink(), "holds no RAG index"),
        (lambda p: _edit_manifest(p, format_version=99), "format version 99"),
        (lambda p: _edit_manifest(p, embedding_model="other-model"), "embedded with other-model"),
        (lambda p: _edit_manifest(p, tokenizer="other"), "tokenizer other"),
        (lambda p: (p / "manifest.json").write_text("{oops"), "cannot read"),
        (
            lambda p: _append(
                p / "chunks.jsonl",
                '{"id": "x", "doc_id": "x", "source": "x", "start": 0, "text": "x"}\n',
            ),
            "changed after the index was built",
        ),
        (lambda p: (p / "embeddings.npy").write_bytes(b"garbage"), "damaged"),
        (lambda p: np.save(p / "embeddings.npy", np.zeros((2, 384), np.float32)), "2 embeddings"),
    ],
)
def test_a_stale_or_damaged_index_is_a_user_error_with_the_rebuild_command(
    helpdesk_index, tmp_path, damage, message
):
    path = _saved(helpdesk_index, tmp_path / "idx")
    damage(path)
    with pytest.raises(UserError) as err:
        RagIndex.load(path)
    assert message in err.value.message
    assert err.value.hint.startswith("rebuild it: gonogo rag ingest")


def _edit_manifest(path, **changes):
    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(changes)
    (path / "manifest.json").write_text(json.dumps(manifest))


def _append(path, text):
    with open(path, "a") as f:
        f.write(text)
