import pytest
from scorer_helpers import out, score_with

from gonogo.errors import UserError
from gonogo.scorers import ScorerContext
from gonogo.scorers._text import first_number, normalize

NOT_EVAL = "not evaluated: case has no expected output"


# --- normalisation and numbers -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("  Hello,   World! ", "hello world"),
        ("ＡＢＣ", "abc"),  # NFKC folds full-width letters
        ("Straße", "strasse"),  # casefold, not lower
        ("It costs $3.50.", "it costs $3.50"),  # decimal point kept, final dot dropped
        ("1,234 items", "1,234 items"),
        ("don't\tstop\n", "dont stop"),
        ("«Paris»", "paris"),
    ],
)
def test_normalize(raw, want):
    assert normalize(raw) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("The answer is 42.", 42.0),
        ("It fell by -3.5 points", -3.5),
        ("Total: 1,234,567.89 USD", 1234567.89),
        ("\u22127 degrees", -7.0),
        ("COVID-19 cases", 19.0),
        ("about .5 of it", 0.5),
        ("1e3 requests", 1000.0),
        ("no digits here", None),
        ("", None),
    ],
)
def test_first_number(text, want):
    assert first_number(text) == want


# --- equals ----------------------------------------------------------------------------


def test_equals_normalised_pass_and_fail():
    s = score_with({"kind": "equals"}, "  paris. ", expected="Paris")
    assert (s.value, s.passed) == (1.0, True)
    s = score_with({"kind": "equals"}, "Lyon", expected="Paris")
    assert (s.value, s.passed) == (0.0, False)
    assert "'Lyon'" in s.reason and "'Paris'" in s.reason


def test_equals_exact_when_normalize_false():
    s = score_with({"kind": "equals", "normalize": False}, "paris", expected="Paris")
    assert s.passed is False
    s = score_with({"kind": "equals", "normalize": False}, "Paris", expected="Paris")
    assert s.passed is True


def test_equals_list_of_answers_and_structured():
    s = score_with({"kind": "equals"}, "N.Y.C.", expected=["New York", "NYC"])
    assert s.passed is True
    s = score_with({"kind": "equals"}, "Boston", expected=["New York", "NYC"])
    assert s.passed is False and "any of 2" in s.reason
    s = score_with({"kind": "equals"}, out({"a": 1}), expected={"a": 1})
    assert s.passed is True
    s = score_with({"kind": "equals"}, out({"a": 2}), expected={"a": 1})
    assert s.passed is False


def test_equals_numbers_keep_decimals_apart():
    assert score_with({"kind": "equals"}, "3.5", expected="35").passed is False
    assert score_with({"kind": "equals"}, "42", expected=42).passed is True


def test_equals_without_expected_is_not_evaluated():
    s = score_with({"kind": "equals"}, "anything", expected=None)
    assert (s.value, s.passed, s.reason) == (None, None, NOT_EVAL)


# --- contains --------------------------------------------------------------------------


def test_contains_any_values_case_insensitive():
    entry = {"kind": "contains_any", "values": ["30 days", "thirty days"]}
    s = score_with(entry, "You have THIRTY DAYS to return it.")
    assert s.passed is True and s.metadata["found"] == ["thirty days"]
    assert score_with(entry, "You have a month.").passed is False


def test_contains_case_sensitive():
    entry = {"kind": "contains_any", "values": ["Acme"], "case_sensitive": True}
    assert score_with(entry, "acme corp").passed is False
    assert score_with(entry, "Acme corp").passed is True


def test_contains_all_reports_missing():
    entry = {"kind": "contains_all", "values": ["receipt", "30 days", "original box"]}
    s = score_with(entry, "Bring the receipt within 30 days.")
    assert s.passed is False
    assert s.metadata["missing"] == ["original box"] and "'original box'" in s.reason
    assert score_with(entry, "Receipt, original box, 30 days.").passed is True


def test_contains_uses_expected_when_no_values():
    entry = {"kind": "contains_all"}
    assert score_with(entry, "refund in 30 days", expected=["refund", "30 days"]).passed is True
    assert score_with(entry, "refund soon", expected=["refund", "30 days"]).passed is False
    assert score_with({"kind": "contains_any"}, "ok", expected=None).passed is None


# --- regex -----------------------------------------------------------------------------


def test_regex_and_regex_absent():
    pat = r"\b\d{13,16}\b"
    ok = score_with({"kind": "regex_absent", "pattern": pat}, "Your order ships soon.")
    assert ok.passed is True
    bad = score_with({"kind": "regex_absent", "pattern": pat}, "card 4111111111111111 ok")
    assert bad.passed is False and bad.metadata["start"] == 5
    assert score_with({"kind": "regex", "pattern": r"https://\S+"}, "see https://a.b/c").passed
    assert not score_with({"kind": "regex", "pattern": r"https://\S+"}, "see the docs").passed


def test_regex_ignore_case():
    entry = {"kind": "regex", "pattern": "^yes", "ignore_case": True}
    assert score_with(entry, "YES, you can").passed is True
    assert score_with({**entry, "ignore_case": False}, "YES, you can").passed is False


def test_regex_invalid_pattern_is_a_user_error():
    with pytest.raises(UserError, match="scorer 's'.*not a valid regular expression"):
        score_with({"kind": "regex", "pattern": "([a-"}, "x")


# --- numeric ---------------------------------------------------------------------------


def test_numeric_tolerances():
    assert score_with({"kind": "numeric"}, "It is 1,250 dollars", expected=1250).passed is True
    assert score_with({"kind": "numeric"}, "It is 1,251 dollars", expected=1250).passed is False
    entry = {"kind": "numeric", "abs_tol": 0.5}
    assert score_with(entry, "-3.4", expected=-3).passed is True
    assert score_with(entry, "-3.6 C", expected="-3").passed is False
    entry = {"kind": "numeric", "rel_tol": 0.01}
    assert score_with(entry, "about 101", expected=100).passed is True
    assert score_with(entry, "about 102", expected=100).passed is False


def test_numeric_edge_cases():
    s = score_with({"kind": "numeric"}, "no idea", expected=3)
    assert s.passed is False and s.metadata["found"] is None
    assert score_with({"kind": "numeric"}, out(7), expected=7).passed is True  # structured
    assert score_with({"kind": "numeric"}, "7", expected=None).passed is None
    s = score_with({"kind": "numeric"}, "7", expected="seven")
    assert s.passed is None and "not a number" in s.error
    assert score_with({"kind": "numeric"}, "8", expected=[7, 8]).passed is True


# --- length, latency, cost -----------------------------------------------------------


def test_length_bounds():
    entry = {"kind": "length", "max_words": 5, "min_chars": 3}
    assert score_with(entry, "one two three").passed is True
    s = score_with(entry, "one two three four five six")
    assert s.passed is False and "6 words" in s.reason and s.metadata["words"] == 6
    assert score_with(entry, "hi").passed is False


def test_length_needs_a_sane_bound():
    with pytest.raises(UserError, match="no bounds"):
        score_with({"kind": "length"}, "x")
    with pytest.raises(UserError, match="min_words 5 is above max_words 2"):
        score_with({"kind": "length", "min_words": 5, "max_words": 2}, "x")


def test_latency():
    assert score_with({"kind": "latency", "max_s": 2}, out("a", latency_s=1.5)).passed is True
    s = score_with({"kind": "latency", "max_s": 2}, out("a", latency_s=2.5))
    assert s.passed is False and s.metadata["latency_s"] == 2.5


def test_cost_known_and_unknown():
    assert score_with({"kind": "cost", "max_usd": 0.01}, out("a", cost_usd=0.002)).passed
    assert not score_with({"kind": "cost", "max_usd": 0.01}, out("a", cost_usd=0.02)).passed
    s = score_with({"kind": "cost", "max_usd": 0.01}, out("a", cost_usd=None))
    assert (s.value, s.passed) == (None, None) and s.reason.startswith("not evaluated")


# --- JSON ------------------------------------------------------------------------------


SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "required": ["sku"]}},
    },
    "required": ["answer"],
}


def test_json_valid():
    assert score_with({"kind": "json_valid"}, '{"a": [1, 2]}').passed is True
    s = score_with({"kind": "json_valid"}, '```json\n{"a": 1}\n```')
    assert s.passed is False and s.reason.startswith("not valid JSON")
    assert score_with({"kind": "json_valid"}, out({"a": 1})).passed is True
    assert score_with({"kind": "json_valid"}, out(None)).passed is False


def test_json_schema_names_the_violation_path():
    entry = {"kind": "json_schema", "schema": SCHEMA}
    assert score_with(entry, '{"answer": "yes", "items": [{"sku": "A1"}]}').passed is True
    s = score_with(entry, '{"answer": "yes", "items": [{"sku": "A1"}, {"qty": 2}]}')
    assert s.passed is False
    assert s.metadata["path"] == "$.items[1]" and "'sku' is a required property" in s.reason
    s = score_with(entry, '{"items": []}')
    assert s.passed is False and "$:" in s.reason


def test_json_schema_falls_back_to_the_model_output_schema():
    ctx = ScorerContext(output_schema=SCHEMA)
    assert score_with({"kind": "json_schema"}, '{"answer": 1}', ctx=ctx).passed is False
    assert score_with({"kind": "json_schema"}, '{"answer": "a"}', ctx=ctx).passed is True
    # json_valid never picks up the model's schema: it checks validity only
    assert score_with({"kind": "json_valid"}, '{"answer": 1}', ctx=ctx).passed is True


def test_json_schema_without_any_schema_or_with_a_bad_one():
    with pytest.raises(UserError, match="has no schema"):
        score_with({"kind": "json_schema"}, "{}")
    with pytest.raises(UserError, match="JSON Schema is invalid"):
        score_with({"kind": "json_schema", "schema": {"type": "nope"}}, "{}")


# --- shared behaviour ------------------------------------------------------------------


def test_target_error_fails_every_scorer():
    s = score_with({"kind": "regex_absent", "pattern": "x"}, out(None, error="timeout after 60s"))
    assert (s.value, s.passed) == (0.0, False)
    assert s.reason == "target error: timeout after 60s"
