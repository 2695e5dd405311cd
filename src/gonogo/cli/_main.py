"""Entry point: the command group, error-to-exit-code mapping, lazy command loading.

Commands live in their own modules and are imported only when invoked, so
``gonogo --help`` stays fast.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
from typing import Any, NoReturn

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
    "lab": (
        "gonogo.cli._cmd_lab",
        "lab",
        "The failure lab: inject failures, measure which evals and guards notice.",
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


# Commands that call startup_done() themselves, when their own start-up ends (eval: once
# the PRD, the datasets and the suite are loaded and the first call is about to go out).
_STARTS_LATE = frozenset({"eval"})


# Allocations between two young-generation collections once start-up is over (Python's
# default: 700). A 2,000-call eval made ~215 young collections and ~20 middle ones that
# kept rescanning the calls in flight (~0.1 s of CPU); at 10,000 it makes ~12 and none.
# What the GC is for — freeing reference cycles — is unchanged, only batched.
GC_YOUNG_THRESHOLD = 10_000


def startup_done() -> None:
    """End of start-up: freeze what was built so far and turn the cyclic GC back on.

    :func:`run` turns the cyclic garbage collector off while the interpreter imports
    modules and loads the PRD: those build hundreds of thousands of long-lived objects
    and every full collection rescans all of them (~35 ms of a 0.4 s eval). Frozen, they
    are never scanned again. The young generation is then collected every
    :data:`GC_YOUNG_THRESHOLD` allocations instead of 700. A no-op when the GC is already
    on (in-process callers).
    """
    if not gc.isenabled():
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
        gc.enable()


_executable = False  # set by run(): this process is the `gonogo` executable


def serving_started() -> None:
    """A long-running command (``gonogo serve``) is ready: freeze its state.

    What it built while starting (the app, the PRD, compiled guards, the store's caches)
    lives as long as the process. Frozen, it is no longer rescanned by each full
    collection, which otherwise paused the gateway for ~30 ms every few thousand
    requests: its p99. Only in the ``gonogo`` executable; an in-process caller's garbage
    collector is left as it is.
    """
    if _executable:
        gc.collect()  # what start-up left as garbage is freed, not frozen
        gc.freeze()


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        cmd: click.Command = getattr(module, entry[1])
        if cmd_name not in _STARTS_LATE:
            startup_done()
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

    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        # piped (CI logs, files): tables 200 wide instead of rich's 80, no ids split in two
        os.environ["COLUMNS"] = "200"
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


def run() -> NoReturn:
    """The ``gonogo`` executable: :func:`main`, then a quick exit.

    Everything durable is committed and closed before a command returns (the run store,
    the response cache, the evidence log; the reports are written atomically), so what is
    left at exit is the interpreter tearing down every module it imported: ~0.1 s that
    buys nothing. ``os._exit`` skips it after flushing the standard streams and running
    the ``atexit`` handlers; while a non-daemon thread is still running, or a stream
    cannot be flushed, the ordinary exit runs instead. Start-up runs with the cyclic GC
    off (see :func:`startup_done`). ``main()`` does neither: it is what tests and
    programs call in-process.
    """
    global _executable
    _executable = True
    gc.disable()  # until startup_done()
    exited: SystemExit | None = None
    try:
        code: Any = main()  # the console script used to run sys.exit(main())
    except SystemExit as e:
        code = e.code
        # Kept until the process ends: its traceback holds the command's frames, and
        # freeing them (a 2,000-case run's results, cases, records: ~20 ms) is teardown.
        exited = e
    finally:
        startup_done()
    _exit(code, exited)


def _exit(code: Any, _keep: object = None) -> NoReturn:
    # _keep: objects not to free before the process ends (freeing them is teardown)
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    if any(t.is_alive() and not t.daemon for t in others):
        sys.exit(code)  # the interpreter joins them, as it always did
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # what sys.exit does with a message
        print(code, file=sys.stderr)
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        sys.exit(status)  # let the interpreter report it as it does (exit 120)
    import atexit

    atexit._run_exitfuncs()
    os._exit(status & 0xFF)
