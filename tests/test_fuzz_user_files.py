"""Fuzz `gonogo check` and `gonogo eval` with a few hundred broken PRDs and datasets.

A seeded generator mutates a small valid project — bytes flipped, lines cut or doubled,
values swapped for hostile ones (unpaired braces, catastrophic regexes, huge integers,
deep nesting, lone surrogates, YAML alias bombs and `!!binary`), datasets in every
format with hostile rows, and the files themselves replaced by a FIFO, `/dev/zero`, a
folder or another file. Each project runs through the real CLI entry point, in this
process. Whatever the mutation:

- no traceback, ever: only ``SystemExit`` leaves ``main()`` and nothing on stderr
  looks like one;
- ``check`` exits 0 or 2; exit 2 names the file that is wrong, with the line for a
  problem inside it (a file that cannot be read at all has no line to name);
- when ``check`` passes, ``eval`` gives a verdict (exit 0 or 1): nothing ``check``
  accepts may crash or be refused later;
- memory stays bounded: at most 200 MB of Python allocations per project (the alias
  bomb of issue #11 took 4.4 GB).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import sys
import tracemalloc
from pathlib import Path

import pytest

from gonogo.cli._main import main

SEED = 11
PROJECTS = 300
MAX_PEAK_BYTES = 200 * 1024 * 1024

APP = """
def answer(question=None, **inputs):
    return f"ok {question}"[:200]
"""

PRD = """\
feature: fuzz target
owner: qa@example.com
eval_plan:
  target: fuzz_app:answer
  datasets:
    - {name: golden, path: DATASET}
  scorers:
    - {id: ok, kind: contains_any, values: ["ok"]}
    - {id: shape, kind: regex, pattern: 'ok \\w+'}
  thresholds:
    - {scorer: ok, min_pass_rate: 0.5}
failure_modes:
  - id: rude
    what: The answer is rude
    severity: medium
    detect: ok
"""

ROWS = [
    {"id": "a", "question": "What is the refund window?", "expected": "30 days"},
    {"id": "b", "question": "Can I return shoes?", "tags": ["shoes"]},
    {"id": "c", "input": {"question": "Où est la gare ?"}, "metadata": {"lang": "fr"}},
]

DEEP = "[" * 1200 + "]" * 1200
HOSTILE_SCALARS = [
    "'{question'",
    "'Q: {}'",
    "'(a|aa)+$'",
    "'(a+)+$'",
    "'['",
    "7" * 5001,
    DEEP,
    '"bad \\ud800"',
    '"\\x01"',
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "&r [*r]",
    "''",
    "-1",
    "1e309",
    ".nan",
    "~",
    "[]",
    "{}",
    "'x' " * 3,
    "'" + "y" * 100_000 + "'",
    "*undefined",
    "'a: b'",
    "\t- tab",
]

LAUGHS = "\n".join(
    [
        'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 8)),
    ]
)


# -- the project and its mutations ------------------------------------------------------


def _dataset_text(fmt: str, rows: list[dict]) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if fmt == "json":
        return json.dumps(rows, indent=1, ensure_ascii=False)
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(rows, allow_unicode=True)
    lines = ["id,question,expected"]
    for r in rows:
        q = r.get("question", "q")
        lines.append(f'{r.get("id", "")},"{str(q).replace(chr(34), chr(34) * 2)}",x')
    return "\n".join(lines) + "\n"


def _hostile_rows(rng: random.Random, fmt: str) -> str:
    """Dataset text with one hostile row among valid ones."""
    base = _dataset_text(fmt, ROWS)
    hostile = {
        "jsonl": [
            '{"question": ' + DEEP + "}",
            '{"question": ' + "9" * 5001 + "}",
            '{"question": "x \\ud800"}',
            '{"question": "a", "question": "b"}',
            '{"question": NaN}',
            '{"question": "line\u2028sep"}',
            "[1, 2]",
            '{"id": "a", "question": "dup id"}',
            '{"expected": "no input"}',
            "{not json",
            '{"question": "' + "z" * 300_000 + '"}',
            "\x00\x01",
        ],
        "json": [
            "[" + DEEP + "]",
            '[{"question": ' + "9" * 5001 + "}]",
            '[{"question": "a", "question": "b"}]',
            '{"cases": 5}',
            "[",
        ],
        "yaml": [
            LAUGHS + "\ncases:\n  - {question: q, metadata: {x: *l7}}\n",
            "- &r\n  question: [*r]\n",
            "- question: !!binary aGVsbG8=\n",
            "- question: " + "9" * 5001 + "\n",
            "- question: " + DEEP + "\n",
            "- question: a\n  question: b\n",
            '- question: "\\ud800"\n',
            "- question: \x07\n",
            "just a string\n",
            "- !!python/object:os.system {}\n",
        ],
        "csv": [
            'id,question\nc1,"' + "w" * 200_000 + '"\n',
            'id,question\nc1,"unclosed\n',
            "q,q\na,b\n",
            'id,question\nc1,"multi\nline"\nc1,again\n',
            "",
        ],
    }[fmt]
    bad = rng.choice(hostile)
    if fmt == "jsonl":
        lines = base.splitlines()
        lines.insert(rng.randrange(len(lines) + 1), bad)
        return "\n".join(lines) + "\n"
    return bad


def _byte_mutation(rng: random.Random, text: str) -> str:
    if not text:
        return rng.choice(["-", "{", "x: [", "\x00"])
    lines = text.splitlines(keepends=True)
    kind = rng.randrange(6)
    i = rng.randrange(len(lines))
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[i])
    elif kind == 2:
        pos = rng.randrange(len(text))
        return text[:pos]
    elif kind == 3:
        pos = rng.randrange(len(text))
        return (
            text[:pos]
            + rng.choice(["\t", "\x00", "\x1b", "{", "[", ":", "'", '"', "&", "*"])
            + text[pos:]
        )
    elif kind == 4:
        lines[i] = "  " + lines[i]
    else:
        pos = rng.randrange(len(text))
        return text[:pos] + chr(rng.randrange(32, 0x2FFF)) + text[pos + 1 :]
    return "".join(lines)


def _value_mutation(rng: random.Random, text: str) -> str:
    """Swap the value after one `key: ` (or a flow `key: value`) for a hostile one."""
    spots = [m for m in re.finditer(r"(?<=: )[^\n,}]+", text)]
    m = rng.choice(spots)
    return text[: m.start()] + rng.choice(HOSTILE_SCALARS) + text[m.end() :]


def _file_mutation(rng: random.Random, path: Path) -> str:
    kind = rng.choice(["fifo", "zero", "folder", "passwd", "empty", "latin1", "bom", "missing"])
    text = path.read_text(encoding="utf-8")
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "passwd":
        path.symlink_to("/etc/passwd")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "latin1":
        path.write_bytes(text.replace("Où", "O\xf9").encode("latin-1", "replace"))
    elif kind == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    return kind


def build_project(rng: random.Random, root: Path) -> str:
    """Write one mutated project under ``root``; returns what was done (for messages)."""
    root.mkdir(parents=True)
    (root / "fuzz_app.py").write_text(APP)
    fmt = rng.choice(["jsonl", "json", "yaml", "csv"])
    dataset = root / f"golden.{fmt}"
    prd = root / "gonogo.yaml"
    prd.write_text(PRD.replace("DATASET", dataset.name))
    dataset.write_text(_dataset_text(fmt, ROWS), encoding="utf-8")
    done = [fmt]
    for _ in range(rng.choice([1, 1, 2])):
        target = rng.choice(["prd", "prd", "dataset", "dataset", "file"])
        if target == "file":
            which = rng.choice([prd, dataset])
            if which.is_file() and not which.is_symlink():
                done.append(f"{which.name}:{_file_mutation(rng, which)}")
            continue
        path = prd if target == "prd" else dataset
        if not path.is_file() or path.is_symlink():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        how = rng.randrange(3)
        if target == "dataset" and how == 2:
            path.write_text(_hostile_rows(rng, fmt), encoding="utf-8", errors="surrogatepass")
            done.append("dataset:hostile-row")
        elif how == 0 or not re.search(r": ", text):
            path.write_text(_byte_mutation(rng, text), encoding="utf-8", errors="surrogatepass")
            done.append(f"{path.name}:bytes")
        else:
            path.write_text(_value_mutation(rng, text), encoding="utf-8", errors="surrogatepass")
            done.append(f"{path.name}:value")
    return " + ".join(done)


# -- running the CLI in this process ------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main([*args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        else:
            code = 0
    return code, err.getvalue()


def _located(stderr: str, names: tuple[str, ...]) -> bool:
    """An exit-2 message names the file; with a line unless the file itself is unreadable."""
    if re.search(rf"(?:{'|'.join(map(re.escape, names))}):\d+", stderr):
        return True
    unreadable = ("cannot read", "not found", "not UTF-8", "is empty", "has no cases")
    return any(n in stderr for n in names) and any(u in stderr for u in unreadable)


@pytest.fixture
def isolated_imports():
    """Each eval puts its project on sys.path and imports fuzz_app: undone afterwards."""
    path = list(sys.path)
    yield
    sys.path[:] = path
    sys.modules.pop("fuzz_app", None)


def test_broken_prds_and_datasets_never_crash(tmp_path, isolated_imports):
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    tracemalloc.start()
    try:
        for n in range(PROJECTS):
            root = tmp_path / f"p{n}"
            what = build_project(rng, root)
            names = ("gonogo.yaml", *(p.name for p in root.glob("golden.*")))
            prd = str(root / "gonogo.yaml")
            tracemalloc.reset_peak()
            baseline = tracemalloc.get_traced_memory()[0]
            code, err = _cli("check", prd)
            stage = "check"
            if code == 0:
                code, err = _cli("eval", prd, "-q", "--out", str(root / "out"))
                stage = "eval"
            peak = tracemalloc.get_traced_memory()[1] - baseline
            outcomes[f"{stage} {code}"] = outcomes.get(f"{stage} {code}", 0) + 1
            problem = None
            if "Traceback" in err or "Exception in" in err:
                problem = "a traceback"
            elif stage == "check" and code != 2:
                problem = f"check exit {code}"
            elif stage == "eval" and code not in (0, 1):
                problem = f"eval exit {code} after check passed"
            elif code == 2 and not _located(err, names):
                problem = "an exit-2 message without file:line"
            elif peak > MAX_PEAK_BYTES:
                problem = f"{peak / 1e6:.0f} MB allocated"
            if problem is not None:
                failures.append(f"p{n} ({what}): {problem}\n{err[-1500:]}")
    finally:
        tracemalloc.stop()
    assert not failures, f"{len(failures)} of {PROJECTS}:\n\n" + "\n\n".join(failures[:8])
    # the generator reaches both sides: projects refused by check, and runs with a verdict
    assert outcomes.get("check 2", 0) >= PROJECTS // 3, outcomes
    assert outcomes.get("eval 0", 0) + outcomes.get("eval 1", 0) >= 20, outcomes


@pytest.mark.parametrize("seed", [1, 2])
def test_the_generator_is_deterministic(tmp_path, seed):
    a = build_project(random.Random(seed), tmp_path / "a")
    b = build_project(random.Random(seed), tmp_path / "b")
    assert a == b
