"""Agreement between two raters: Cohen's kappa and accuracy, with intervals.

Used to calibrate automated scorers against people: each pair is (human label, scorer
label) for one item, or (reviewer A, reviewer B). Accuracy is the share of pairs that
agree, with a Wilson interval. Cohen's kappa corrects that share for the agreement two
raters with the same label frequencies would reach by chance:
``kappa = (p_o - p_e) / (1 - p_e)``. Its interval is a percentile bootstrap over items
(2,000 resamples, fixed seed, so a page shows the same numbers on every load); with
fewer than 2 items, or when chance agreement is total (both raters always give the same
single label), kappa is undefined and reported as None.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._proportion import wilson_interval

if TYPE_CHECKING:
    import numpy as np
else:
    from ._np import np  # numpy on first use: gonogo.stats is on every eval's path

KAPPA_RESAMPLES = 2000
KAPPA_SEED = 20240917


@dataclass(frozen=True)
class AgreementEstimate:
    """Agreement of ``n`` paired labels.

    ``accuracy`` (share agreeing) with its Wilson ``accuracy_ci``; ``kappa`` with its
    bootstrap ``kappa_ci`` (None when undefined); ``confusion[(a, b)]`` counts the pairs.
    """

    n: int
    agree: int
    accuracy: float | None
    accuracy_ci: tuple[float, float] | None
    kappa: float | None
    kappa_ci: tuple[float, float] | None
    confusion: dict[tuple[Hashable, Hashable], int]


def _kappa_from_counts(table: np.ndarray) -> np.ndarray:
    """Kappa of each confusion table in ``table`` (shape ``(..., k, k)``); NaN if undefined."""
    n = table.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        po = np.trace(table, axis1=-2, axis2=-1) / n
        pe = (table.sum(axis=-1) * table.sum(axis=-2)).sum(axis=-1) / (n * n)
        kappa = (po - pe) / (1 - pe)
    return np.where(np.isclose(pe, 1.0), np.nan, kappa)


def cohen_kappa(
    pairs: Sequence[tuple[Hashable, Hashable]],
    *,
    confidence: float = 0.95,
    n_resamples: int = KAPPA_RESAMPLES,
    seed: int = KAPPA_SEED,
) -> AgreementEstimate:
    """Cohen's kappa and accuracy of paired labels, with intervals."""
    n = len(pairs)
    confusion: dict[tuple[Hashable, Hashable], int] = {}
    for a, b in pairs:
        confusion[(a, b)] = confusion.get((a, b), 0) + 1
    if n == 0:
        return AgreementEstimate(0, 0, None, None, None, None, confusion)
    agree = sum(c for (a, b), c in confusion.items() if a == b)
    acc_ci = wilson_interval(agree, n, confidence)
    labels = sorted({x for pair in pairs for x in pair}, key=repr)
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    codes = np.array([index[a] * k + index[b] for a, b in pairs], dtype=np.int64)
    table = np.bincount(codes, minlength=k * k).reshape(k, k).astype(float)
    point = float(_kappa_from_counts(table))
    kappa: float | None = None if np.isnan(point) else point
    kappa_ci: tuple[float, float] | None = None
    if kappa is not None and n >= 2:
        rng = np.random.default_rng(seed)
        draws = codes[rng.integers(0, n, size=(n_resamples, n))]
        offsets = (np.arange(n_resamples) * k * k)[:, None]
        tables = np.bincount((draws + offsets).ravel(), minlength=n_resamples * k * k)
        boot = _kappa_from_counts(tables.reshape(n_resamples, k, k).astype(float))
        boot = boot[~np.isnan(boot)]
        if boot.size:
            tail = (1 - confidence) / 2 * 100
            lo, hi = np.percentile(boot, [tail, 100 - tail])
            kappa_ci = (float(lo), float(hi))
    return AgreementEstimate(n, agree, agree / n, acc_ci, kappa, kappa_ci, confusion)
