"""NLI-mode groundedness: the model directory's checks, and the wiring on a tiny ONNX graph.

No NLI model ships on PyPI, so the wiring test builds a two-node "model" whose
entailment logit counts the word "paris" in the (premise, hypothesis) pair: a claim
that names Paris is entailed by a premise that does too. It needs the ``onnx`` package
to build the graph and is skipped without it.
"""

import json
import shutil

import pytest

from gonogo.embeddings import TOKENIZER_PATH
from gonogo.errors import UserError
from gonogo.rag._grounding_nli import NLIGroundednessDetector


def test_missing_directory_names_what_a_valid_one_holds(tmp_path):
    with pytest.raises(UserError) as e:
        NLIGroundednessDetector(tmp_path / "nope")
    assert "does not exist" in e.value.message
    assert "model.onnx" in e.value.hint and "tokenizer.json" in e.value.hint


def test_missing_files_are_named(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(UserError, match="lacks model.onnx"):
        NLIGroundednessDetector(tmp_path)
    (tmp_path / "tokenizer.json").unlink()
    with pytest.raises(UserError, match="lacks model.onnx, tokenizer.json"):
        NLIGroundednessDetector(tmp_path)


def test_unloadable_files_are_a_user_error(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    shutil.copy(TOKENIZER_PATH, tmp_path / "tokenizer.json")
    with pytest.raises(UserError, match="cannot load the NLI model"):
        NLIGroundednessDetector(tmp_path)


def test_bad_config_is_a_user_error(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"x")
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(UserError, match="config.json is not valid JSON"):
        NLIGroundednessDetector(tmp_path)


def paris_model(directory, id2label):
    """model.onnx + tokenizer.json (+ config.json): entailment logit = 5 * (#paris - 1.5)."""
    import onnx
    from onnx import TensorProto, helper
    from tokenizers import Tokenizer

    paris = Tokenizer.from_file(str(TOKENIZER_PATH)).token_to_id("paris")
    nodes = [
        helper.make_node("Equal", ["input_ids", "paris_id"], ["is_paris"]),
        helper.make_node("Cast", ["is_paris"], ["as_float"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["as_float", "axis1"], ["count"], keepdims=1),
        helper.make_node("Mul", ["count", "five"], ["scaled"]),
        helper.make_node("Sub", ["scaled", "seven_half"], ["entail"]),
        helper.make_node("Mul", ["count", "zero"], ["other"]),
        helper.make_node("Concat", ["other", "entail", "other"], ["logits"], axis=1),
    ]
    inits = [
        helper.make_tensor("paris_id", TensorProto.INT64, [], [paris]),
        helper.make_tensor("axis1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("five", TensorProto.FLOAT, [], [5.0]),
        helper.make_tensor("seven_half", TensorProto.FLOAT, [], [7.5]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
    ]
    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
        for n in ("input_ids", "attention_mask")
    ]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])
    graph = helper.make_graph(nodes, "paris", inputs, [out], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(directory / "model.onnx"))
    shutil.copy(TOKENIZER_PATH, directory / "tokenizer.json")
    if id2label is not None:
        (directory / "config.json").write_text(json.dumps({"id2label": id2label}))


LABELS = {"0": "contradiction", "1": "entailment", "2": "neutral"}


def test_wiring_entailment_per_claim_with_spans(tmp_path):
    paris_model(tmp_path, LABELS)
    nli = NLIGroundednessDetector(tmp_path)
    assert nli.entailment_index == 1
    answer = "The tower is in Paris. It was painted in Rome. I don't know who owns it."
    contexts = ["The Eiffel Tower is in Paris.", "It is painted every seven years."]
    r = nli.check(answer, contexts, "Where is the tower?")
    assert r.method == "nli" and not r.supported
    assert [c.supported for c in r.claims] == [True, False, True]
    assert r.claims[0].score > 0.8 and r.claims[1].score < 0.1
    assert r.claims[1].reasons[0].startswith("entailment probability")
    assert r.claims[2].reasons == ["a refusal"]
    for c in r.claims:
        assert answer[c.start : c.end] == c.text
    assert r.metadata["nli_model_dir"] == str(tmp_path)


def test_short_answer_is_read_with_its_question(tmp_path):
    paris_model(tmp_path, LABELS)
    nli = NLIGroundednessDetector(tmp_path)
    # "France" names no Paris, but the question does: question + answer is the hypothesis
    assert nli.check("France", ["The tower is in Paris."], "Is the tower in Paris?").supported
    assert not nli.check("France", ["The tower is in Paris."], None).supported
    assert not nli.check("Paris", [], None).supported  # no context: nothing entails


def test_three_classes_need_id2label(tmp_path):
    paris_model(tmp_path, None)
    with pytest.raises(UserError, match="which output") as e:
        NLIGroundednessDetector(tmp_path)
    assert "id2label" in e.value.hint
    (tmp_path / "config.json").write_text(json.dumps({"id2label": {"0": "yes", "1": "no"}}))
    with pytest.raises(UserError, match="no id2label entry names entailment"):
        NLIGroundednessDetector(tmp_path)
