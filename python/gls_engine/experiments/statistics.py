"""The statistics experiments answer: a sample's spread, and the paired comparison of
two experiments over the items both ran (scipy.stats).

Paired over items: each item is its own control, so the item-to-item variance
(some questions are hard for every variant) drops out of the comparison. With
repetitions, an item's value is the mean of its repetitions first, so the test's
n is the number of items, not of runs (runs of one item are not independent).

The primary test is the paired t-test: its subject is the mean difference, the
figure reported with its confidence interval, and over items the mean of the
differences is close to normal for the tens of items an experiment has (central
limit theorem). The Wilcoxon signed-rank test is answered beside it as the check
that needs no normality (heavy-tailed latency, few items); when the two disagree
the answer says so. Effect size: Cohen's d_z, the mean difference over the
differences' standard deviation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

PERCENTILES = (50, 90, 95, 99)
SIGNIFICANCE = 0.05
CONFIDENCE = 0.95


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def describe(values: Sequence[float]) -> dict[str, Any]:
    """count, mean, std (sample), min, max and percentiles; nulls when empty."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return {
            "count": 0,
            "mean": None,
            "std": None,
            "min": None,
            "max": None,
            **{f"p{q}": None for q in PERCENTILES},
        }
    quantiles = np.percentile(data, PERCENTILES)
    return {
        "count": int(data.size),
        "mean": float(data.mean()),
        "std": float(data.std(ddof=1)) if data.size > 1 else None,
        "min": float(data.min()),
        "max": float(data.max()),
        **{f"p{q}": float(v) for q, v in zip(PERCENTILES, quantiles, strict=True)},
    }


def paired_test(baseline: Sequence[float], candidate: Sequence[float]) -> dict[str, Any]:
    """candidate - baseline over pairs (same item): n, mean difference, its confidence
    interval, t-test and Wilcoxon p-values, d_z, and whether the primary test is
    significant. Fewer than 2 pairs, or all differences equal, leave the tests null."""
    # scipy.stats takes ~0.7 s to import: paid at the first comparison, not at every start
    from scipy import stats

    base = np.asarray(baseline, dtype=float)
    cand = np.asarray(candidate, dtype=float)
    diff = cand - base
    n = int(diff.size)
    answer: dict[str, Any] = {
        "n": n,
        "baseline_mean": float(base.mean()) if n else None,
        "candidate_mean": float(cand.mean()) if n else None,
        "mean_difference": float(diff.mean()) if n else None,
        "relative_difference": None,
        "ci_low": None,
        "ci_high": None,
        "confidence": CONFIDENCE,
        "t_statistic": None,
        "t_test_p": None,
        "wilcoxon_p": None,
        "effect_size_dz": None,
        "primary_test": "paired_t",
        "significant": False,
        "tests_disagree": False,
    }
    if n and base.mean() != 0:
        answer["relative_difference"] = float(diff.mean() / abs(base.mean()))
    if n < 2:
        return answer
    sd = float(diff.std(ddof=1))
    if sd == 0.0:
        # every item moved by the same amount (often 0): no spread to test against
        answer["ci_low"] = answer["ci_high"] = float(diff.mean())
        return answer
    sem = sd / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sem
    t_result = stats.ttest_rel(cand, base)
    answer.update(
        ci_low=float(diff.mean()) - half,
        ci_high=float(diff.mean()) + half,
        t_statistic=_finite(t_result.statistic),
        t_test_p=_finite(t_result.pvalue),
        effect_size_dz=float(diff.mean()) / sd,
    )
    if np.count_nonzero(diff) > 0:
        # zero differences dropped (Wilcoxon's own rule); scipy picks exact or normal
        answer["wilcoxon_p"] = _finite(stats.wilcoxon(diff, zero_method="wilcox").pvalue)
    t_p, w_p = answer["t_test_p"], answer["wilcoxon_p"]
    answer["significant"] = t_p is not None and t_p < SIGNIFICANCE
    answer["tests_disagree"] = (
        t_p is not None and w_p is not None and (t_p < SIGNIFICANCE) != (w_p < SIGNIFICANCE)
    )
    return answer


def holm_adjusted(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (None: no test): a
    comparison reports many metrics and scores at once, and the chance that one of
    them looks significant by luck grows with their number; Holm keeps it at the
    level for the whole family without assuming the tests independent."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        adjusted[i] = running
    return adjusted
