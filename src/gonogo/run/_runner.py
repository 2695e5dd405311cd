"""The runner: every case × sample through the target and the scorers, concurrently.

A fixed pool of workers pulls (case, sample) items, so concurrency stays bounded and
the cost cap is checked before each new call. Each result is written to the store the
moment it completes; a resumed run skips what the store already has.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..data import Case
from ..data._output import TargetOutput
from ..errors import RunError
from ..scorers import Score
from ..store import AnyRunStore, StoreWriteError
from ._suite import Suite
from ._targets import RUN_FAILURE_KINDS, SETUP_HINT

ProgressFn = Callable[["Progress"], None]


@dataclass
class Progress:
    """Counters the CLI turns into a progress bar."""

    total: int
    done: int = 0
    target_errors: int = 0
    spent_usd: float = 0.0


@dataclass
class RunOutcome:
    """How the execution ended."""

    status: str  # completed | partial
    stopped_reason: str | None = None
    executed: int = 0
    run_failures: list[str] = field(default_factory=list)


# Errors of the target call itself (not of its output): when (nearly) all calls fail with
# the same one, the target is broken and the run is a setup failure, not a NO-GO.
TARGET_FAILURE_KINDS = frozenset({"exception", "http"})
UNIFORM_FAILURE_MIN = 5  # calls (or every call, in smaller runs)
UNIFORM_FAILURE_SHARE = 0.9


def _is_run_failure(out: TargetOutput) -> bool:
    return out.error_kind in RUN_FAILURE_KINDS


class Executor:
    """Runs the remaining items of one run and persists each result."""

    def __init__(
        self,
        suite: Suite,
        store: AnyRunStore,
        run_id: str,
        *,
        done: set[tuple[str, int]] | None = None,
        max_cost: float | None = None,
        est_cost_per_item: float = 0.0,
        on_progress: ProgressFn | None = None,
    ) -> None:
        self.suite = suite
        self.store = store
        self.run_id = run_id
        self.max_cost = max_cost
        self.est = est_cost_per_item
        self.on_progress = on_progress
        done = done or set()
        self.items = [
            (case, s)
            for case in suite.cases
            for s in range(suite.repeats)
            if (case.key, s) not in done
        ]
        self.progress = Progress(total=len(self.items))
        self._reserved = 0.0
        self._own_cost = 0.0  # cost reported by callable / HTTP targets
        self._stop: str | None = None
        self._deferred: list[dict[str, Any]] = []  # run-failure samples, stored only at the end
        self._run_failures: list[str] = []
        self._run_failure_kinds: set[str] = set()
        # Samples whose target call failed (an exception, an HTTP error) are held until the
        # end: when (nearly) every call fails the same way the target is broken, the run
        # stops with a setup error (exit 3), and none of them is stored as a result.
        self._held: list[dict[str, Any]] = []
        self._target_errors: Counter[str] = Counter()
        self._attempted = 0
        self._succeeded = 0
        self._commit_scheduled = False
        self._store_error: StoreWriteError | None = None

    def spent(self) -> float:
        """Money spent so far in this process (target + judge; cache hits are free)."""
        total = self._own_cost
        for client in (self.suite.target_client, self.suite.judge_client):
            if client is not None:
                total += client.stats.spent_usd
        return total

    async def run(self) -> RunOutcome:
        """Execute every remaining item; raise RunError if the provider is unreachable."""
        it = iter(self.items)
        workers = [
            asyncio.create_task(self._worker(it))
            for _ in range(min(self.suite.concurrency, max(1, len(self.items))))
        ]
        interrupted = True
        try:
            await asyncio.gather(*workers)
            interrupted = False
        finally:
            for w in workers:
                w.cancel()
            if interrupted:  # Ctrl-C: failed calls are results like any other
                self._release_held()
            self._commit()
        if self._store_error is not None:
            raise self._store_error
        if self._stop == "run_failure":
            raise self._run_failure_error()
        broken = self._uniform_target_error()
        if broken is not None:
            n = self._target_errors[broken]
            raise RunError(
                f"the target failed the same way on {n} of {self._attempted} calls, so this "
                f"run measured a broken setup, not the feature: {broken}",
                "fix the target (or the endpoint) and run `gonogo eval` again; "
                "`gonogo check` imports a Python target and checks it against the dataset",
            )
        self._release_held()
        self._commit()
        if self._store_error is not None:
            raise self._store_error
        for rec in self._deferred:
            self.store.add_sample(self.run_id, rec)
        if self._stop is not None:
            return RunOutcome("partial", self._stop, self.progress.done, self._run_failures)
        return RunOutcome("completed", None, self.progress.done, self._run_failures)

    def _run_failure_error(self) -> RunError:
        sample = "; ".join(dict.fromkeys(self._run_failures))[:500]
        if any(kind == "setup" for kind in self._run_failure_kinds):
            return RunError(f"the target cannot be called: {sample}", SETUP_HINT)
        return RunError(
            f"the run failed: {len(self._run_failures)} of {self._attempted} calls could not "
            f"reach the feature under test ({sample})",
            "check that the endpoint is up and the key is valid, then re-run with --resume "
            "(completed results are kept)",
        )

    def _uniform_target_error(self) -> str | None:
        """The one error (nearly) every call failed with, if the target looks broken."""
        if not self._target_errors:
            return None
        error, n = self._target_errors.most_common(1)[0]
        enough = min(UNIFORM_FAILURE_MIN, len(self.items))
        if n >= enough and n >= UNIFORM_FAILURE_SHARE * self._attempted:
            return error
        return None

    def _release_held(self) -> None:
        for rec in self._held:
            self._persist_now(rec)
        self._held.clear()

    def _persist_now(self, record: dict[str, Any]) -> None:
        if self._store_error is not None:
            return
        try:
            self.store.add_sample(self.run_id, record, commit=False)
        except StoreWriteError as e:
            self._store_failed(e)

    async def _worker(self, it: Any) -> None:
        for case, sample in it:
            if self._stop is not None:
                return
            if (
                self.max_cost is not None
                and self.spent() + self._reserved + self.est > self.max_cost
            ):
                self._stop = "max_cost"
                return
            self._reserved += self.est
            try:
                record, out = await self._one(case, sample)
            finally:
                self._reserved -= self.est
            self._attempted += 1
            if _is_run_failure(out):
                self._run_failures.append(out.error or "")
                self._run_failure_kinds.add(out.error_kind or "")
                self._deferred.append(record)
                if self._should_abort(out):
                    self._stop = "run_failure"
                    return
            elif out.error_kind in TARGET_FAILURE_KINDS:
                self._target_errors[(out.error or "")[:300]] += 1
                self._held.append(record)
                if self._succeeded == 0 and self._uniform_target_error() is not None:
                    self._stop = "target_broken"  # the first calls all failed alike: stop early
                    return
            else:
                self._succeeded += 1
                self._persist(record)
            self.progress.done += 1
            if out.error:
                self.progress.target_errors += 1
            if self.on_progress is not None:
                self.progress.spent_usd = self.spent()
                self.on_progress(self.progress)

    def _persist(self, record: dict[str, Any]) -> None:
        # Group commit: every result completed in this event-loop tick is committed by
        # one COMMIT scheduled right after the tick, before any new network I/O is read.
        self._persist_now(record)
        if self._store_error is not None:
            return
        if not self._commit_scheduled:
            self._commit_scheduled = True
            asyncio.get_running_loop().call_soon(self._commit)

    def _commit(self) -> None:
        self._commit_scheduled = False
        if self._store_error is not None:
            return
        try:
            self.store.commit()
        except StoreWriteError as e:
            self._store_failed(e)

    def _store_failed(self, error: StoreWriteError) -> None:
        # Stop at the first failed write: every further call would be paid for and lost
        # (and paid for again on --resume). Calls in flight finish; nothing new starts.
        self._store_error = error
        self._stop = "store_failed"

    def _should_abort(self, out: TargetOutput) -> bool:
        if out.error_kind in ("auth", "setup"):
            return True  # every call will fail the same way
        n = len(self._run_failures)
        tolerance = self.suite.prd.eval_plan.max_run_error_rate
        return n >= min(5, len(self.items)) and n / max(1, self._attempted) > tolerance

    async def _one(self, case: Case, sample: int) -> tuple[dict[str, Any], TargetOutput]:
        out = await self.suite.target(case, sample)
        out.metadata["sample"] = sample
        if out.cost_usd is not None and self.suite.target_client is None and not out.cached:
            self._own_cost += out.cost_usd
        scores = await self._score(case, out)
        judge_cost = [s.metadata.get("judge_cost_usd") for s in scores.values()]
        known = [c for c in judge_cost if isinstance(c, int | float)]
        record = {
            "case_key": case.key,
            "case_id": case.id,
            "dataset": case.dataset,
            "sample": sample,
            "output": out.output,
            "contexts": out.contexts,
            "latency_s": round(out.latency_s, 6),
            "cost_usd": out.cost_usd,
            "input_tokens": out.input_tokens,
            "output_tokens": out.output_tokens,
            "cached": out.cached,
            "error": out.error,
            "error_kind": out.error_kind,
            "scores": {k: v.to_dict() for k, v in scores.items()},
            "judge_cost_usd": sum(known) if known else None,
            "completed_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        if "lab" in out.metadata:  # what the failure lab changed in this call (gonogo lab)
            record["lab"] = out.metadata["lab"]
        return record, out

    async def _score(self, case: Case, out: TargetOutput) -> dict[str, Score]:
        if out.error is not None:
            reason = f"target error: {out.error}"
            return {s.id: Score(0.0, False, reason) for s in self.suite.scorers}
        scores: dict[str, Score] = {}
        for scorer in self.suite.scorers:
            try:
                scores[scorer.id] = await scorer.score(case, out)
            except Exception as e:  # a scorer bug must not kill the run
                scores[scorer.id] = Score(
                    None, None, "scorer crashed", error=f"{type(e).__name__}: {e}"
                )
        return scores
