"""Entry point: the command group, error-to-exit-code mapping, lazy command loading.

Commands live in their own modules and are imported only when invoked, so
``gonogo --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

# command name -> (module, attribute, one-line help shown by `gonogo --help`)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        "gonogo.cli._cmd_demo",
        "demo",
        "Evaluate the reference RAG app end to end (offline).",
    ),
    "init": ("gonogo.cli._cmd_spec", "init", "Write a commented, working PRD and dataset."),
    "check": ("gonogo.cli._cmd_spec", "check", "Validate a PRD and print a summary."),
    "schema": ("gonogo.cli._cmd_spec", "schema", "Print the PRD's JSON Schema."),
    "prd": ("gonogo.cli._cmd_spec", "prd", "Render the PRD as a Markdown or HTML document."),
    "eval": ("gonogo.cli._cmd_eval", "eval_", "Run the eval plan and gate GO / NO-GO."),
    "report": ("gonogo.cli._cmd_eval", "report", "Re-render reports from a stored run."),
    "runs": ("gonogo.cli._cmd_runs", "runs", "List a PRD's stored runs (ids, verdicts, rates)."),
    "diff": (
        "gonogo.cli._cmd_runs",
        "diff",
        "What changed between two stored runs (paired tests, cases that moved).",
    ),
    "redteam": (
        "gonogo.cli._cmd_redteam",
        "redteam",
        "Red-team the feature (attacks graded offline) and grade responses.",
    ),
    "launch": (
        "gonogo.cli._cmd_launch",
        "launch",
        "The launch checklist, verified from gonogo's own evidence (runs and drills).",
    ),
    "monitor": (
        "gonogo.cli._cmd_monitor",
        "monitor",
        "Score production traces with the eval plan; alert on drift (once or --follow).",
    ),
    "dataset": (
        "gonogo.cli._cmd_dataset",
        "dataset",
        "Grow a golden dataset from reviewed production rows (with provenance).",
    ),
    "compare": (
        "gonogo.cli._cmd_compare",
        "compare",
        "A/B: is variant B better, worse or no different from A? (paired statistics)",
    ),
    "plan": (
        "gonogo.cli._cmd_plan",
        "plan",
        "How many golden cases an A/B comparison needs to detect a change.",
    ),
    "rag": (
        "gonogo.cli._cmd_rag",
        "rag",
        "The reference RAG app: ingest documents, ask questions.",
    ),
    "prompt": (
        "gonogo.cli._cmd_prompt",
        "prompt",
        "Prompt registry: push, list, show, diff, promote, rollback, history.",
    ),
    "serve": (
        "gonogo.cli._cmd_serve",
        "serve",
        "Run the gateway: the feature behind guards, fallbacks, budgets and traces.",
    ),
    "keys": ("gonogo.cli._cmd_keys", "keys", "Gateway API keys: create, list, revoke."),
    "ui": (
        "gonogo.cli._cmd_ui",
        "ui",
        "The team's dashboard: runs, trends, production, prompts and human review.",
    ),
    "traces": ("gonogo.cli._cmd_traces", "traces", "Export gateway traces as golden cases."),
    "feedback": (
        "gonogo.cli._cmd_traces",
        "feedback",
        "Export rated gateway outputs as golden cases.",
    ),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        cmd: click.Command = getattr(module, entry[1])
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in _COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="gonogo")
def cli() -> None:
    """gonogo: decide whether an LLM feature is ready to ship.

    Write the feature's AI PRD (gonogo.yaml), then:

    \b
      gonogo init my-feature     write a working PRD + golden dataset to start from
      gonogo check gonogo.yaml   validate it
      gonogo eval gonogo.yaml    run the eval plan; exit 0 = GO, 1 = NO-GO
      gonogo demo                see it all on a bundled example, offline

    Exit codes: 0 GO, 1 NO-GO, 2 usage or config error, 3 the run itself failed.
    """


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; user mistakes print one clear message and exit 2, never a traceback."""
    from .._redact import redact
    from ..errors import GonogoError

    try:
        return cli.main(args=argv, prog_name="gonogo", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except GonogoError as e:
        text = redact(str(e))  # an upstream may have echoed a key into the message
        click.echo(f"error: {text}" if "\n" not in text else text, err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
