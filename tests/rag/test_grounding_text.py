"""Claims, sentences, tokens and names: the text pieces of the groundedness detector."""

import pytest

from gonogo.rag._grounding_text import claims, names
from gonogo.text import content_tokens, is_refusal, sentences, tokens


def texts(spans):
    return [s.text for s in spans]


def test_sentences_split_glued_and_spaced_but_not_abbreviations():
    text = (
        "Arthur's Magazine (1844–1846) was published in the 19th century.First for Women is "
        "a magazine. It is sold in the U.S. and by Dr. Smith.Its editor was H. Bruce Lee."
    )
    assert texts(sentences(text)) == [
        "Arthur's Magazine (1844–1846) was published in the 19th century.",
        "First for Women is a magazine.",
        "It is sold in the U.S. and by Dr. Smith.",
        "Its editor was H. Bruce Lee.",
    ]
    for s in sentences(text):
        assert text[s.start : s.end] == s.text


def test_sentences_split_when_glued_after_a_closing_quote():
    text = 'It is ranked by "U.S. News & World Report."MedStar is the largest hospital.'
    assert texts(sentences(text)) == [
        'It is ranked by "U.S. News & World Report."',
        "MedStar is the largest hospital.",
    ]


def test_claims_split_sentences_then_clauses_keeping_spans():
    answer = (
        "  The band formed in 1999; it has four members. They toured Europe, "
        "but they never played Asia. Hetfield and Ulrich, and Kirk Hammett."
    )
    spans = claims(answer)
    assert texts(spans) == [
        "The band formed in 1999",
        "it has four members.",
        "They toured Europe",
        "they never played Asia.",
        "Hetfield and Ulrich, and Kirk Hammett.",  # a clause of < 3 words stays attached
    ]
    for s in spans:
        assert answer[s.start : s.end] == s.text


@pytest.mark.parametrize("answer", ["", "   ", "Delhi", "6.213 km long"])
def test_short_answers_are_one_claim_or_none(answer):
    spans = claims(answer)
    assert texts(spans) == ([answer.strip()] if answer.strip() else [])


def test_tokens_normalise_numbers_negations_acronyms_and_plurals():
    assert tokens("The U.S. stores didn't sell 1,212,515 sq ft in two years") == [
        "the", "us.", "store", "did", "not", "sell", "1212515", "sq", "ft", "in", "2", "year",
    ]  # fmt: skip
    assert tokens("US") == tokens("U.S.") and tokens("us") == ["us"]
    assert content_tokens("According to the context, the tower stands in Paris.") == [
        "tower", "paris",
    ]  # fmt: skip


def test_names_keep_their_written_form():
    found = names("Yes, both The New Pornographers and the Bank of England opened in 1999.")
    assert [n.text for n in found] == ["New Pornographers", "Bank of England", "1999"]
    assert found[1].tokens == ("bank", "england") and found[2].tokens == ("1999",)


@pytest.mark.parametrize(
    ("claim", "refusal"),
    [
        ("I don't know.", True),
        ("The context does not mention his birthplace.", True),
        ("There is not enough information to answer.", True),
        ("There is no sister school.", False),
        ("He does not know the way.", False),
    ],
)
def test_refusals(claim, refusal):
    assert is_refusal(claim) is refusal
