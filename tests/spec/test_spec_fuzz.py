"""Whatever a PRD contains, loading it either works or reports located, readable issues."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_helpers import VALID

from gonogo.errors import SpecError
from gonogo.spec import load_prd_text
from gonogo.spec._scorer_params import SCORER_TAGS

BASE = yaml.safe_load(VALID)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(BASE) if p]
KEYS = st.sampled_from(["id", "kind", "min", "scorer", "x", "static", "url", "values", "detect"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["", "model", "rubric", "match", "threshold:match", "a:b", "1h", "high"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=6,
)


def _replace(data, path, value):
    import copy

    data = copy.deepcopy(data)
    node = data
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = value
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_any_mutation_loads_or_reports_located_issues(mutations):
    data = BASE
    for path, value in mutations:
        try:
            data = _replace(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        load_prd_text(text)
    except SpecError as e:
        assert e.issues
        for issue in e.issues:
            assert issue.line is not None and issue.col is not None, issue
            assert issue.message
            shown = issue.format()
            assert not any(tag in shown.split(" — ")[0] for tag in SCORER_TAGS), shown
            assert "function-" not in shown and "literal[" not in shown, shown
