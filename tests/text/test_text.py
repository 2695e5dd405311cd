"""The one text layer: every package reads words, sentences and refusals through it."""

import ast
from pathlib import Path

import pytest

from gonogo.text import (
    STOPWORDS,
    content_tokens,
    fold,
    is_refusal,
    sentences,
    terms,
    tokens,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "gonogo"
# fitted models with their own vocabulary, on other tasks: the injection guard's document
# model (its word list is part of its BIPIA fit) and the red team's harmful-request grader
_OWN_MODELS = {"gateway/_injection_doc.py", "redteam/_grader.py", "redteam/_grader_patterns.py"}


def test_tokens_fold_accents_numbers_and_keep_one_a_word():
    assert tokens("Die Rhöner Säuwäntzt") == tokens("die rhoner sauwantzt")
    assert fold("Rhöner") == "rhoner"
    assert tokens("two of the three") == ["2", "of", "the", "3"]
    assert "one" in tokens("one of the largest")  # "one of": no figure to keep


def test_terms_and_content_tokens_share_the_stop_words():
    text = "According to the sources, the towers stand in Paris and were completed."
    assert terms(text) == ["accord", "source", "tower", "stand", "paris", "complet"]
    assert content_tokens(text) == ["tower", "paris", "complet"]  # framing, light verbs out
    assert not set(terms(text)) & STOPWORDS


def test_sentences_handle_paragraphs_list_items_and_glued_ends():
    text = (
        "First paragraph ends here\n\nSecond one.\n- a list item\n- another\n\n"
        "Published in the 19th century.First for Women is newer. It is sold in the U.S. "
        'by J.R.R. Tolkien. Ranked by "U.S. News."MedStar is large.'
    )
    got = [s.text for s in sentences(text)]
    assert got == [
        "First paragraph ends here",
        "Second one.",
        "- a list item",
        "- another",
        "Published in the 19th century.",
        "First for Women is newer.",
        "It is sold in the U.S. by J.R.R. Tolkien.",
        'Ranked by "U.S. News."',
        "MedStar is large.",
    ]
    for s in sentences(text):
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("I don't know.", True),
        ("The context does not mention his birthplace.", True),
        ("There is not enough information to answer.", True),
        ("There is no information about the band.", True),
        ("It cannot be determined from the passages.", True),
        ("There is no sister school.", False),
        ("The survey collected no data until 1990.", False),
        ("He does not know the way.", False),
    ],
)
def test_one_refusal_detector(text, refusal):
    assert is_refusal(text) is refusal


def test_no_other_tokenizer_stop_list_or_refusal_detector_in_the_package():
    """Only gonogo.text defines stop words, word tokenizers and refusal phrases."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.parent.name == "text" or path.relative_to(SRC).as_posix() in _OWN_MODELS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    name = getattr(target, "id", "")
                    if name.upper().lstrip("_") in {"STOPWORDS", "STOP_WORDS", "REFUSAL_PATTERNS"}:
                        offenders.append(f"{path.relative_to(SRC)}: {name}")
            if isinstance(node, ast.FunctionDef) and node.name in {"is_refusal", "stem"}:
                offenders.append(f"{path.relative_to(SRC)}: def {node.name}")
    assert not offenders, offenders
