"""The offline groundedness detector, on hand-written answers (not the benchmark file)."""

import json

import pytest

from gonogo.rag._grounding import DEFAULT_THRESHOLD, GroundednessDetector
from gonogo.rag._grounding_result import GroundingResult

TOWER = [
    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. "
    "It is named after the engineer Gustave Eiffel, whose company designed and built the "
    "tower. It was constructed from 1887 to 1889 as the centerpiece of the 1889 World's Fair.",
    "The Statue of Liberty is a colossal neoclassical sculpture on Liberty Island in New York "
    "Harbor. The statue was designed by Frédéric Auguste Bartholdi. It was dedicated on "
    "October 28, 1886.",
]
QUESTION = "Who built the Eiffel Tower and when was it finished?"


@pytest.fixture(scope="module")
def detector():
    return GroundednessDetector()


def check(detector, answer, contexts=TOWER, question=QUESTION) -> GroundingResult:
    result = detector.check(answer, contexts, question)
    for claim in result.claims:  # every span points into the answer
        assert answer[claim.start : claim.end] == claim.text
    return result


def test_grounded_paragraph_is_supported_claim_by_claim(detector):
    answer = (
        "The Eiffel Tower was built by the company of Gustave Eiffel. "
        "It was constructed from 1887 to 1889 for the World's Fair; "
        "it stands on the Champ de Mars in Paris."
    )
    r = check(detector, answer)
    assert r.supported and r.method == "offline" and r.threshold == DEFAULT_THRESHOLD
    assert len(r.claims) == 3
    assert all(c.supported and not c.reasons for c in r.claims)
    assert r.score == min(c.score for c in r.claims) >= DEFAULT_THRESHOLD


def test_one_invented_number_flags_its_sentence_only(detector):
    answer = (
        "The Eiffel Tower was built by the company of Gustave Eiffel. "
        "It was completed in 1895 for the World's Fair."
    )
    r = check(detector, answer)
    assert not r.supported
    first, second = r.claims
    assert first.supported
    assert not second.supported and second.text == "It was completed in 1895 for the World's Fair."
    assert any("1895" in reason for reason in second.reasons)
    assert r.unsupported == [second] and r.score == second.score


def test_swapped_in_entity_is_named(detector):
    answer = (
        "The Eiffel Tower is on the Champ de Mars in Paris. "
        "It was designed by the company of Alexandre Dumas."
    )
    r = check(detector, answer)
    assert [c.supported for c in r.claims] == [True, False]
    assert r.claims[1].reasons[0] == "not in the context: Alexandre Dumas"


def test_a_claim_about_two_things_must_hold_for_each(detector):
    right = check(detector, "Both the Eiffel Tower and the Statue of Liberty were designed.")
    wrong = check(detector, "Both the Eiffel Tower and the Statue of Liberty are in Paris.")
    # "The statue was designed ..." goes on about the statue: said, though in two passages
    assert right.verdict != "unsupported"
    assert wrong.verdict == "unsupported"
    assert "the context does not say this of 'Statue of Liberty'" in wrong.claims[0].reasons


def test_negation_the_context_does_not_state(detector):
    r = check(
        detector, "The tower was built by Gustave Eiffel's company, but it was never finished."
    )
    assert [c.supported for c in r.claims] == [True, False]
    assert r.claims[1].text == "it was never finished."


def test_short_answer_is_read_with_its_question(detector):
    ctx = [
        "The Oberoi family is an Indian family famous for its hotels, namely through The "
        "Oberoi Group. The Oberoi Group is a hotel company with its head office in Delhi."
    ]
    q = "The Oberoi family is part of a hotel company that has a head office in what city?"
    assert check(detector, "Delhi", ctx, q).supported
    assert not check(detector, "Mumbai", ctx, q).supported


@pytest.mark.parametrize(
    ("answer", "supported"),
    [
        ("Alfred Nobel", True),
        ("Marie Curie", False),
        ("Alfred Nobel was born first.", True),
        ("Marie Curie was born first.", False),
        ("Marie Curie was born before Alfred Nobel.", False),
        ("Alfred Nobel was born before Marie Curie.", True),
    ],
)
def test_comparison_is_decided_by_the_dates(detector, answer, supported):
    ctx = [
        "Marie Curie (born 7 November 1867) was a Polish and French physicist.",
        "Alfred Nobel (21 October 1833 – 10 December 1896) was a Swedish chemist.",
    ]
    r = check(detector, answer, ctx, "Who was born first, Marie Curie or Alfred Nobel?")
    assert r.supported is supported


def test_choice_between_options_sharing_words_is_read_by_their_own_words():
    from gonogo.rag._grounding_compare import comparison_verdict
    from gonogo.rag._grounding_features import ContextIndex

    # the second sentence opens with a name of its own: it does not go on about the first
    ctx = ContextIndex.build(
        [
            "Luis Munoz Marin International Airport is located near San Juan, Puerto Rico. "
            "Rickenbacker International Airport is a public airport near Columbus, Ohio."
        ]
    )
    q = (
        "Which airport is in Ohio, Luis Munoz Marin International Airport or "
        "Rickenbacker International Airport?"
    )
    assert comparison_verdict("Rickenbacker International Airport", q, ctx) > 0
    assert comparison_verdict("Luis Munoz Marin International Airport is in Ohio.", q, ctx) < 0


def test_refusal_asserts_nothing(detector):
    r = check(detector, "I don't know. The context does not say who built it.")
    assert r.supported and len(r.claims) == 2
    assert all(c.score == 1.0 and "not known" in c.reasons[0] for c in r.claims)


def test_empty_answer_and_missing_context(detector):
    empty = detector.check("", TOWER, QUESTION)
    assert empty.supported and empty.claims == [] and empty.score == 1.0
    none = detector.check("The tower is in Paris.", ["", "  "], None)
    assert not none.supported and none.claims[0].reasons == ["there is no context to support it"]


def test_threshold_moves_the_verdict_not_the_score(detector):
    answer = "The tower was completed in 1895."
    default = detector.check(answer, TOWER)
    lenient = GroundednessDetector(threshold=0.0).check(answer, TOWER)
    assert not default.supported and lenient.supported
    assert lenient.score == default.score and lenient.threshold == 0.0


def test_check_many_matches_check(detector):
    items = [
        ("Gustave Eiffel's company built it.", TOWER, QUESTION),
        ("It was completed in 1895.", TOWER, None),
        ("Bartholdi designed the statue.", TOWER[1:], None),
    ]
    many = detector.check_many(items)
    assert [r.to_dict() for r in many] == [detector.check(*it).to_dict() for it in items]
    assert [r.supported for r in many] == [True, False, True]


def test_result_is_json_ready(detector):
    r = check(detector, "It was completed in 1895.")
    data = json.loads(json.dumps(r.to_dict()))
    assert data["method"] == "offline" and data["supported"] is False
    assert data["claims"][0]["text"] == "It was completed in 1895." and data["metadata"] == {}


def test_yes_no_and_choice_answers_may_repeat_the_question(detector):
    contexts = ["Wrong Turn was directed by Rob Schmidt. Rob Schmidt is American."]
    r = check(detector, "Rob Schmidt", contexts, "Was Wrong Turn directed by Rob Schmidt?")
    assert r.supported and r.score > DEFAULT_THRESHOLD


SERENDIPITY = [
    "Serendipity is a 2001 American romantic comedy film directed by Peter Chelsom, "
    "written by Marc Klein, and starring John Cusack and Kate Beckinsale. "
    "Lucy Gordon had a small role in it."
]


@pytest.mark.parametrize(
    ("answer", "swapped"),
    [
        ("Peter Chelsom directed Serendipity. It was written by Marc Klein.", False),
        ("Serendipity was directed by Peter Chelsom.", False),
        ("Serendipity is a comedy film. Lucy Gordon directed Serendipity.", True),
        ("Serendipity was directed by Marc Klein.", True),
    ],
)
def test_a_relation_given_another_doer_is_unsupported(detector, answer, swapped):
    r = check(detector, answer, SERENDIPITY, "Who directed Serendipity?")
    assert r.supported is not swapped
    if swapped:
        assert "the context says another name did this" in r.unsupported[-1].reasons


def test_relation_reading_is_silent_where_the_context_is():
    from gonogo.rag._grounding_relation import relation_swapped

    context = ["The company was founded by the wrestler Kamal Shalorus and Matthew Granahan."]
    # every co-founder is a doer; a verb the context does not use says nothing
    assert relation_swapped("The company was founded by Matthew Granahan.", context) == 0.0
    assert relation_swapped("Matthew Granahan sold the company.", context) == 0.0
    assert relation_swapped("The company was founded by Kamal Granahan.", context) == 0.0
    assert relation_swapped("John Smith founded the company.", context) == 1.0
    # the question's own presupposition ("... Smith founded what?") is not the claim's
    asked = "Which company did John Smith founded in 1990?"
    assert relation_swapped("John Smith founded the company.", context, asked) == 0.0
    # a name the question only mentions elsewhere is the claim's assertion
    asked = "Who founded the company that hired John Smith?"
    assert relation_swapped("John Smith founded the company.", context, asked) == 1.0


def test_relation_reading_covers_dates_adverbs_nouns_and_who_clauses():
    from gonogo.rag._grounding_relation import relation_swapped

    college = ["Founded in 1379 by William of Wykeham, it is known as St Mary's College."]
    assert relation_swapped("Thomas Balston founded St Mary's College.", college) == 1.0
    assert relation_swapped("William of Wykeham founded St Mary's College.", college) == 0.0
    stadium = [
        "The stadium Estadio Unico is owned by the Province of Buenos Aires, administered"
        " jointly by the Municipality of La Plata and the club Estudiantes."
    ]
    # "administered jointly by": another relation's doers, not the owner's
    assert relation_swapped("Estadio Unico is owned by Estudiantes.", stadium) == 1.0
    assert relation_swapped("Estadio Unico is owned by the Province.", stadium) == 0.0
    krav = [
        "Imi Lichtenfeld (1910 – 1998) was an Israeli martial artist who founded Krav Maga.",
        "Krav Maga was taught to the army by Moshe Melamed.",
    ]
    assert relation_swapped("Moshe Melamed, the founder of Krav Maga.", krav) == 1.0
    assert relation_swapped("Imi Lichtenfeld is the founder of Krav Maga.", krav) == 0.0
    assert relation_swapped("Moshe Melamed taught Krav Maga.", krav) == 0.0


def test_relation_reading_skips_modifiers_and_participles():
    from gonogo.rag._grounding_relation import relation_swapped

    context = ["Serendipity, starring Kate Beckinsale, is a film directed by Peter Chelsom."]
    # "starring X" is the film's doing; a noun before the verb is no doer
    assert relation_swapped("Kate Beckinsale starred in Serendipity.", context) == 0.0
    assert relation_swapped("The allegations directed at Kate Beckinsale.", context) == 0.0
    assert relation_swapped("Kate Beckinsale directed Serendipity.", context) == 1.0
    assert relation_swapped("Alfred Hitchcock was in Serendipity.", context) == 0.0


def test_three_verdicts_a_paraphrase_is_undecided_an_invention_unsupported(detector):
    paraphrase = check(detector, "The tower was erected for the World's Fair.")
    assert paraphrase.verdict == "undecided" and not paraphrase.supported
    assert paraphrase.undecided == paraphrase.claims and paraphrase.unsupported == []
    assert paraphrase.reason.startswith("undecided: ")
    assert "words not in the context: erected" in paraphrase.claims[0].reasons
    invented = check(detector, "The tower was erected for the World's Fair of 1895.")
    assert invented.verdict == "unsupported" and invented.reason == "not in the context: 1895"
    grounded = check(detector, "It was constructed from 1887 to 1889.")
    assert grounded.verdict == "supported" and grounded.supported and grounded.reason == ""


def test_probability_is_calibrated_support_and_travels_with_the_verdict(detector):
    r = check(detector, "It was constructed from 1887 to 1889. It was completed in 1895.")
    good, bad = r.claims
    assert 0.0 <= bad.probability < good.probability <= 1.0
    assert r.probability == min(good.probability, bad.probability)
    data = r.to_dict()
    assert data["verdict"] == "unsupported" and data["claims"][0]["verdict"] == "supported"
    assert data["probability"] == r.probability


def test_the_answer_verdict_is_unsupported_before_undecided_before_supported(detector):
    answer = "It was constructed from 1887 to 1889. The tower was erected for the World's Fair."
    assert check(detector, answer).verdict == "undecided"
    assert check(detector, answer + " It was designed by Alexandre Dumas.").verdict == (
        "unsupported"
    )


FILLER = [
    f"Paragraph {i} is about the harbour of Town{i}, its ferries and its fish market."
    for i in range(40)
]


def test_a_long_answer_is_read_sentence_by_sentence_against_its_best_passages(detector):
    context = [" ".join(FILLER[:20]), TOWER[0], " ".join(FILLER[20:]), TOWER[1]]
    answer = (
        "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris. "
        "It is named after the engineer Gustave Eiffel, whose company designed and built it. "
        "The Statue of Liberty was designed by Frédéric Auguste Bartholdi. "
        "It was dedicated on October 28, 1886."
    )
    r = check(detector, answer, context, "Describe the two monuments.")
    assert r.verdict == "supported", [c.reasons for c in r.claims]
    # one number changed: that sentence, and only it, is unsupported
    wrong = check(detector, answer.replace("1886", "1896"), context, "Describe them.")
    assert wrong.verdict == "unsupported"
    assert [c.verdict for c in wrong.claims][-1] == "unsupported"
    assert all(c.verdict == "supported" for c in wrong.claims[:-1])
    # words scattered over passages far apart are not "said" by the context
    scattered = check(detector, "The ferries of the Champ de Mars sell fish.", context, "?")
    assert scattered.verdict != "supported"


def test_best_passages_pick_the_sentences_that_share_the_claims_words():
    from gonogo.rag._grounding_features import ClaimText, ContextIndex, best_passages
    from gonogo.text import Span

    index = ContextIndex.build([" ".join(FILLER[:20]), TOWER[1], " ".join(FILLER[20:])])
    text = "Bartholdi designed the statue on Liberty Island."
    claim = ClaimText.build(Span(text, 0, len(text)), None)
    picked = [index.sentences[i] for i in best_passages(claim, index)]
    assert any("Bartholdi" in s for s in picked) and any("Liberty Island" in s for s in picked)


def test_acronyms_count_as_the_names_they_shorten(detector):
    ctx = ["Deadwood is a city in South Dakota, United States. Deadwood has a television station."]
    assert check(detector, "Deadwood is a city in South Dakota, US.", ctx, "?").supported
    assert check(detector, "Deadwood has a TV station.", ctx, "?").supported
    assert check(detector, "Deadwood is a city in the UK.", ctx, "?").verdict == "unsupported"
