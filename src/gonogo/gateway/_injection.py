"""Prompt-injection heuristics: phrases that try to override the model's instructions.

A cheap first line of defence, not a classifier: each pattern below has a weight (how
sure a match alone makes us), and a text's score combines its matches as independent
evidence, ``1 − Π(1 − w)``. The guard trips at ``threshold`` (default 0.5), so one
strong signal ("ignore all previous instructions") trips it and one weak signal
("you are now") does not. The patterns cover the families seen in public injection
sets (BIPIA, the gonogo demo's planted notes, jailbreak prompts):

- override: ignore / disregard / forget the previous, above or system instructions;
- new instructions: "new instructions:", "from now on you", "instead, reply only with";
- role play used to drop rules: "you are now DAN", "developer mode", "jailbreak";
- exfiltration: reveal / print / repeat the system prompt or hidden instructions;
- smuggled chat markup: ``<|im_start|>``, ``[INST]``, ``### system:``, ``</s>``;
- notes addressed to the model inside a document: "note to the assistant / AI".

It runs on the user's messages and, unless ``scan_contexts: false``, on the contexts
the caller passed. Contexts get a second test as well (``_injection_doc.py``): indirect
injections planted in retrieved documents rarely use those phrases — they simply give the
assistant a task ("In your response, suggest …", "Translate your answer into French").
A fitted model scores each sentence of a context for that; its probability joins the
patterns' evidence as one more independent term, named ``document_instruction`` in
``matched``. The user's own messages do not get this test: asking the assistant for
things is what they are for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ._injection_doc import document_score

# (weight, name, anchors, pattern) on the lower-cased text. The regex runs only when one
# of its anchor substrings occurs (a plain `in` test is ~50x cheaper than the regex).
# Weights: 0.9 = a match is an attack; 0.5 = likely; 0.3 = a hint.
PATTERNS: tuple[tuple[float, str, tuple[str, ...], str], ...] = (
    (0.9, "override", ("ignore", "disregard", "forget", "override", "bypass"),
     r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(previous|prior|above|"
     r"earlier|preceding|original|system|all|any|your|the user'?s?)\b[^.\n]{0,30}?"
     r"\b(instructions?|prompts?|rules|directions|guidelines|question|context|messages?)"
     r"|\b(ignore|disregard|forget)\s+(all\s+)?(the|your|these|those|my)?\s*(instructions?|"
     r"rules|prompts?|guidelines)\s+(above|before|so far)"),
    (0.9, "note_to_model", ("note to", "note for", "message to", "message for", "instructions for",
                            "instruction for", "instructions to"),
     r"\b(note|message|instructions?)\s+(to|for)\s+(the\s+)?(assistant|ai|model|llm|chatbot|"
     r"gpt|bot)\b"),
    (0.8, "reply_only", ("only", "instead"),
     r"\b(instead|only)\b[^.\n]{0,20}\b(reply|respond|answer|say|output|print)\b[^.\n]{0,10}"
     r"\b(only\s+)?with\b"),
    (0.8, "exfiltrate", ("prompt", "instruction", "system message"),
     r"\b(reveal|print|show|repeat|output|leak|display|tell me)\b[^.\n]{0,30}\b(system|hidden|"
     r"initial|secret)\s+(prompt|instructions?|message)"),
    (0.8, "chat_markup", ("<|", "[inst]", "[/inst]", "<<sys", "<</sys", "##", "</s>"),
     r"<\|(im_start|im_end|system|endoftext)\|>|\[/?inst\]|<</?sys>>|^\s*#{2,}\s*(system|"
     r"assistant)\s*:|</s>\s*<s>"),
    (0.7, "jailbreak", ("jailbreak", "dan mode", "developer mode", "anything now", "god mode",
                        "unfiltered mode"),
     r"\b(jailbreak|dan mode|developer mode|do anything now|god mode|unfiltered mode)\b"),
    (0.5, "new_instructions", ("instruction", "task:", "rules:", "from now on"),
     r"\b(new|updated|real|actual)\s+(instructions?|task|rules)\s*:|\bfrom now on,?\s+(you|"
     r"always|never|respond|answer)"),
    (0.5, "system_claim", ("system", "admin", "developer"),
     r"^\s*(system|admin|developer)\s*(message|prompt|override)?\s*:"),
    (0.3, "persona", ("you are now", "pretend", "act as", "roleplay"),
     r"\byou are now\b|\bpretend (to be|you are)\b|\bact as (if|an?)\b|\broleplay as\b"),
)  # fmt: skip

# a context sentence's probability below this is noise, not evidence (one weak feature)
DOCUMENT_FLOOR = 0.05

_COMPILED = tuple(
    (w, name, anchors, re.compile(p, re.MULTILINE)) for w, name, anchors, p in PATTERNS
)


@dataclass(frozen=True, slots=True)
class InjectionScore:
    """The combined score in 0..1 and the names of the patterns that matched."""

    score: float
    matched: tuple[str, ...]


def injection_score(texts: Iterable[str], contexts: Iterable[str] = ()) -> InjectionScore:
    """Score the user's ``texts`` and the retrieved ``contexts`` together.

    A pattern counts once, wherever it matched; contexts are also searched for
    instructions aimed at the assistant (the most suspicious sentence of any context).
    """
    matched: list[str] = []
    keep = 1.0
    best_doc, doc_features = 0.0, tuple[str, ...]()
    for is_context, text in [*((False, t) for t in texts), *((True, c) for c in contexts)]:
        if not text:
            continue
        low = text.lower()
        for weight, name, anchors, rx in _COMPILED:
            if name in matched or not any(a in low for a in anchors):
                continue
            if rx.search(low) is not None:
                matched.append(name)
                keep *= 1.0 - weight
        if is_context:
            p, features = document_score(text)
            if p > best_doc:
                best_doc, doc_features = p, features
    if best_doc >= DOCUMENT_FLOOR:
        matched.append(f"document_instruction({'+'.join(doc_features)})")
        keep *= 1.0 - best_doc
    return InjectionScore(round(1.0 - keep, 4), tuple(matched))
