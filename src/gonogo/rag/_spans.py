"""Answer spans for the extractive answerer: question types and typed candidates.

Plain heuristics, English only: the question's wh-phrase gives the expected answer
type (a date, a year, a number, a person, a place, one of two named options, yes/no);
candidates of that type are found in a sentence by pattern (dates, numbers,
capitalised phrases), and the one nearest the words the sentence shares with the
question wins. No candidate of the type: the caller falls back to the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import content_words, fold

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_YEAR = r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})(?![\d,])"
_DATE_RE = re.compile(
    rf"(?i)\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+{_YEAR}"
    rf"|(?:{_MONTHS})\.?\s+{_YEAR}|{_YEAR}s?)"
)
_YEAR_RE = re.compile(_YEAR)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    "|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    "|eighty|ninety|hundred|thousand|dozen"
)
_NUMBER_RE = re.compile(
    r"(?i)(?<![\w.\-])(?:\d+(?:,\d{3})*(?:\.\d+)?(?:-[a-z]+)*|(?:"
    + _NUMBER_WORDS
    + r")\b(?:-[a-z]+)*)"
    r"(?:\s+(?:million|billion|thousand|hundred|percent|per cent|%|km|kilometres|kilometers"
    r"|miles|metres|meters|feet|ft|m|kg|years?|months?|days?|hours?|minutes?|seconds?"
    r"|people|members|episodes|seasons|songs|albums|copies|times|acres|square\s+\w+)\b)?"
)
_WORD_RE = re.compile(r"(?:[A-Z]\.)+|[\w'’\-]+|[^\w\s]")  # initials "D.C." are one token
# Lower-case words allowed inside a name ("Hall of Fame", "First for Women"); not "and":
# "Simon Cowell and Fantasia Barrino" are two names.
_CONNECTORS = frozenset("of the de da du la le van von der den del di y for &".split())
_LOCATIVE_RE = re.compile(r"(?i)\b(?:in|at|from|near|of|based|located|headquartered)\s+$")
_AUX = frozenset("is are was were do does did can could has have had will would should".split())
_YES_NO_START = re.compile(r"(?i)^\s*(?:" + "|".join(sorted(_AUX)) + r")\b")
_REASON_RE = re.compile(r"(?i)^\s*(why|how)\b|\b(what|which) (causes?|reasons?|steps?)\b")
_EARLIER = re.compile(r"(?i)\b(first|earlier|earliest|older|oldest|before|sooner)\b")
_LATER = re.compile(r"(?i)\b(later|latest|younger|youngest|newer|newest|more recent|last)\b")

_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("year", re.compile(r"(?i)\b(what|which|in what|in which)\s+year\b")),
    ("date", re.compile(r"(?i)\b(when|what date|which date|what decade|what century)\b")),
    (
        "number",
        re.compile(
            r"(?i)\b(how (many|much|old|long|tall|far|big|large|high|wide|deep)"
            r"|what(?: is| was| are)?(?: the)? (number|percentage|length|height|age|population"
            r"|size|distance|area|capacity))\b"
        ),
    ),
    (
        "place",
        re.compile(
            r"(?i)\b(where|(what|which)( \w+){0,2} (city|country|state|county|town|village|"
            r"region|province|island|continent|place|area|location|district|capital))\b"
        ),
    ),
    (
        "person",
        re.compile(
            r"(?i)\b(who|whom|whose|(what|which)( \w+)? (person|man|woman|actor|actress|singer|"
            r"musician|director|author|writer|player|politician|artist|producer|rapper|"
            r"composer|founder|president|performer|narrator|executive|athlete|star))\b"
        ),
    ),
]


@dataclass(frozen=True)
class Choice:
    """The two named options of an "A or B?" question, and how to compare them."""

    options: tuple[str, str]
    prefer: str | None  # "earlier" | "later" | None (pick by support)


def question_type(question: str) -> str:
    """The expected answer type of ``question``.

    One of ``yesno``, ``choice``, ``year``, ``date``, ``number``, ``place``, ``person``,
    ``sentence`` (why/how: no span) or ``other``.
    """
    if choice_of(question) is not None:
        return "choice"
    if _YES_NO_START.match(question) and not re.search(r"(?i)\b(who|what|which|where)\b", question):
        return "yesno"
    for name, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return name
    if _REASON_RE.search(question):
        return "sentence"  # "why …?", "how do I …?": the sentence is the answer
    return "other"


def choice_of(question: str) -> Choice | None:
    """The options of "Which …, A or B?" (None when the question is not one)."""
    q = question.strip().rstrip("?").strip()
    if not re.search(r"(?i)^\s*(which|who|what|is|was|are|were)\b", q):
        return None
    m = re.search(r"\s+or\s+", q)
    if m is None:
        return None
    after = _first_phrase(q[m.end() :], at_start=True)
    before = _last_phrase(q[: m.start()].rstrip(", "))
    if before is None:
        head = q[: m.start()]
        comma = head.find(",")
        before = _first_phrase(head[comma + 1 :], at_start=False) if comma != -1 else None
    if not before or not after or fold(before) == fold(after):
        return None
    prefer = "earlier" if _EARLIER.search(q) else "later" if _LATER.search(q) else None
    return Choice((before, after), prefer)


def year_in(text: str) -> int | None:
    """The first year (1000–2099) in ``text``."""
    m = _YEAR_RE.search(text)
    return int(m.group(1)) if m else None


def capitalised_phrases(text: str) -> list[tuple[int, int]]:
    """Spans of runs of capitalised words (inner ``of``/``the``/``de``… allowed)."""
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not _is_cap(tokens[i][2]):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens):
            nxt = tokens[j + 1][2]
            if _is_cap(nxt):
                j += 1
            elif (
                nxt.casefold() in _CONNECTORS and j + 2 < len(tokens) and _is_cap(tokens[j + 2][2])
            ):
                j += 2
            else:
                break
        spans.append((tokens[i][0], tokens[j][1]))
        i = j + 1
    return spans


def pick_span(qtype: str, question: str, sentence: str, context: str = "") -> str | None:
    """The answer-bearing span of ``sentence`` for a question of type ``qtype``.

    ``context`` (the sentence's passage) lets a lone surname grow to the full name
    found there ("Hari" → "Badr Hari").
    """
    q_terms = content_words(question)
    fresh = [
        s
        for s in _candidates(qtype, question, sentence)
        if not content_words(sentence[s[0] : s[1]]) <= q_terms
    ]
    if qtype == "place":
        fresh = [s for s in fresh if _LOCATIVE_RE.search(sentence[: s[0]])] or fresh
    if qtype == "person":
        fresh = [s for s in fresh if " " in sentence[s[0] : s[1]].strip()] or fresh
    if not fresh:
        return None
    anchors = _anchors(sentence, q_terms)
    head = _head_noun(question)

    def rank(s: tuple[int, int]) -> tuple[bool, bool, int, int]:
        words = content_words(sentence[s[0] : s[1]])
        if qtype == "number":  # "how many people" → "340 people" first
            return (not words & q_terms, False, _distance(s, anchors), s[0])
        return (
            head not in words,  # "what castle" → "Tantallon Castle" first
            bool((words - {head}) & q_terms),  # then spans of new words only
            _distance(s, anchors),
            s[0],
        )

    span = _clean(sentence[slice(*min(fresh, key=rank))])
    if qtype == "place":
        span = _granularity(question, span)
    if qtype == "person" and " " not in span and context:
        span = _full_name(span, context)
    return span or None


_HEAD_RE = re.compile(r"(?i)\b(?:what|which)\s+(?:(?:kind|type|sort|name) of\s+)?([a-z]+)")


def _head_noun(question: str) -> str:
    """The noun after "what"/"which" ("what castle" → ``castle``); "" when there is none."""
    m = _HEAD_RE.search(question)
    if m is None:
        return ""
    word = fold(m.group(1))
    return "" if word in _AUX or not content_words(word) else next(iter(content_words(word)))


def _candidates(qtype: str, question: str, sentence: str) -> list[tuple[int, int]]:
    if qtype == "year":
        return [m.span(1) for m in _YEAR_RE.finditer(sentence)]
    if qtype == "date":
        return [m.span() for m in _DATE_RE.finditer(sentence)]
    if qtype == "number":
        return [
            m.span() for m in _NUMBER_RE.finditer(sentence) if not _YEAR_RE.fullmatch(m.group())
        ]
    if qtype not in ("place", "person", "other"):
        return []
    spans = _entity_spans(sentence, qtype)
    if qtype == "place":
        return spans
    demonyms = [s for s in spans if _DEMONYM_RE.match(sentence[s[0] : s[1]])]
    if _NATIONALITY_RE.search(question):
        return demonyms
    return [s for s in spans if s not in demonyms]


# "American", "British", "Japanese": an answer only when the question asks for one.
_DEMONYM_RE = re.compile(r"^(?:[A-Z][a-z]+(?:an|ish|ese)|French|Dutch|Greek|Swiss|Thai)$")
_NATIONALITY_RE = re.compile(r"(?i)\b(nationality|language|ethnicity|citizenship)\b")


def _clean(span: str) -> str:
    span = span.strip(" ,;:\"'“”")
    for suffix in ("'s", "’s"):
        if span.endswith(suffix):
            span = span[: -len(suffix)]
    return span.rstrip(".") if not re.search(r"\b\w\.$", span) else span


_WIDE_PLACE = re.compile(r"(?i)\b(country|state|county|province|region|continent|nation)\b")
_NARROW_PLACE = re.compile(r"(?i)\b(city|town|village|neighbou?rhood|suburb)\b")


def _granularity(question: str, span: str) -> str:
    """Of "Walton, Liverpool, England": the country when asked one, the city likewise."""
    parts = [p.strip() for p in span.split(",") if p.strip()]
    if len(parts) < 2:
        return span
    if _WIDE_PLACE.search(question):
        return parts[-1]
    if _NARROW_PLACE.search(question):
        return parts[0]
    return span


def _full_name(word: str, context: str) -> str:
    names = [context[a:b] for a, b in capitalised_phrases(context)]
    longer = [n for n in names if n.endswith(" " + word) and len(n.split()) <= 4]
    return _clean(max(longer, key=len)) if longer else word


def _entity_spans(sentence: str, qtype: str) -> list[tuple[int, int]]:
    spans = [
        s
        for s in capitalised_phrases(sentence)
        if not _trivial(sentence[s[0] : s[1]])
        # a lone capitalised first word is most often just the sentence's start
        and not (s[0] == 0 and " " not in sentence[s[0] : s[1]])
    ]
    spans = [s for s in spans if not _DATE_WORD_RE.match(sentence[s[0] : s[1]])]
    if qtype != "place":
        return spans
    merged: list[tuple[int, int]] = []  # "Roseau, Minnesota, USA" is one place
    for s in spans:
        if merged and sentence[merged[-1][1] : s[0]] == ", ":
            merged[-1] = (merged[-1][0], s[1])
        else:
            merged.append(s)
    return merged


def _trivial(phrase: str) -> bool:
    words = phrase.split()
    return len(words) == 1 and (fold(words[0]) in _TRIVIAL or len(words[0]) < 2)


_DATE_WORD_RE = re.compile(
    rf"(?i)^(?:{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)
_TRIVIAL = frozenset(
    "the a an in on at it he she they his her its this that these those there however "
    "after before during while when where who which what i we you also but and or".split()
)


def _anchors(sentence: str, q_terms: set[str]) -> list[int]:
    return [m.start() for m in re.finditer(r"\w+", sentence) if content_words(m.group()) & q_terms]


def _distance(span: tuple[int, int], anchors: list[int]) -> int:
    if not anchors:
        return 0
    return min(min(abs(a - span[0]), abs(a - span[1])) for a in anchors)


def _is_cap(token: str) -> bool:
    return token[:1].isupper() or (token[:1].isdigit() and any(c.isupper() for c in token))


def _first_phrase(text: str, *, at_start: bool) -> str | None:
    text = text.strip()
    for a, b in capitalised_phrases(text):
        if at_start and text[:a].strip(" ,\"'"):
            break
        return text[a:b].strip(" ,.")
    if at_start:  # a lower-case option: up to the next comma
        return text.split(",")[0].strip(" .") or None
    return None


def _last_phrase(text: str) -> str | None:
    phrases = capitalised_phrases(text)
    if not phrases or text[phrases[-1][1] :].strip(" ,\"'"):
        return None
    a, b = phrases[-1]
    phrase = text[a:b].strip(" ,.")
    first, _, rest = phrase.partition(" ")
    return rest if first.casefold() in _QUESTION_WORDS and rest else phrase


_QUESTION_WORDS = frozenset("which who what is was are were".split())
