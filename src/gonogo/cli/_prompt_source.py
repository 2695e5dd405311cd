"""Where ``gonogo prompt push`` reads a prompt: a PRD's ``model.prompt`` or a prompt file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigIssue, SpecError, UserError


class PromptFile(BaseModel):
    """A prompt file for ``gonogo prompt push --file`` (YAML or JSON)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="Registry name (or pass --name).")
    system: str | None = Field(None, description="System message template.")
    user: str = Field(description="User message template, e.g. `Question: {question}`.")
    model: str | None = Field(None, description="Model name this version is meant for.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Sampling parameters: temperature, max_tokens…"
    )
    output_schema: dict[str, Any] | None = Field(
        None, description="JSON Schema the output must follow (omit for free text)."
    )


def prompt_from_prd(path: Path) -> tuple[dict[str, Any], Path]:
    """The PRD's prompt as push arguments (with ``name``), and the PRD's folder."""
    from ..spec import load_prd

    loaded = load_prd(path)
    model = loaded.prd.model
    if model is None:
        raise UserError(
            f"{loaded.path}: the PRD has no `model` section, so no prompt to push",
            "add model.prompt (name, system, user), or push a prompt file with --file",
        )
    p = model.prompt
    content = {
        "name": p.name,
        "system": p.system,
        "user": p.user,
        "model": model.name,
        "params": dict(model.params),
        "output_schema": model.output_schema,
    }
    return content, loaded.base_dir


def prompt_from_file(path: Path) -> dict[str, Any]:
    """A prompt file's content as push arguments; every problem named by file:line."""
    import yaml

    from ..spec._validation import validation_issues
    from ..spec._yaml import parse_yaml, yaml_error_issue

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"prompt file not found: {path}", "check the path") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read the prompt file {path}: {e}", "save it as UTF-8") from None
    file = str(path)
    try:
        parsed = parse_yaml(text, file)  # JSON is YAML too
    except yaml.YAMLError as e:
        raise SpecError([yaml_error_issue(e, text, file)]) from None
    if not isinstance(parsed.data, dict):
        raise SpecError(
            [ConfigIssue(file, 1, 1, "", "a prompt file is a mapping", "write `user: …` at least")]
        )
    try:
        pf = PromptFile.model_validate(parsed.data)
    except ValidationError as e:
        raise SpecError(
            list(parsed.issues)
            + validation_issues(e, PromptFile, parsed.data, parsed.positions, file)
        ) from None
    if parsed.issues:
        raise SpecError(list(parsed.issues))
    return {"name": pf.name or path.stem, **pf.model_dump(exclude={"name"})}
