"""Statistics for the gate: pure functions, no imports from the rest of gonogo.

Pass rates get Wilson score intervals (on an effective sample size when cases are
repeated); mean scores get a cluster bootstrap interval over cases; the gate compares
an interval with a target and says how many more cases would decide it.
"""

import importlib
from typing import TYPE_CHECKING, Any

# The gate's own statistics (Wilson, the design effect, the bootstrap, which imports numpy
# only when a mean score needs an interval) load eagerly; the paired A/B tests and power
# (numpy at import) load on first use (PEP 562), so an eval that compares nothing never
# imports numpy.
from ._bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_mean_interval
from ._gate import GateOn, GateStatus, about, cases_needed, cases_needed_mean, evaluate_threshold
from ._paired_text import VERDICT_LABELS
from ._proportion import (
    ProportionEstimate,
    effective_n,
    icc_anova,
    proportion_interval,
    wilson_interval,
    z_value,
)

if TYPE_CHECKING:
    from ._paired import PairedTest, Verdict, holm, paired_test
    from ._power import PairedPlan, cases_needed_paired, plan_paired, power_paired

_LAZY = {
    "PairedTest": "_paired",
    "Verdict": "_paired",
    "holm": "_paired",
    "paired_test": "_paired",
    "PairedPlan": "_power",
    "cases_needed_paired": "_power",
    "plan_paired": "_power",
    "power_paired": "_power",
}

__all__ = [
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "GateOn",
    "GateStatus",
    "PairedPlan",
    "VERDICT_LABELS",
    "PairedTest",
    "ProportionEstimate",
    "Verdict",
    "about",
    "bootstrap_mean_interval",
    "cases_needed",
    "cases_needed_mean",
    "cases_needed_paired",
    "effective_n",
    "evaluate_threshold",
    "holm",
    "icc_anova",
    "paired_test",
    "plan_paired",
    "power_paired",
    "proportion_interval",
    "wilson_interval",
    "z_value",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gonogo.stats' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
