"""One text layer: words, sentences and refusals, read the same way by every package.

The groundedness detector, the RAG app (index, chunking, extractive answerer) and the
RAG scorers all tokenise, drop stop words, stem, split sentences and recognise refusals
through this package, so "a word of the answer is in the context" means the same thing
everywhere. It imports nothing from gonogo, so any package may import it.
"""

from ._refusal import REFUSAL_PATTERNS, is_refusal
from ._sentences import Span, sentences
from ._words import (
    FRAMING,
    LIGHT_WORDS,
    MONTHS,
    NEGATIONS,
    NOT_CONTENT,
    STOPWORDS,
    TOKEN_RE,
    TOKENIZER_ID,
    abbreviations,
    acronym,
    content_tokens,
    content_words,
    fold,
    is_number,
    normalise_number,
    stem,
    terms,
    tokens,
    word_tokens,
    written_words,
)

__all__ = [
    "FRAMING",
    "LIGHT_WORDS",
    "MONTHS",
    "NEGATIONS",
    "NOT_CONTENT",
    "REFUSAL_PATTERNS",
    "STOPWORDS",
    "TOKENIZER_ID",
    "TOKEN_RE",
    "Span",
    "abbreviations",
    "acronym",
    "content_tokens",
    "content_words",
    "fold",
    "is_number",
    "is_refusal",
    "normalise_number",
    "sentences",
    "stem",
    "terms",
    "tokens",
    "word_tokens",
    "written_words",
]
