"""Shared helpers for the scorer tests (imported, not a conftest: test dirs have no __init__)."""

import asyncio

from gonogo.data import TargetOutput
from gonogo.data._case import Case
from gonogo.scorers import ScorerContext, build_scorers


def make_case(expected=None, question="How long do I have to return shoes?", **kw):
    return Case(id=kw.pop("id", "q1"), inputs={"question": question}, expected=expected, **kw)


def out(output="", **kw):
    return TargetOutput(output=output, **kw)


def score_with(entry, output, expected=None, ctx=None, case=None):
    """Build one scorer from a PRD-style entry (the real path) and score one output."""
    entry = {"id": "s", **entry}
    (scorer,) = build_scorers([entry], ctx or ScorerContext())
    target = output if isinstance(output, TargetOutput) else out(output)
    return asyncio.run(scorer.score(case or make_case(expected), target))
