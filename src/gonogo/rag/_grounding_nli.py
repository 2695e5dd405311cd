"""Groundedness with a local NLI cross-encoder (ONNX), when the user has one.

No NLI model ships with gonogo; point :class:`NLIGroundednessDetector` at a directory
holding an ONNX export of one (e.g. ``optimum-cli export onnx --model
cross-encoder/nli-deberta-v3-xsmall DIR`` on a machine that can download it):

- ``model.onnx``: inputs ``input_ids`` and ``attention_mask`` (``token_type_ids`` if the
  model has it), first output the class logits, shape ``(batch, classes)``;
- ``tokenizer.json``: the model's tokenizer (Hugging Face ``tokenizers`` format);
- ``config.json`` (needed for 3-class models): ``id2label`` naming the entailment class.

Each claim is the hypothesis, each context sentence window the premise; a claim's support
is its highest entailment probability over the premises. onnxruntime and tokenizers are
imported only when a detector is made.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..text import is_refusal, sentences
from ._grounding_result import ClaimVerdict, GroundingResult, combine
from ._grounding_text import claims as split_claims

REQUIRED_FILES = ("model.onnx", "tokenizer.json")
_VALID_DIR = (
    "a valid NLI model directory holds model.onnx (an ONNX cross-encoder), tokenizer.json "
    "and, for a 3-class model, config.json with id2label — e.g. made by `optimum-cli export "
    "onnx --model cross-encoder/nli-deberta-v3-xsmall DIR`"
)
_PREMISE_SENTENCES = 3  # a premise is up to three consecutive context sentences


class NLIGroundednessDetector:
    """Groundedness by entailment: see the module docstring for the directory's layout.

    ``threshold``: claims whose best entailment probability is below it are unsupported.
    """

    method = "nli"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        threshold: float = 0.5,
        max_length: int = 512,
        batch_size: int = 16,
        threads: int = 1,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.threshold = threshold
        self.batch_size = batch_size
        config = _check_dir(self.model_dir)
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(self.model_dir / "model.onnx"),
                sess_options=opts,
                providers=["CPUExecutionProvider"],
            )
            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        except Exception as e:  # onnxruntime and tokenizers raise their own types
            raise UserError(
                f"cannot load the NLI model in {self.model_dir}: {e}", _VALID_DIR
            ) from None
        tok.enable_truncation(max_length=max_length)
        tok.no_padding()
        self._tokenizer = tok
        self._inputs = {i.name for i in self._session.get_inputs()}
        classes = self._session.get_outputs()[0].shape[-1]
        self.entailment_index = _entailment_index(config, classes, self.model_dir)

    def check(
        self, answer: str, contexts: Sequence[str], question: str | None = None
    ) -> GroundingResult:
        """Judge one answer: each claim's best entailment over the context premises."""
        spans = split_claims(answer)
        premises = _premises(contexts)
        verdicts: list[ClaimVerdict] = []
        todo = [s for s in spans if not is_refusal(s.text)]
        support = self.entailment(premises, [_hypothesis(s.text, question) for s in todo])
        scores = dict(zip((s.start for s in todo), support, strict=True))
        for s in spans:
            if s.start not in scores:
                verdicts.append(ClaimVerdict(s.text, s.start, s.end, 1.0, True, ["a refusal"]))
                continue
            p = scores[s.start]
            ok = p >= self.threshold
            why = [] if ok else [f"entailment probability {p:.2f} < {self.threshold:g}"]
            verdicts.append(ClaimVerdict(s.text, s.start, s.end, p, ok, why))
        result = combine(verdicts, self.method, self.threshold)
        result.metadata["nli_model_dir"] = str(self.model_dir)
        return result

    def entailment(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[float]:
        """For each hypothesis, its highest entailment probability over the premises."""
        if not premises:
            return [0.0] * len(hypotheses)
        pairs = [(p, h) for h in hypotheses for p in premises]
        probs: list[float] = []
        for start in range(0, len(pairs), self.batch_size):
            probs.extend(self._run(pairs[start : start + self.batch_size]))
        n = len(premises)
        return [max(probs[k * n : (k + 1) * n]) for k in range(len(hypotheses))]

    def _run(self, pairs: list[tuple[str, str]]) -> list[float]:
        import numpy as np

        enc = self._tokenizer.encode_batch(pairs)
        width = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(enc):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        logits = np.asarray(self._session.run(None, feeds)[0], dtype=np.float64)
        if logits.ndim == 1 or logits.shape[-1] == 1:  # one logit: P(entailment) = sigmoid
            return [float(p) for p in 1 / (1 + np.exp(-logits.reshape(-1)))]
        z = np.exp(logits - logits.max(axis=-1, keepdims=True))
        soft = z / z.sum(axis=-1, keepdims=True)
        return [float(p) for p in soft[:, self.entailment_index]]


def _check_dir(model_dir: Path) -> dict[str, Any]:
    if not model_dir.is_dir():
        raise UserError(f"NLI model directory {model_dir} does not exist", _VALID_DIR)
    missing = [f for f in REQUIRED_FILES if not (model_dir / f).is_file()]
    if missing:
        raise UserError(f"NLI model directory {model_dir} lacks {', '.join(missing)}", _VALID_DIR)
    config_path = model_dir / "config.json"
    if not config_path.is_file():
        return {}
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{config_path} is not valid JSON: {e}", _VALID_DIR) from None
    if not isinstance(config, dict):
        raise UserError(f"{config_path} is not a JSON object", _VALID_DIR)
    return config


def _entailment_index(config: dict[str, Any], classes: Any, model_dir: Path) -> int:
    labels = config.get("id2label") or {}
    for key, label in dict(labels).items():
        if "entail" in str(label).lower():
            return int(key)
    if labels:
        raise UserError(
            f"{model_dir / 'config.json'}: no id2label entry names entailment "
            f"(labels: {', '.join(map(str, labels.values()))})",
            "use an NLI model whose labels include 'entailment'",
        )
    if classes == 2:
        return 1  # (not entailment, entailment)
    if classes == 1:
        return 0
    raise UserError(
        f"cannot tell which output of {model_dir / 'model.onnx'} is entailment",
        "add config.json with id2label, e.g. "
        '{"id2label": {"0": "contradiction", "1": "entailment", "2": "neutral"}}',
    )


def _premises(contexts: Sequence[str]) -> list[str]:
    out: list[str] = []
    for chunk in contexts:
        sents = [s.text for s in sentences(chunk or "")]
        for i in range(0, len(sents), _PREMISE_SENTENCES - 1 or 1):
            out.append(" ".join(sents[i : i + _PREMISE_SENTENCES]))
            if i + _PREMISE_SENTENCES >= len(sents):
                break
    return out


def _hypothesis(claim: str, question: str | None) -> str:
    """A short answer ("Delhi") is only a statement together with its question."""
    if question and len(claim.split()) < 4:
        return f"{question.strip()} {claim.strip()}"
    return claim
