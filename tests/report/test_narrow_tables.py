"""Console tables in an 80-column terminal (COLUMNS=80), as a newcomer's laptop shows them.

An identifier (a scorer, tag, red-team family or injection) is shown whole, broken only after
`_`, `-`, `/` or `.`, or numbered with a legend — never split in the middle of a word — and no
content is cropped at the right edge. Checked on eval, compare, red-team and lab tables.
"""

import re
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "compare"))  # compare_kit, lab_kit
sys.path.insert(0, str(TESTS / "lab"))

NARROW = {"COLUMNS": "80"}


def block(out: str, title: str) -> str:
    """The table under ``title``: to the first blank line after its rule, with its legend."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rule = next(i for i in range(start, len(lines)) if "───" in lines[i])
    end = next((i for i in range(rule + 1, len(lines)) if not lines[i].strip()), len(lines))
    if end + 1 < len(lines) and lines[end + 1].startswith("columns:"):  # numbered columns
        end += 1
        while end + 1 < len(lines) and lines[end + 1].strip() and \
                not lines[end + 1][0].isupper() and not lines[end + 1][0].isspace():  # fmt: skip
            end += 1  # the legend's wrapped lines
    return "\n".join(lines[start : end + 1])


def shown_whole_or_at_separators(text: str, ident: str) -> bool:
    """``ident`` can be read back from ``text``'s words, cut only after a separator."""
    words = set(re.findall(r"[^\s,\[\]()]+", text))

    def rest(pos: int) -> bool:
        if pos == len(ident):
            return True
        for w in words:
            end = pos + len(w)
            if ident.startswith(w, pos) and (end == len(ident) or ident[end - 1] in "_-/."):
                if rest(end):
                    return True
        return False

    return rest(0)


def assert_narrow(out: str, title: str, idents: list[str]) -> None:
    table = block(out, title)
    assert all(cell_len(line) <= 80 for line in table.splitlines()), table
    for ident in idents:
        assert shown_whole_or_at_separators(table, ident), f"{ident!r} split mid-word:\n{table}"


def test_eval_tables_at_80_columns(tmp_path, cli):
    assert cli("init", tmp_path / "f").returncode == 0
    r = cli("eval", tmp_path / "f" / "gonogo.yaml", env=NARROW)
    assert r.returncode == 0, r.stdout + r.stderr
    ids = ["answers_match", "links_help_centre", "no_personal_data", "short_enough"]
    assert_narrow(r.stdout, "Pass rate by tag", [*ids, "out-of-scope"])
    assert_narrow(r.stdout, "Thresholds", ids)


def test_compare_table_at_80_columns(tmp_path, cli):
    from compare_kit import prd_text, project, script

    long = {"correct": "names_the_capital_correctly", "answers": "gives_an_answer_not_a_refusal"}
    text = prd_text(script(range(20)), script(range(24)))
    for short, name in long.items():
        text = text.replace(f"id: {short},", f"id: {name},").replace(
            f"scorer: {short},", f"scorer: {name},"
        )
    prd = project(tmp_path, text)
    r = cli("compare", prd, env=NARROW)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert_narrow(r.stdout, "Per scorer", list(long.values()))
    flat = " ".join(r.stdout.split())  # nothing cropped at the right edge
    assert "Holm-adjusted across scorers" in flat, r.stdout


def test_redteam_table_at_80_columns(tmp_path, cli):
    assert cli("init", tmp_path / "f").returncode == 0
    prd = tmp_path / "f" / "gonogo.yaml"
    text = prd.read_text()  # a small sample: the status column says how many are needed
    prd.write_text(text.replace("\nlaunch:\n", "\nlaunch:\n  redteam: {probes_per_family: 12}\n"))
    assert prd.read_text() != text
    r = cli("redteam", "run", prd, env=NARROW, timeout=300)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    families = ["prompt-injection", "system-prompt-extraction", "pii-leakage", "over-refusal"]
    assert_narrow(r.stdout, "Attack success by family", families)
    assert "undecided: ~" in " ".join(r.stdout.split())  # the status column is not cropped


@pytest.mark.parametrize("module", ["narrow_lab_app"])
def test_lab_matrix_at_80_columns(tmp_path, cli, module):
    from lab_kit import write_capitals

    prd = write_capitals(tmp_path, module)
    long = {"right": "names_the_right_capital_city", "short": "answer_is_short_enough",
            "no_sure": "does_not_start_with_sure"}  # fmt: skip
    text = prd.read_text()
    for short, name in long.items():
        text = re.sub(rf"\b(id|scorer|detect): {short}\b", rf"\1: {name}", text)
    prd.write_text(text)
    r = cli("lab", prd, env=NARROW, cwd=tmp_path, timeout=300)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert_narrow(r.stdout, "Detection matrix", [*long.values(), "wrong-facts", "obeys-docs"])
