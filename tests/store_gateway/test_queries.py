"""The one query builder both SQL backends use: same SQL but for the placeholder style."""

import re

import pytest

from gonogo.store.gateway import _queries as sql

BUILT = {
    "insert": lambda s: sql.insert(s, "feedback", "id, trace_id", ("f1", "t1")),
    "latest_prompt": lambda s: sql.latest_prompt(s, "answer"),
    "prompt_version": lambda s: sql.prompt_version(s, "answer", 2),
    "prompt_versions": lambda s: sql.prompt_versions(s, "answer"),
    "label_version": lambda s: sql.label_version(s, "answer", "production"),
    "label_moves": lambda s: sql.label_moves(s, "answer", "production"),
    "label_moves_all": lambda s: sql.label_moves(s, "answer", None),
    "set_label": lambda s: sql.set_label(s, "answer", "production", 3),
    "record_move": lambda s: sql.record_move(s, ("a", "p", 1, 2, "me", None, 1.5, "move")),
    "trace_by_id": lambda s: sql.trace_by_id(s, "t1"),
    "list_traces": lambda s: sql.list_traces(s, 1.0, 2.0, "answer", 10),
    "list_traces_unfiltered": lambda s: sql.list_traces(s, None, None, None, None),
    "trace_exists": lambda s: sql.trace_exists(s, "t1"),
    "list_feedback": lambda s: sql.list_feedback(s, 1.0, "answer", 5),
    "spend_since": lambda s: sql.spend_since(s, 1.0, "k1"),
    "spend_since_all": lambda s: sql.spend_since(s, 1.0, None),
    "key_by_hash": lambda s: sql.key_by_hash(s, "h"),
    "key_exists": lambda s: sql.key_exists(s, "k1"),
    "revoke_key": lambda s: sql.revoke_key(s, "k1", 9.0),
    "set_key_budget": lambda s: sql.set_key_budget(s, "k1", None),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_both_styles_build_the_same_statement(name):
    qmark, numeric = BUILT[name]("qmark"), BUILT[name]("numeric")
    assert qmark.args == numeric.args
    assert qmark.sql.count("?") == len(qmark.args)
    numbers = [int(n) for n in re.findall(r"\$(\d+)", numeric.sql)]
    assert numbers == list(range(1, len(numeric.args) + 1))  # numbered in argument order
    assert re.sub(r"\$\d+", "?", numeric.sql) == qmark.sql


def test_optional_filters_are_left_out_and_required_ones_kept():
    q = sql.list_traces("numeric", None, 2.0, None, 7)
    assert q.sql.endswith("WHERE t.started_at < $1 ORDER BY t.started_at DESC, t.id LIMIT $2")
    assert q.args == [2.0, 7]
    assert "WHERE" not in sql.list_traces("qmark", None, None, None, None).sql
    assert sql.spend_since("qmark", 1.0, None).sql.endswith("WHERE started_at >= ?")
    assert sql.label_moves("qmark", "answer", None).args == ["answer"]


def test_feedback_width_splits_a_joined_row():
    q = sql.list_feedback("qmark", None, None, None)
    selected = q.sql.split(" FROM ")[0].removeprefix("SELECT ").split(", ")
    assert [c for c in selected[: sql.FEEDBACK_WIDTH] if not c.startswith("f.")] == []
    assert selected[sql.FEEDBACK_WIDTH].startswith("t.")
