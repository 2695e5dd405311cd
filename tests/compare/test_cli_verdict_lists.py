"""The CLI keeps its own copy of the verdict names (importing gonogo.compare would slow
`gonogo compare --help` by ~0.65 s): it must stay equal to the library's."""

from __future__ import annotations

from gonogo.cli import _cmd_compare
from gonogo.compare import DEFAULT_FAIL_ON, VERDICTS


def test_cli_verdicts_match_the_library() -> None:
    assert tuple(_cmd_compare._VERDICTS) == tuple(VERDICTS)
    assert set(_cmd_compare._DEFAULT_FAIL_ON.split(",")) == set(DEFAULT_FAIL_ON)


def test_every_verdict_has_one_label_shared_by_library_and_reports() -> None:
    from gonogo.compare import VERDICT_LABELS
    from gonogo.report import _compare_console, _compare_html
    from gonogo.stats import VERDICT_LABELS as STATS_LABELS

    assert set(VERDICT_LABELS) == set(VERDICTS)
    assert VERDICT_LABELS is STATS_LABELS
    assert _compare_console.VERDICT_LABELS is STATS_LABELS
    assert _compare_html.VERDICT_LABELS is STATS_LABELS
