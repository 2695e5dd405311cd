import asyncio

import pytest

from gonogo.rag import REFUSAL, Chunk, ExtractiveAnswerer, Retrieved

COMPANIES = {
    "acme": (
        "Acme Boilers was founded in 1952 in Dayton. It is a manufacturer of boilers based in Ohio."
    ),
    "zenith": (
        "Zenith Heating was founded in 1931 in Austin. It is a manufacturer of radiators based "
        "in Texas."
    ),
    "founder": (
        "The company was founded in Leeds in 1987 by Margaret Holloway. It moved its head "
        "office to Manchester in 2004, where 340 people work today."
    ),
    "refunds": (
        "If you are unhappy with something you bought, we give your money back within "
        "fourteen days of delivery."
    ),
    "noise": (
        "Banging pipes at night usually mean trapped air. Bleed the radiators with a radiator key."
    ),
    "warranty": "Every boiler comes with a five-year warranty covering parts and labour.",
}


def hits(*doc_ids):
    out = []
    for rank, d in enumerate(doc_ids, start=1):
        chunk = Chunk(id=f"{d}#0", doc_id=d, text=COMPANIES[d], source=d, start=0)
        out.append(Retrieved(chunk, 1 / (60 + rank), rank, rank))
    return out


@pytest.mark.parametrize(
    "question,contexts,expected,evidence",
    [
        ("In what year was the company founded?", ("founder", "acme"), "1987", "founder"),
        ("In which city was the company founded?", ("founder", "warranty"), "Leeds", "founder"),
        ("Who founded the company in Leeds?", ("founder", "acme"), "Margaret Holloway", "founder"),
        ("How many people work at the head office?", ("founder",), "340 people", "founder"),
        (
            "How many days do I have to get my money back?",
            ("refunds", "warranty"),
            "fourteen days",
            "refunds",
        ),
        (
            "Which was founded first, Acme Boilers or Zenith Heating?",
            ("acme", "zenith"),
            "Zenith Heating",
            "zenith",
        ),
        (
            "Which was founded later, Acme Boilers or Zenith Heating?",
            ("zenith", "acme"),
            "Acme Boilers",
            "acme",
        ),
        (
            "Which company makes radiators, Acme Boilers or Zenith Heating?",
            ("acme", "zenith"),
            "Zenith Heating",
            "zenith",
        ),
        (
            "Are both Acme Boilers and Zenith Heating manufacturers?",
            ("acme", "zenith"),
            "yes",
            None,
        ),
        ("Are both Acme Boilers and Zenith Heating based in Ohio?", ("acme", "zenith"), "no", None),
    ],
)
def test_picks_the_answer_span(question, contexts, expected, evidence):
    draft = ExtractiveAnswerer().answer(question, hits(*contexts))
    assert draft.text == expected
    assert not draft.refused and draft.cost_usd == 0.0
    if evidence is not None:
        assert draft.evidence_chunk_id == f"{evidence}#0"
        assert expected in COMPANIES[evidence]
    assert draft.metadata["sentence"] in " ".join(COMPANIES[c] for c in contexts)


def test_falls_back_to_the_best_sentence():
    draft = ExtractiveAnswerer().answer("Why do my pipes bang at night?", hits("warranty", "noise"))
    assert draft.text == "Banging pipes at night usually mean trapped air."
    assert draft.evidence_chunk_id == "noise#0"
    assert 0 < draft.score <= 1


def test_without_spans_answers_with_the_sentence():
    draft = ExtractiveAnswerer(spans=False).answer(
        "In what year was the company founded?", hits("founder")
    )
    assert draft.text == "The company was founded in Leeds in 1987 by Margaret Holloway."


@pytest.mark.parametrize(
    "question,contexts,reason",
    [
        ("What is the capital of Peru?", ("warranty", "refunds"), "no sentence supports"),
        ("Who painted the Mona Lisa?", ("acme", "zenith", "noise"), "no sentence supports"),
        ("What is the capital of Peru?", (), "no context retrieved"),
        ("   ", ("warranty",), "empty question"),
    ],
)
def test_refuses_when_nothing_supports_an_answer(question, contexts, reason):
    draft = ExtractiveAnswerer().answer(question, hits(*contexts))
    assert draft.text == REFUSAL and draft.refused
    assert draft.evidence_chunk_id is None
    assert reason in draft.metadata["refusal_reason"]


def test_a_stricter_support_threshold_refuses_more():
    question, contexts = "Why do my pipes bang at night?", hits("noise")
    assert not ExtractiveAnswerer().answer(question, contexts).refused
    assert (
        ExtractiveAnswerer(min_support=0.99, strong_similarity=1.0)
        .answer(question, contexts)
        .refused
    )


def test_async_answer_matches_sync():
    answerer = ExtractiveAnswerer()
    q, ctx = "In what year was the company founded?", hits("founder")
    assert asyncio.run(answerer.aanswer(q, ctx)).text == answerer.answer(q, ctx).text
