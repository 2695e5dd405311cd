"""Planting an attack the way BIPIA does: start, middle (a seeded sentence start), end."""

import pytest

from gonogo.redteam import plant_attack, sentence_starts

DOC = "First sentence. Second one!\nThird line? Fourth."


def test_start_and_end_join_with_a_line_break():
    assert plant_attack(DOC, "ATTACK", "start") == "ATTACK\n" + DOC
    assert plant_attack(DOC, "ATTACK", "end") == DOC + "\nATTACK"


def test_middle_goes_before_a_sentence_chosen_by_the_seed():
    starts = sentence_starts(DOC)
    assert starts == [0, 16, 28, 40]
    seen = set()
    for seed in range(40):
        planted = plant_attack(DOC, "ATTACK", "middle", seed=seed)
        assert planted == plant_attack(DOC, "ATTACK", "middle", seed=seed)  # deterministic
        before, after = planted.split("\nATTACK\n")
        assert before + after == DOC and len(before) in starts
        seen.add(len(before))
    assert seen == set(starts)


def test_an_unknown_position_is_an_error():
    with pytest.raises(ValueError, match="start, middle, end"):
        plant_attack(DOC, "ATTACK", "top")
