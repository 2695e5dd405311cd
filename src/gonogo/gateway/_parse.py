"""Request bodies of the feature endpoints, checked by hand (no pydantic per request).

Every problem is an HTTP 400 naming the field and what it should be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._http import HTTPError

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_CHAT_OWN = frozenset({"messages", "model", "stream", "stream_options", "gonogo"})
_GONOGO_KEYS = frozenset({"prompt", "label", "version", "variables", "contexts", "question"})
_PROMPT_KEYS = frozenset({"label", "version", "variables", "contexts", "stream", "question"})
# user-supplied text the input guards look at: what the app's users typed
_USER_ROLES = frozenset({"user", "tool", "function"})


@dataclass(slots=True)
class ChatInput:
    """A parsed ``/v1/chat/completions`` body."""

    messages: list[dict[str, Any]]
    params: dict[str, Any]
    stream: bool
    include_usage: bool
    texts: list[str]  # user text, for input guards
    contexts: list[str] = field(default_factory=list)
    prompt: str | None = None
    label: str | None = None
    version: int | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    question: str | None = None


@dataclass(slots=True)
class PromptInput:
    """A parsed ``/v1/prompts/{name}/completions`` body."""

    label: str | None
    version: int | None
    variables: dict[str, Any]
    contexts: list[str]
    stream: bool
    texts: list[str]


def bad(field: str, message: str, fix: str | None = None) -> HTTPError:
    """A 400 for one field."""
    return HTTPError(400, "invalid_request", f"`{field}`: {message}", fix)


def parse_chat(body: dict[str, Any]) -> ChatInput:
    """Check an OpenAI chat completions body (plus the optional ``gonogo`` object)."""
    ext = body.get("gonogo")
    if ext is not None and not isinstance(ext, dict):
        raise bad("gonogo", "must be an object", '{"prompt": NAME, "variables": {...}}')
    ext = ext or {}
    unknown = set(ext) - _GONOGO_KEYS
    if unknown:
        raise bad("gonogo", f"unknown key(s) {', '.join(sorted(unknown))}",
                  "allowed: " + ", ".join(sorted(_GONOGO_KEYS)))  # fmt: skip
    prompt = ext.get("prompt")
    if prompt is not None and (not isinstance(prompt, str) or not prompt):
        raise bad("gonogo.prompt", "must be a prompt name")
    raw = body.get("messages", [] if prompt else None)
    if not isinstance(raw, list) or (not raw and prompt is None):
        raise bad("messages", "must be a non-empty list of {role, content} objects",
                  'e.g. [{"role": "user", "content": "Hello"}]')  # fmt: skip
    texts: list[str] = []
    for i, m in enumerate(raw):
        _message(i, m, texts)
    stream = _bool(body, "stream")
    opts = body.get("stream_options")
    include_usage = isinstance(opts, dict) and opts.get("include_usage") is True
    params = {k: v for k, v in body.items() if k not in _CHAT_OWN}
    label, version = _label_version(ext, "gonogo.")
    variables = _variables(ext.get("variables"), "gonogo.variables")
    contexts = _contexts(ext.get("contexts"), "gonogo.contexts")
    texts += [v for v in variables.values() if isinstance(v, str)]
    question = ext.get("question")
    if question is not None and not isinstance(question, str):
        raise bad("gonogo.question", "must be text")
    return ChatInput(raw, params, stream, include_usage, texts, contexts, prompt, label, version,
                     variables, question)  # fmt: skip


def _message(i: int, m: Any, texts: list[str]) -> None:
    where = f"messages[{i}]"
    if not isinstance(m, dict):
        raise bad(where, "must be an object with `role` and `content`")
    role = m.get("role")
    if role not in _ROLES:
        raise bad(f"{where}.role", f"must be one of {', '.join(sorted(_ROLES))}")
    content = m.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        text = "\n".join(p for p in parts if isinstance(p, str))
    elif content is None and role in ("assistant", "tool", "function"):
        text = ""
    else:
        raise bad(f"{where}.content", "must be text or a list of content parts")
    if role in _USER_ROLES:
        texts.append(text)


def parse_prompt(body: dict[str, Any]) -> PromptInput:
    """Check a feature endpoint body."""
    unknown = set(body) - _PROMPT_KEYS
    if unknown:
        raise bad(sorted(unknown)[0], "unknown key",
                  "allowed: " + ", ".join(sorted(_PROMPT_KEYS)))  # fmt: skip
    label, version = _label_version(body, "")
    variables = _variables(body.get("variables"), "variables")
    contexts = _contexts(body.get("contexts"), "contexts")
    texts = [v for v in variables.values() if isinstance(v, str)]
    return PromptInput(label, version, variables, contexts, _bool(body, "stream"), texts)


def _label_version(d: dict[str, Any], prefix: str) -> tuple[str | None, int | None]:
    label, version = d.get("label"), d.get("version")
    if label is not None and (not isinstance(label, str) or not label):
        raise bad(prefix + "label", "must be a label name such as production")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)
                                or version < 1):  # fmt: skip
        raise bad(prefix + "version", "must be a version number ≥ 1")
    if label is not None and version is not None:
        raise bad(prefix + "version", "give `label` or `version`, not both")
    return label, version


def _variables(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(where, "must be an object of name → value", '{"question": "…"}')
    for k, v in value.items():
        if not isinstance(v, str | int | float | bool) and v is not None:
            raise bad(f"{where}.{k}", "must be text, a number or a boolean")
    return value


def _contexts(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise bad(where, "must be a list of texts (the passages the answer may use)")
    return value


def _bool(d: dict[str, Any], key: str) -> bool:
    v = d.get(key, False)
    if v is None:
        return False
    if not isinstance(v, bool):
        raise bad(key, "must be true or false")
    return v
