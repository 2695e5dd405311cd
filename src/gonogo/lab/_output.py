"""Output injections: the feature's answer is changed after it was produced.

They reach every kind of target (the answer is what every target returns). When a stack
holds only output injections, the lab replays the clean run's recorded answers through
them instead of calling the feature again: the pairing is then exact — the only
difference between the two runs is the injection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..data import TargetOutput
from ..rag import REFUSAL
from ..text import is_refusal
from ._injection import CallContext, Injection, builtin
from ._mutate import invented_name, sentences, swap_facts, wrong_entity, wrong_number
from ._mutate import spans as find_spans


def _contexts(out: TargetOutput, ctx: CallContext) -> list[str]:
    return [str(c) for c in (out.contexts or ctx.case.contexts or [])]


def _map_text(value: Any, fn: Callable[[str], str]) -> Any:
    """``fn`` applied to a text answer, or to each text inside a structured one."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _map_text(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_text(v, fn) for v in value]
    return value


def _answered(out: TargetOutput) -> bool:
    return out.error is None and out.output is not None


@builtin
class Hallucinate(Injection):
    """Rewrite answers with plausible wrong names and numbers the passages do not contain."""

    name = "hallucinate"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not self.hits(ctx):
            return out
        passages = "\n".join(_contexts(out, ctx))
        planted: list[dict[str, str]] = []

        def rewrite(text: str) -> str:
            if is_refusal(text):
                if not self.params.get("refusals"):
                    return text
                new = f"{invented_name(ctx.rng, 2, passages)} ({wrong_number('1990', ctx.rng)})"
                planted.append({"kind": "from_memory", "before": text, "after": new})
                return new
            new, changed = swap_facts(text, ctx.rng, ctx.pool, passages, rank=ctx.rank,
                                      what=str(self.params.get("what", "both")))  # fmt: skip
            if not changed:  # nothing to swap: add an invented detail
                extra = f"{invented_name(ctx.rng, 2, passages)} in {wrong_number('1990', ctx.rng)}"
                new = f"{text.rstrip().rstrip('.')}, according to {extra}."
                changed = [{"kind": "invented", "before": "", "after": extra}]
            planted.extend(changed)
            return new

        new_output = _map_text(out.output, rewrite)
        if not planted:
            return out
        ctx.note(self.name, f"planted {len(planted)} wrong fact(s)", planted=planted)
        return replace(out, output=new_output)


@builtin
class WrongEntity(Injection):
    """Answer with another name or number from the same passages: grounded, but wrong."""

    name = "wrong-entity"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not self.hits(ctx):
            return out
        passages = "\n".join(_contexts(out, ctx))
        expected = str(ctx.case.expected or "").lower()
        done: list[dict[str, str]] = []

        def rewrite(text: str) -> str:
            if is_refusal(text) or not passages:
                return text
            flip = {"yes": "no", "no": "yes"}.get(text.strip().strip(".").lower())
            if flip is not None:
                done.append({"kind": "yes/no", "before": text, "after": flip})
                return flip.capitalize() if text[:1].isupper() else flip
            found = find_spans(text)
            for s in found:
                if s.kind == "entity":
                    new = wrong_entity(s.text, ctx.rng, (), passages, inside=True, rank=ctx.rank)
                else:
                    nums = [n.text for n in find_spans(passages, "numbers") if n.text != s.text]
                    new = ctx.rng.choice(nums) if nums else None
                if new and new.lower() not in expected:
                    done.append({"kind": s.kind, "before": s.text, "after": new})
                    return text[: s.start] + new + text[s.end :]
            others = [x for x in sentences(passages) if x.strip() != text.strip()]
            others = [x for x in others if not expected or expected not in x.lower()]
            if not others:
                return text
            new = ctx.rng.choice(others)
            done.append({"kind": "sentence", "before": text, "after": new})
            return new

        new_output = _map_text(out.output, rewrite)
        if not done:
            return out
        ctx.note(self.name, "answered with another part of the passages", changed=done)
        return replace(out, output=new_output)


@builtin
class CorruptJson(Injection):
    """Break the answer's JSON (or format)."""

    name = "corrupt-json"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not self.hits(ctx):
            return out
        text = out.text
        mode = str(self.params.get("mode", "syntax"))
        if mode == "truncate":
            new = text[: max(1, len(text) // 2)]
        elif mode == "wrap":
            new = f"Here is the answer:\n```json\n{text}\n```"
        else:
            new = text.replace('"', "'", 2) + ("," if text.endswith("}") else " }")
        ctx.note(self.name, f"corrupted the format ({mode})")
        return replace(out, output=new)


@builtin
class TruncateAnswer(Injection):
    """Cut answers short."""

    name = "truncate-answer"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not self.hits(ctx):
            return out
        keep = float(self.params.get("keep", 0.4))

        def cut(text: str) -> str:
            return text[: int(len(text) * keep)]

        new = _map_text(out.output, cut)
        if new == out.output:
            return out
        ctx.note(self.name, f"kept {keep:.0%} of the answer")
        return replace(out, output=new)


_FILLER = (
    "To put it another way, this is worth restating in full.",
    "It is important to consider the broader context here as well.",
    "Many factors may play a role, and each of them deserves attention.",
    "In summary, the points above are the key considerations.",
    "As always, further details may vary depending on the circumstances.",
)


@builtin
class Verbose(Injection):
    """Inflate answers with filler — and their output tokens and cost by the same factor."""

    name = "verbose"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not isinstance(out.output, str) or not self.hits(ctx):
            return out
        factor = float(self.params.get("factor", 5.0))
        target = int(max(len(out.output), 40) * factor)
        parts = [out.output]
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(ctx.rng.choice(_FILLER))
        tokens = None if out.output_tokens is None else int(out.output_tokens * factor)
        cost = out.cost_usd
        if cost is not None and out.output_tokens:
            cost = cost * factor
        ctx.note(self.name, f"{factor:g}x longer")
        return replace(out, output=" ".join(parts), output_tokens=tokens, cost_usd=cost)


_WORDS = {
    "fr": {"the": "le", "a": "un", "an": "une", "is": "est", "was": "était", "are": "sont",
           "were": "étaient", "of": "de", "and": "et", "in": "dans", "on": "sur", "to": "à",
           "for": "pour", "with": "avec", "by": "par", "it": "il", "he": "il", "she": "elle",
           "they": "ils", "his": "son", "her": "sa", "their": "leur", "from": "de", "that":
           "que", "which": "qui", "who": "qui", "not": "pas", "also": "aussi", "born": "né",
           "known": "connu", "first": "premier", "american": "américain", "film": "film",
           "year": "année", "city": "ville", "yes": "oui", "no": "non", "don't": "ne",
           "know": "sais", "i": "je", "based": "basé", "provided": "fournis", "documents":
           "documents", "as": "comme", "at": "à", "be": "être", "has": "a", "have": "ont"},
    "de": {"the": "die", "a": "ein", "an": "eine", "is": "ist", "was": "war", "are": "sind",
           "were": "waren", "of": "von", "and": "und", "in": "in", "on": "auf", "to": "zu",
           "for": "für", "with": "mit", "by": "von", "it": "es", "he": "er", "she": "sie",
           "they": "sie", "his": "sein", "her": "ihr", "their": "ihr", "from": "aus",
           "that": "dass", "which": "welche", "who": "wer", "not": "nicht", "also": "auch",
           "born": "geboren", "known": "bekannt", "first": "erste", "yes": "ja", "no": "nein",
           "i": "ich", "know": "weiß", "don't": "nicht", "as": "als", "at": "bei",
           "has": "hat", "have": "haben", "city": "Stadt", "year": "Jahr"},
    "es": {"the": "el", "a": "un", "an": "una", "is": "es", "was": "fue", "are": "son",
           "were": "eran", "of": "de", "and": "y", "in": "en", "on": "sobre", "to": "a",
           "for": "para", "with": "con", "by": "por", "it": "eso", "he": "él", "she": "ella",
           "they": "ellos", "his": "su", "her": "su", "their": "su", "from": "de",
           "that": "que", "which": "cual", "who": "quien", "not": "no", "also": "también",
           "born": "nacido", "known": "conocido", "first": "primero", "yes": "sí", "no": "no",
           "i": "yo", "know": "sé", "don't": "no", "as": "como", "at": "en", "has": "tiene",
           "have": "tienen", "city": "ciudad", "year": "año"},
}  # fmt: skip
_PREFIX = {"fr": "Réponse : ", "de": "Antwort: ", "es": "Respuesta: "}
_WORD = re.compile(r"[A-Za-z']+")


@builtin
class SwitchLanguage(Injection):
    """Answer in another language (a word-by-word rendering: names and numbers kept)."""

    name = "switch-language"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not self.hits(ctx):
            return out
        lang = str(self.params.get("language", "fr"))
        table = _WORDS[lang]

        def word(m: re.Match[str]) -> str:
            w = m.group()
            new = table.get(w.lower())
            if new is None:
                return w
            return new.capitalize() if w[:1].isupper() else new

        new = _map_text(out.output, lambda t: _PREFIX[lang] + _WORD.sub(word, t))
        ctx.note(self.name, f"answered in {lang}")
        return replace(out, output=new)


@builtin
class Refuse(Injection):
    """Refuse to answer."""

    name = "refuse"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not self.hits(ctx):
            return out
        if isinstance(out.output, str) and is_refusal(out.output):
            return out
        ctx.note(self.name, "refused")
        return replace(out, output=REFUSAL)


@builtin
class AnswerAnyway(Injection):
    """Never say "I don't know": a refusal becomes a guess from the first passage."""

    name = "answer-anyway"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out) or not isinstance(out.output, str):
            return out
        if not is_refusal(out.output) or not self.hits(ctx):
            return out
        passages = _contexts(out, ctx)
        first = sentences(passages[0]) if passages else []
        guess = first[0] if first else invented_name(ctx.rng, 2)
        ctx.note(self.name, "guessed instead of declining", guess=guess)
        return replace(out, output=guess)


_ASK = re.compile(
    r"(?i)(?:reply only with|respond only with|instead (?:reply|respond|answer|say)[^:\n]*)"
    r"\s*:\s*(.+)"
)


@builtin
class ObeyInstruction(Injection):
    """Do what an instruction planted in a passage says — or, with ``mode=echo``, repeat it."""

    name = "obey-instruction"
    layer = "output"

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        if not _answered(out):
            return out
        found = None
        for passage in _contexts(out, ctx):
            m = _ASK.search(passage)
            if m:
                found = (m.group(1).strip(), _line_of(passage, m.start()))
                break
        if found is None or not self.hits(ctx):
            return out
        task, line = found
        mode = str(self.params.get("mode", "obey"))
        new = line if mode == "echo" else f"Sure! {task}"
        ctx.note(self.name, f"{mode}ed a planted instruction", instruction=line)
        return replace(out, output=new)


def _line_of(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end != -1 else len(text)].strip()
