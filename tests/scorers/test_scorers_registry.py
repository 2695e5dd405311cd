import asyncio
import sys
import textwrap

import pytest
from pydantic import TypeAdapter
from scorer_helpers import make_case, out

import gonogo.scorers as scorers
from gonogo.errors import UserError
from gonogo.scorers import ScorerContext, build_scorers, resolve_kind, scorer_kinds
from gonogo.spec._scorer_params import ScorerSpec

PLUGIN = '''
from pydantic import BaseModel, ConfigDict

from gonogo.scorers import Score


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    word: str
    times: int = 1


class WordCount:
    def __init__(self, id, word, times):
        self.id, self.word, self.times = id, word, times

    async def score(self, case, output):
        n = output.text.lower().count(self.word)
        return Score(float(n), n >= self.times, f"{self.word!r} x{n}")


def word_count(spec, ctx):
    """Counts a word in the output."""
    return WordCount(spec["id"], spec["word"], spec["times"])


word_count.params_model = Params


class Shouting:
    """Passes when the output is all capitals (a class used as the factory)."""

    def __init__(self, spec, ctx):
        self.id = "whatever"  # the PRD's id wins

    async def score(self, case, output):
        return Score(1.0, output.text.isupper(), "")


class Crashes:
    def __init__(self, spec, ctx):
        self.id = spec["id"]

    async def score(self, case, output):
        raise ZeroDivisionError("boom")


class NeedsSetup:
    def __init__(self, spec, ctx):
        self.id = spec["id"]

    async def score(self, case, output):
        from gonogo.errors import UserError

        raise UserError("the lexicon file is missing", "run `make lexicon`")


def not_a_scorer(spec, ctx):
    return 42
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch, request):
    """A plug-in module on sys.path, with a name unique to the test."""
    name = f"gonogo_test_plugin_{request.node.name.replace('[', '_').replace(']', '')}"
    (tmp_path / f"{name}.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def build_one(entry, ctx=None):
    (scorer,) = build_scorers([entry], ctx or ScorerContext())
    return scorer


def run(scorer, text):
    return asyncio.run(scorer.score(make_case("x"), out(text)))


def test_exported_names():
    assert set(scorers.__all__) >= {
        "Score",
        "Scorer",
        "ScorerContext",
        "ScorerKind",
        "register_scorer",
        "resolve_kind",
        "build_scorers",
        "judge_fingerprint",
        "get_embedder",
        "Embedder",
        "scorer_kinds",
    }
    for name in scorers.__all__:
        assert getattr(scorers, name) is not None


def test_every_builtin_kind_is_registered_with_its_params_model():
    from gonogo.spec._scorer_params import BUILTIN_SCORER_MODELS

    for kind, model in BUILTIN_SCORER_MODELS.items():
        found = resolve_kind(kind)
        assert found.params_model is model and found.description
    assert resolve_kind("rubric").needs_judge is True


def test_module_factory_function_with_params_model(plugin):
    s = build_one({"id": "refunds", "kind": f"{plugin}:word_count", "word": "refund", "times": 2})
    assert s.id == "refunds"
    assert run(s, "Refund? Yes, a refund.").passed is True
    assert run(s, "A refund.").passed is False
    assert s.describe() == {
        "id": "refunds",
        "kind": f"{plugin}:word_count",
        "params": {"word": "refund", "times": 2},
    }
    assert resolve_kind(f"{plugin}:word_count").description == "Counts a word in the output."


def test_module_factory_params_errors_name_the_scorer(plugin):
    with pytest.raises(UserError, match=r"scorer 'wc' .*invalid params: word: Field required"):
        build_one({"id": "wc", "kind": f"{plugin}:word_count"})
    with pytest.raises(UserError, match=r"scorer 'wc' .*colour: Extra inputs are not permitted"):
        build_one({"id": "wc", "kind": f"{plugin}:word_count", "word": "a", "colour": "red"})


def test_module_factory_class_and_id_from_the_prd(plugin):
    s = build_one({"id": "caps", "kind": f"{plugin}:Shouting"})
    assert s.id == "caps" and s.inner.id == "caps"
    assert run(s, "STOP").passed is True and run(s, "stop").passed is False


def test_plugin_crash_at_score_time_is_not_evaluated(plugin):
    s = run(build_one({"id": "c", "kind": f"{plugin}:Crashes"}), "x")
    assert (s.value, s.passed) == (None, None) and s.error == "ZeroDivisionError: boom"


def test_user_error_at_score_time_stops_the_run(plugin):
    with pytest.raises(UserError, match="lexicon file is missing"):
        run(build_one({"id": "n", "kind": f"{plugin}:NeedsSetup"}), "x")


def test_plugin_import_problems_are_user_errors(plugin):
    with pytest.raises(UserError, match="cannot import module 'no_such_mod_xyz'"):
        resolve_kind("no_such_mod_xyz:f")
    with pytest.raises(UserError, match="has no attribute 'nope'"):
        resolve_kind(f"{plugin}:nope")
    with pytest.raises(UserError, match="no async `score"):
        build_one({"id": "n", "kind": f"{plugin}:not_a_scorer"})


def test_module_factory_found_next_to_the_prd(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "my_prd_dir_scorers.py").write_text(PLUGIN)
    ctx = ScorerContext(base_dir=str(tmp_path))
    s = build_one({"id": "w", "kind": "my_prd_dir_scorers:word_count", "word": "x"}, ctx)
    assert run(s, "x").passed is True
    sys.modules.pop("my_prd_dir_scorers", None)


def test_entry_point_plugin_via_installed_dist_info(tmp_path, monkeypatch):
    pkg = tmp_path / "acme_gonogo_scorers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(PLUGIN)
    dist = tmp_path / "acme_gonogo_scorers-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-gonogo-scorers\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        textwrap.dedent("""\
        [gonogo.scorers]
        acme_words = acme_gonogo_scorers:word_count
        acme_broken = acme_gonogo_scorers:does_not_exist
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        kind = resolve_kind("acme_words")
        assert kind.params_model.__name__ == "Params"
        s = build_one({"id": "w", "kind": "acme_words", "word": "ok"})
        assert run(s, "ok ok").passed is True
        with pytest.raises(UserError, match="acme_broken.*failed to load"):
            resolve_kind("acme_broken")
        with pytest.raises(UserError, match="did you mean 'acme_words'"):
            resolve_kind("acme_word")
    finally:
        sys.modules.pop("acme_gonogo_scorers", None)
        scorers._base._REGISTRY.pop("acme_words", None)


def test_scorer_kinds_lists_builtins_and_entry_points(tmp_path, monkeypatch):
    dist = tmp_path / "zz_listed-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zz-listed\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[gonogo.scorers]\nzz_equals = gonogo.scorers._deterministic:_equals\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        names = [k.name for k in scorer_kinds()]
        assert {"equals", "rubric", "semantic_similarity", "zz_equals"} <= set(names)
    finally:
        scorers._base._REGISTRY.pop("zz_equals", None)


def test_unknown_kind_suggests_a_close_match():
    with pytest.raises(UserError) as e:
        resolve_kind("semantic_similarty")
    assert "unknown scorer kind 'semantic_similarty'" in str(e.value)
    assert "did you mean 'semantic_similarity'" in e.value.hint
    with pytest.raises(UserError) as e:
        resolve_kind("zzqx_unknown")
    assert "built-in kinds: " in e.value.hint and "package.module:factory" in e.value.hint


def test_build_from_prd_models_keeps_order_and_describes(plugin):
    adapter = TypeAdapter(list[ScorerSpec])
    specs = adapter.validate_python(
        [
            {"id": "exact", "kind": "equals"},
            {"id": "shape", "kind": "json_schema", "schema": {"type": "object"}},
            {"id": "words", "kind": f"{plugin}:word_count", "word": "hi"},
        ]
    )
    built = build_scorers(specs, ScorerContext())
    assert [s.id for s in built] == ["exact", "shape", "words"]
    assert built[0].describe() == {"id": "exact", "kind": "equals", "params": {"normalize": True}}
    assert built[1].describe()["params"]["schema"] == {"type": "object"}
    assert built[2].describe()["params"] == {"word": "hi", "times": 1}


def test_duplicate_ids_are_rejected():
    with pytest.raises(UserError, match="two scorers have the id 'a'"):
        build_scorers(
            [{"id": "a", "kind": "equals"}, {"id": "a", "kind": "json_valid"}], ScorerContext()
        )
