"""JSON that always encodes, and JSON reading as strict as orjson's, for every writer.

Whatever a target, a model, a dataset or an HTTP caller hands gonogo, writing it down must
not fail: one value that the standard encoder refuses would otherwise lose the whole
record — or a whole batch of them. :func:`dumps` therefore encodes in two steps: the
standard encoder first (valid data: identical output, no extra cost but one scan), and
only when that fails or leaves text that is not valid UTF-8, a repaired copy made by
:func:`json_safe`:

- a lone surrogate (``"\\ud800"`` as a JSON escape, or from an exception message)
  becomes U+FFFD, the replacement character;
- NaN and ±Infinity become ``null`` (as orjson and JavaScript write them);
- an integer too long to write in decimal (Python refuses past 4,300 digits) becomes the
  string ``"<integer of N digits>"``;
- containers nested deeper than :data:`MAX_DEPTH` levels end in the string
  ``"<nested deeper than 200 levels>"``;
- mapping keys that are not strings become strings, and any other object ``str(obj)``;
- with ``no_nul`` (text bound for PostgreSQL, which stores no NUL character, not even
  as ``\\u0000`` in jsonb), NUL characters become U+FFFD as well.

Known secrets (:mod:`gonogo._redact`) are replaced in every text written. Valid data
is written exactly as ``json.dumps`` would write it.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

from ._redact import redact

MAX_DEPTH = 200
_DEEP = f"<nested deeper than {MAX_DEPTH} levels>"
_SURROGATE = re.compile("[\ud800-\udfff]")
# characters that str.splitlines() (and JavaScript) treat as line ends, which JSON may
# leave raw inside strings: escaped in JSON Lines so each record stays on one line
_LINE_ENDS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def dumps(
    value: Any,
    *,
    indent: int | None = None,
    sort_keys: bool = False,
    compact: bool = False,
    one_line: bool = False,
    no_nul: bool = False,
    nan_as_null: bool = True,
    redact_secrets: bool = True,
) -> str:
    """``value`` as JSON text that always encodes to UTF-8; see the module docstring.

    ``compact`` drops the spaces after ``,`` and ``:``; ``one_line`` also escapes the
    Unicode line separators (U+0085, U+2028, U+2029) so the text is one line of a JSON
    Lines file for every reader; ``no_nul`` leaves no NUL character in any string.
    ``nan_as_null=False`` raises ``ValueError`` for NaN and infinity instead: for numbers
    gonogo computed itself (results.json), where one is a bug to surface, not data.
    ``redact_secrets=False`` keeps known secrets: for requests sent to a provider, which
    must carry the case as it is.
    """
    encoder = _encoder(indent, sort_keys, compact)
    try:
        text = encoder.encode(value)
        if (not text.isascii() and _SURROGATE.search(text)) or (no_nul and "\\u0000" in text):
            text = encoder.encode(json_safe(value, no_nul=no_nul))
    except (ValueError, TypeError, RecursionError):
        text = encoder.encode(json_safe(value, no_nul=no_nul, nan_as_null=nan_as_null))
    if one_line and not text.isascii():
        text = text.translate(_LINE_ENDS)
    return redact(text) if redact_secrets else text


def plain_json(value: Any) -> str | None:
    """``value`` as :func:`dumps` writes it with the default options, before redaction.

    None when the value needs :func:`json_safe`'s repair (then call :func:`dumps`). For
    writers that assemble one document from texts encoded once (the run store keeps each
    case of a run as a row and the whole results as one text): the pieces join exactly
    as the whole would encode, and :func:`redact` runs once over what is written.
    """
    try:
        text = _encoder(None, False, False).encode(value)
    except (ValueError, TypeError, RecursionError):
        return None
    if not text.isascii() and _SURROGATE.search(text):
        return None
    return text


def case_texts(results: Any) -> list[str | None] | None:
    """Each of ``results["cases"]`` as :func:`plain_json` text, or None when there are none.

    A finished run's cases are written three times — results.json, the run store's
    ``results`` column and its ``run_cases`` rows — and all three write the same text of
    each case: encoded once here, shared by the writers (a 2,000-case run is ~2 MB).
    """
    cases = results.get("cases") if isinstance(results, dict) else None
    if not isinstance(cases, list) or not cases:
        return None
    return [plain_json(c) for c in cases]


def escape_line_ends(text: str) -> str:
    """A JSON text with the Unicode line separators escaped (``dumps(one_line=True)``)."""
    return text if text.isascii() else text.translate(_LINE_ENDS)


@functools.lru_cache(maxsize=16)
def _encoder(indent: int | None, sort_keys: bool, compact: bool) -> json.JSONEncoder:
    # one encoder per option set: json.dumps(**options) would build one per call
    separators = (",", ":") if compact else None
    return json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=indent,
                            sort_keys=sort_keys, separators=separators)  # fmt: skip


def json_safe(
    value: Any, *, no_nul: bool = False, nan_as_null: bool = True, _depth: int = 0
) -> Any:
    """A copy of ``value`` that the standard encoder writes as valid UTF-8 JSON.

    Values that are already safe come back as they are (the same object); see the
    module docstring for what is repaired and how.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value, no_nul)
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        if nan_as_null:
            return None
        raise ValueError(f"{value} is not a JSON number")
    if _depth >= MAX_DEPTH and isinstance(value, dict | list | tuple):
        return _DEEP
    if isinstance(value, dict):
        items = [
            (
                _key(k, no_nul),
                json_safe(v, no_nul=no_nul, nan_as_null=nan_as_null, _depth=_depth + 1),
            )
            for k, v in value.items()
        ]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items(), strict=True)):
            return value
        return dict(items)
    if isinstance(value, list | tuple):
        safe = [
            json_safe(v, no_nul=no_nul, nan_as_null=nan_as_null, _depth=_depth + 1) for v in value
        ]
        if all(a is b for a, b in zip(safe, value, strict=True)):
            return value
        return safe
    try:
        return _text(str(value), no_nul)
    except Exception:
        return f"<{type(value).__name__}>"


def safe_text(text: str, *, no_nul: bool = False) -> str:
    """``text`` as valid Unicode (lone surrogates → U+FFFD), known secrets redacted."""
    return redact(_text(text, no_nul))


def _text(s: str, no_nul: bool = False) -> str:
    if no_nul and "\x00" in s:
        s = s.replace("\x00", "\ufffd")
    if s.isascii() or not _SURROGATE.search(s):
        return s
    # pairs written as two code points join up; a lone half becomes U+FFFD
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _integer(n: int) -> int | str:
    try:
        int.__repr__(n)
    except ValueError:  # past sys.get_int_max_str_digits()
        digits = int(n.bit_length() * math.log10(2)) + 1
        return f"<integer of {digits} digits>"
    return n


def _key(k: Any, no_nul: bool) -> str:
    if isinstance(k, str):
        return _text(k, no_nul)
    if k is None or isinstance(k, bool | int | float):
        safe = json_safe(k)
        return safe if isinstance(safe, str) else json.dumps(safe)
    return str(json_safe(k, no_nul=no_nul))


def loads(data: bytes | str) -> Any:
    """``json.loads`` that fails only with ``json.JSONDecodeError``, never otherwise.

    For JSON read from outside (an HTTP target's body, a model's answer): nesting past
    Python's stack (``RecursionError``), an integer past 4,300 digits or bytes that are
    not UTF-8 are decode errors like any other malformed JSON.
    """
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply to read", "", 0) from None
    except ValueError as e:  # an integer too long, bytes that are not UTF-8
        raise json.JSONDecodeError(str(e).split(";")[0][:120], "", 0) from None


class StrictJSONError(ValueError):
    """The text is not strict JSON (see :func:`strict_loads`)."""


def _constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(f"number {text[:20]} is too large for a float")
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
_STRICT = json.JSONDecoder(parse_constant=_constant, parse_float=_finite)


def strict_loads(data: bytes | str) -> Any:
    """Parse JSON the way orjson does: ``ValueError`` for what is not strict JSON.

    The standard parser also accepts ``NaN``/``Infinity``, numbers that overflow a float
    (``1e309``), lone surrogate escapes (``"\\ud800"``) and nesting until Python's stack
    runs out (``RecursionError``); each of these raises :class:`StrictJSONError` here.
    """
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")  # as orjson: UTF-8 only
        value = _STRICT.decode(text)
    except RecursionError:
        raise StrictJSONError("the JSON is nested too deeply") from None
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _SURROGATE_ESCAPE.search(raw) and has_lone_surrogate(value):
        raise StrictJSONError("a string holds a lone surrogate escape (not valid Unicode)")
    return value


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string (or key) in ``value`` holds a lone UTF-16 surrogate."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if not v.isascii() and _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return False


def json_problem(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """What keeps parsed user data from being written as strict JSON, or None.

    ``"depth"`` (nesting past ``max_depth``), ``"surrogate"`` (a lone surrogate in a string
    or key) or ``"nonfinite"`` (NaN or infinity) — the first one found.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, str):
            if not v.isascii() and _SURROGATE.search(v):
                return "surrogate"
        elif isinstance(v, float):
            if not math.isfinite(v):
                return "nonfinite"
        elif isinstance(v, dict | list | tuple):
            if d + 1 > max_depth:
                return "depth"
            items = [*v.keys(), *v.values()] if isinstance(v, dict) else v
            stack.extend((c, d + 1) for c in items)
    return None


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep ``value`` nests (a scalar is 0), counted no further than ``limit + 1``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list | tuple):
            d += 1
            deepest = max(deepest, d)
            if d > limit:
                return d
            children = v.values() if isinstance(v, dict) else v
            stack.extend((c, d) for c in children)
    return deepest
