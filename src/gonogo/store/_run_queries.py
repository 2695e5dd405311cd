"""The run store's dashboard queries, written once for SQLite (``?``) and PostgreSQL (``$1``).

Filters, ordering and paging of runs and of a run's cases are built here with the gateway
store's :class:`~gonogo.store.gateway._queries.Query`, so both backends page and filter
exactly alike. SQLite orders ties by ``rowid``, PostgreSQL by its ``seq`` column.
"""

from __future__ import annotations

from collections.abc import Sequence

from .gateway._queries import Query, Style

SUMMARY_COLUMNS = "id, created_at, prd_path, status, meta, summary, results IS NOT NULL"
RUN_COLUMNS = "id, created_at, updated_at, prd_path, fingerprint, status, meta, results"


def tie(style: Style) -> str:
    """The column that orders runs created in the same millisecond."""
    return "rowid" if style == "qmark" else "seq"


def run_summaries(
    style: Style, prd_path: str | None, before: str | None, limit: int, offset: int,
    verdict: str | None = None,
) -> Query:  # fmt: skip
    """Runs newest first (of one PRD; created before ``before``; with a verdict or status)."""
    q = Query(style, f"SELECT {SUMMARY_COLUMNS} FROM runs")
    q.where(optional=[("prd_path =", prd_path), ("created_at <", before),
                      ("COALESCE(verdict, status) =", verdict)])  # fmt: skip
    return q.then(f" ORDER BY created_at DESC, {tie(style)} DESC LIMIT {q.arg(limit)} "
                  f"OFFSET {q.arg(offset)}")  # fmt: skip


def _case_conditions(q: Query, run_id: str, statuses: Sequence[str], search: str | None) -> str:
    parts = [f"run_id = {q.arg(run_id)}"]
    if statuses:
        parts.append(f"status IN ({', '.join(q.arg(s) for s in statuses)})")
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        parts.append(f"record LIKE {q.arg('%' + escaped + '%')} ESCAPE '\\'")
    return " WHERE " + " AND ".join(parts)


def count_cases(style: Style, run_id: str, statuses: Sequence[str], search: str | None) -> Query:
    """How many of a run's cases match."""
    q = Query(style, "SELECT COUNT(*) FROM run_cases")
    return q.then(_case_conditions(q, run_id, statuses, search))


def page_cases(
    style: Style, run_id: str, statuses: Sequence[str], search: str | None, offset: int,
    limit: int,
) -> Query:  # fmt: skip
    """A page of a run's matching cases in dataset order."""
    q = Query(style, "SELECT record FROM run_cases")
    q.then(_case_conditions(q, run_id, statuses, search))
    return q.then(f" ORDER BY idx LIMIT {q.arg(limit)} OFFSET {q.arg(offset)}")


def previous_run(style: Style, prd_path: str, created_at: str, run_id: str) -> Query:
    """The newest finished run of a PRD made before the given one."""
    q = Query(style, f"SELECT {SUMMARY_COLUMNS} FROM runs")
    t = tie(style)
    q.then(f" WHERE prd_path = {q.arg(prd_path)} AND (created_at < {q.arg(created_at)} OR "
           f"(created_at = {q.arg(created_at)} AND {t} < (SELECT {t} FROM runs WHERE id = "
           f"{q.arg(run_id)}))) AND results IS NOT NULL ORDER BY created_at DESC, {t} DESC "
           "LIMIT 1")  # fmt: skip
    return q


def trend_points(style: Style, prd_path: str, limit: int) -> Query:
    """A PRD's finished runs' trend records, newest first."""
    q = Query(style, "SELECT id, created_at, trend FROM runs")
    q.where(("prd_path =", prd_path)).then(" AND trend IS NOT NULL")
    return q.then(f" ORDER BY created_at DESC, {tie(style)} DESC LIMIT {q.arg(limit)}")
