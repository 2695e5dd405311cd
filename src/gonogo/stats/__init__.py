"""Statistics for the gate: pure functions, no imports from the rest of gonogo.

Pass rates get Wilson score intervals (on an effective sample size when cases are
repeated); mean scores get a cluster bootstrap interval over cases; the gate compares
an interval with a target and says how many more cases would decide it.
"""

from ._agreement import AgreementEstimate, cohen_kappa
from ._bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_mean_interval
from ._gate import GateOn, GateStatus, about, cases_needed, cases_needed_mean, evaluate_threshold
from ._paired import PairedTest, Verdict, holm, paired_test
from ._paired_text import VERDICT_LABELS
from ._power import PairedPlan, cases_needed_paired, plan_paired, power_paired
from ._proportion import (
    ProportionEstimate,
    attempts_to_prove,
    effective_n,
    icc_anova,
    proportion_interval,
    wilson_interval,
    z_value,
)

__all__ = [
    "AgreementEstimate",
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
    "attempts_to_prove",
    "bootstrap_mean_interval",
    "cohen_kappa",
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
