"""A PROXY for long abstractive answers: generated from the dev contexts, not real LLM text.

There is no labelled set of long answers in this repository (the issue's benchmark of
LLM-written news summaries is held back). This script builds a stand-in, deterministically
(``random.Random(seed)``), from the HaluEval dev contexts of ONE part of the split:

- a *document* is the contexts of ``DOC_QUESTIONS`` questions, one after another
  (about 350 words; for the speed run, 2,000 words);
- a *grounded answer* is 3–5 sentences of that document, each rewritten by the
  paraphrase operations below (about 90 words): kept, cut to its main clause, a
  parenthesis dropped, words swapped for synonyms from a fixed table, the subject
  replaced by a pronoun, two sentences about one subject joined with "and", a framing
  phrase put in front ("The text says that ..."). Every fact stays the document's;
- an *ungrounded answer* is a grounded one with ONE sentence corrupted, by kind: a name
  replaced by a name from another part of the dev file (``extrinsic_name``), by another
  name of the same document (``intrinsic_name``: every word is still in the document), a
  number or year changed (``number``), a negation inserted (``negation``), a sentence
  appended from a context that is not in the document (``extrinsic_sentence``), or a
  comparative flipped ("largest" → "smallest", ``antonym``).

What it can tell: whether long, paraphrased answers are called ``unsupported`` when they
are grounded (the paraphrase table is the generator's, not the detector's: it was written
before the detector was run on it and is not tuned to it), and which corruptions the
detector catches. What it cannot: how real LLM answers paraphrase, or how often they
relate the document's own words wrongly. Numbers from it are labelled as the proxy's.

    PYTHONPATH=src python benchmarks/groundedness_proxy.py [--part tuning|locked] [--show N]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_groundedness import DATA, load  # noqa: E402

SEED = 1313
DOC_QUESTIONS = 6  # contexts per document (~350 words)
SPEED_WORDS = 2000  # context words per answer in the speed run
PER_PART = 120  # grounded answers per part; as many ungrounded ones
KINDS = ("extrinsic_name", "intrinsic_name", "number", "negation", "extrinsic_sentence",
         "antonym")  # fmt: skip

SYNONYMS = {
    "built": "constructed",
    "constructed": "built",
    "located": "situated",
    "film": "movie",
    "films": "movies",
    "began": "started",
    "started": "began",
    "founded": "established",
    "established": "founded",
    "largest": "biggest",
    "famous": "well-known",
    "known": "recognised",
    "written": "penned",
    "wrote": "penned",
    "directed": "made",
    "won": "received",
    "received": "got",
    "company": "firm",
    "city": "town",
    "singer": "vocalist",
    "song": "track",
    "album": "record",
    "novel": "book",
    "located in": "found in",
    "is a": "is an example of a",
    "was a": "was an example of a",
    "based in": "headquartered in",
    "released": "put out",
    "member": "part",
    "members": "parts",
    "played": "performed",
    "television": "TV",
    "United States": "US",
    "United Kingdom": "UK",
    "approximately": "about",
    "several": "a number of",
    "popular": "well-liked",
    "professional": "pro",
    "former": "one-time",
    "currently": "now",
    "originally": "at first",
    "important": "major",
}
ANTONYMS = {
    "largest": "smallest",
    "smallest": "largest",
    "first": "last",
    "oldest": "youngest",
    "youngest": "oldest",
    "highest": "lowest",
    "longest": "shortest",
    "most": "least",
    "before": "after",
    "after": "before",
    "north": "south",
    "south": "north",
    "east": "west",
    "west": "east",
    "older": "younger",
    "larger": "smaller",
    "early": "late",
    "late": "early",
    "more": "fewer",
}
FRAMES = ("The text says that {s}", "According to the document, {s}", "It notes that {s}")
_PAREN = re.compile(r"\s*\([^()]*\)")
_CLAUSE_CUT = re.compile(r",\s+(?:which|who|where|while|although|making|and was|but)\b")
_NUMBER = re.compile(r"\b\d{1,4}\b")
_AUX = re.compile(r"\b(is|was|are|were|has|had)\b")


@dataclass
class ProxyItem:
    """One long answer over one document, grounded or with one corrupted sentence."""

    document: str
    answer: str
    grounded: bool
    kind: str  # "grounded" or the corruption's kind
    question: str = "Summarise what the document says."


def _sentences(text: str) -> list[str]:
    from gonogo.text import sentences

    return [s.text for s in sentences(text) if len(s.text.split()) >= 6]


def _names(text: str) -> list[str]:
    from gonogo.rag._grounding_text import names

    return [n.text for n in names(text) if not n.text[:1].isdigit() and len(n.text) > 3]


def paraphrase(sentence: str, rng: random.Random) -> str:
    """One grounded rewrite of a document sentence (operations chosen by ``rng``)."""
    s = sentence.strip()
    if rng.random() < 0.6:
        s = _PAREN.sub("", s)
    if rng.random() < 0.4:
        m = _CLAUSE_CUT.search(s)
        if m and len(s[: m.start()].split()) >= 6:
            s = s[: m.start()].rstrip(",;") + "."
    for word, other in SYNONYMS.items():
        if rng.random() < 0.5:
            s = re.sub(rf"\b{re.escape(word)}\b", other, s, count=1)
    if rng.random() < 0.25:
        s = rng.choice(FRAMES).format(s=_lower_first(s))
    return s


_COMMON_OPENERS = frozenset(
    "The It He She They This These In A An After Before His Her According".split()
)


def _lower_first(s: str) -> str:
    """Lower-case the first word only when it is a common word, not a name."""
    first = s.split(" ", 1)[0]
    return s[0].lower() + s[1:] if first in _COMMON_OPENERS else s


def _pronoun(sentence: str, subject: str) -> str:
    if sentence.startswith(subject + " "):
        return "It" + sentence[len(subject) :]
    return sentence


def grounded_answer(doc_sents: list[str], rng: random.Random) -> list[str]:
    """3–5 paraphrased sentences of the document, in reading order."""
    n = min(len(doc_sents), rng.randint(3, 5))
    picked = sorted(rng.sample(range(len(doc_sents)), n))
    out: list[str] = []
    for i in picked:
        s = paraphrase(doc_sents[i], rng)
        names = _names(doc_sents[i])
        if out and names and rng.random() < 0.2 and _names(out[-1])[:1] == names[:1]:
            s = _pronoun(s, names[0])
        if out and rng.random() < 0.15 and out[-1].endswith(".") and ", and " not in out[-1]:
            out[-1] = out[-1][:-1] + ", and " + _lower_first(s)
            continue
        out.append(s)
    return out


def corrupt(
    answer: list[str], kind: str, doc: str, other_names: list[str], other_sents: list[str],
    rng: random.Random,
) -> list[str] | None:  # fmt: skip
    """The answer with one sentence made ungrounded by ``kind`` (None: not possible here)."""
    out = list(answer)
    order = rng.sample(range(len(out)), len(out))
    if kind == "extrinsic_sentence":
        out.insert(rng.randint(1, len(out)), rng.choice(other_sents))
        return out
    for k in order:
        s = out[k]
        if kind in ("extrinsic_name", "intrinsic_name"):
            mine = [n for n in _names(s) if n.split()[0] not in {"The", "It", "According"}]
            pool = (
                other_names
                if kind == "extrinsic_name"
                else [n for n in _names(doc) if n not in s and n.lower() not in doc.lower()[:0]]
            )
            pool = [n for n in pool if n not in mine and (kind == "intrinsic_name" or n not in doc)]
            if mine and pool:
                out[k] = s.replace(rng.choice(mine), rng.choice(pool), 1)
                return out
        elif kind == "number":
            nums = _NUMBER.findall(s)
            if nums:
                old = rng.choice(nums)
                new = str(int(old) + rng.choice([-7, -3, -2, 2, 3, 11]))
                if new not in doc:
                    out[k] = re.sub(rf"\b{old}\b", new, s, count=1)
                    return out
        elif kind == "negation":
            m = _AUX.search(s)
            if m and " not " not in s:
                out[k] = s[: m.end()] + " not" + s[m.end() :]
                return out
        elif kind == "antonym":
            for word, other in ANTONYMS.items():
                if re.search(rf"\b{word}\b", s):
                    out[k] = re.sub(rf"\b{word}\b", other, s, count=1)
                    return out
    return None


def build(part: str, n: int = PER_PART, seed: int = SEED) -> list[ProxyItem]:
    """``n`` grounded and ``n`` ungrounded long answers over documents of ``part``."""
    rng = random.Random(seed)
    rows = {it.qid: it.context for it in load(DATA, part)}
    other = {it.qid: it.context for it in load(DATA, "tuning" if part == "locked" else "locked")}
    qids, other_ctx = sorted(rows), [other[q] for q in sorted(other)]
    other_names = sorted({n for c in other_ctx for n in _names(c)})
    other_sents = [s for c in other_ctx for s in _sentences(c)]
    out: list[ProxyItem] = []
    while len(out) < 2 * n:
        doc = " ".join(rows[q] for q in rng.sample(qids, DOC_QUESTIONS))
        sents = _sentences(doc)
        if len(sents) < 4:
            continue
        answer = grounded_answer(sents, rng)
        kind = KINDS[(len(out) // 2) % len(KINDS)]
        if len(out) % 2 == 0:
            out.append(ProxyItem(doc, " ".join(answer), True, "grounded"))
            continue
        bad = corrupt(answer, kind, doc, other_names, other_sents, rng)
        if bad is not None:
            out.append(ProxyItem(doc, " ".join(bad), False, kind))
    return out


def long_speed_batch(n: int = 200, seed: int = SEED) -> list[tuple[str, list[str], str]]:
    """``n`` answers of about 100 words over contexts of about 2,000 words (speed only)."""
    rng = random.Random(seed)
    contexts = [it.context for it in load(DATA) if it.grounded]
    out: list[tuple[str, list[str], str]] = []
    while len(out) < n:
        picked: list[str] = []
        while sum(len(c.split()) for c in picked) < SPEED_WORDS:
            picked.append(rng.choice(contexts))
        doc = " ".join(picked)
        sents = _sentences(doc)
        answer: list[str] = []
        while len(" ".join(answer).split()) < 90:  # paraphrased sentences up to ~100 words
            answer.append(paraphrase(rng.choice(sents), rng))
        out.append((" ".join(answer), [doc], "Summarise what the document says."))
    return out


def evaluate(items: Sequence[ProxyItem]) -> dict[str, object]:
    """The detector's verdicts on the proxy, per kind."""
    from gonogo.rag._grounding import GroundednessDetector

    results = GroundednessDetector().check_many((it.answer, [it.document], it.question)
                                                for it in items)  # fmt: skip
    by_kind: dict[str, Counter[str]] = {}
    for it, r in zip(items, results, strict=True):
        by_kind.setdefault(it.kind, Counter())[str(r.verdict)] += 1
    grounded = [r for it, r in zip(items, results, strict=True) if it.grounded]
    flagged = [(it, r) for it, r in zip(items, results, strict=True) if r.verdict == "unsupported"]
    right = sum(not it.grounded for it, _ in flagged)
    return {
        "n": len(items),
        "grounded_called_unsupported": sum(r.verdict == "unsupported" for r in grounded)
        / max(len(grounded), 1),
        "unsupported_right": right / len(flagged) if flagged else float("nan"),
        "n_unsupported": len(flagged),
        "undecided": sum(r.verdict == "undecided" for r in results) / len(results),
        "by_kind": by_kind,
        "words": sum(len(it.answer.split()) for it in items) / len(items),
    }


def report_proxy(part: str = "tuning") -> dict[str, object]:
    """Print the proxy's numbers for one part (the locked part's proxy only for a look)."""
    m = evaluate(build(part))
    print(f"\nLONG-ANSWER PROXY ({part} part's contexts; generated, not LLM answers): "
          f"{m['n']} answers, {m['words']:.0f} words on average")  # fmt: skip
    print(f"grounded called unsupported {m['grounded_called_unsupported']:.1%}; an unsupported "
          f"verdict right {m['unsupported_right']:.1%} of {m['n_unsupported']}; undecided "
          f"{m['undecided']:.1%}")  # fmt: skip
    print("| kind | supported | undecided | unsupported |\n|---|---|---|---|")
    by_kind = m["by_kind"]
    assert isinstance(by_kind, dict)
    for kind in ("grounded", *KINDS):
        c = by_kind.get(kind, Counter())
        print(f"| {kind} | {c['supported']} | {c['undecided']} | {c['unsupported']} |")
    return m


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--part", choices=("tuning", "locked"), default="tuning")
    ap.add_argument("--show", type=int, default=0, help="print N generated items")
    args = ap.parse_args(argv)
    if args.show:
        for it in build(args.part)[: args.show]:
            print(f"[{it.kind}] {it.answer}\n")
        return 0
    report_proxy(args.part)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
