"""The statistics experiments answer, against figures worked by hand: a paired
comparison's mean difference, its confidence interval, t, p, d_z; Wilcoxon beside
it; edge cases (no pairs, no spread); a sample's spread; and the output diffs."""

from __future__ import annotations

import math

import pytest

from gls_engine.experiments.comparison import compare_means, item_means, mark
from gls_engine.experiments.output_diff import output_diff
from gls_engine.experiments.run_values import RunValues
from gls_engine.experiments.statistics import describe, holm_adjusted, paired_test


def test_paired_test_matches_the_hand_worked_example() -> None:
    # d = [1, 2, 2, 0, 2]: mean 1.4, sd sqrt(0.8), se 0.4, t = 3.5 on 4 df
    test = paired_test([1, 2, 3, 4, 5], [2, 4, 5, 4, 7])
    assert test["n"] == 5 and test["mean_difference"] == pytest.approx(1.4)
    assert test["t_statistic"] == pytest.approx(3.5)
    assert test["t_test_p"] == pytest.approx(0.02489, abs=5e-5)  # t table, 4 df
    t_crit = 2.776445  # t(0.975, 4)
    assert test["ci_low"] == pytest.approx(1.4 - t_crit * 0.4, abs=1e-5)
    assert test["ci_high"] == pytest.approx(1.4 + t_crit * 0.4, abs=1e-5)
    assert test["effect_size_dz"] == pytest.approx(1.4 / math.sqrt(0.8))
    # Wilcoxon drops the zero: 4 positive differences, exact p = 2 / 2^4
    assert test["wilcoxon_p"] == pytest.approx(0.125)
    assert test["significant"] and test["tests_disagree"]
    assert test["relative_difference"] == pytest.approx(1.4 / 3)


def test_paired_test_edges() -> None:
    assert paired_test([], [])["t_test_p"] is None
    one = paired_test([1.0], [2.0])
    assert one["n"] == 1 and one["mean_difference"] == 1.0 and one["t_test_p"] is None
    same = paired_test([1, 2, 3], [2, 3, 4])  # every item moved by 1: no spread
    assert same["ci_low"] == same["ci_high"] == 1.0 and not same["significant"]
    flat = paired_test([1, 0, 1], [1, 0, 1])
    assert flat["mean_difference"] == 0 and flat["wilcoxon_p"] is None


def test_describe() -> None:
    spread = describe([1, 2, 3, 4])
    assert spread["count"] == 4 and spread["mean"] == 2.5
    assert spread["std"] == pytest.approx(math.sqrt(5 / 3))
    assert (spread["min"], spread["max"], spread["p50"]) == (1, 4, 2.5)
    assert describe([])["mean"] is None and describe([7])["std"] is None


def run(item: str, failed: bool = False, **values: float) -> RunValues:
    metrics = {"latency_ms": values.pop("latency_ms", None)}
    return RunValues(item_id=item, repetition=1, failed=failed, metrics=metrics, scores=values)


def test_repetitions_are_averaged_per_item_before_the_test() -> None:
    baseline = item_means(
        [run("a", score=0), run("a", score=1), run("b", score=0), run("b", failed=True)]
    )
    assert baseline["a"]["score"] == 0.5 and baseline["b"]["score"] == 0
    assert baseline["b"]["error_rate"] == 0.5
    candidate = item_means([run("a", score=1), run("b", score=1), run("c", score=1)])
    tests = {t["name"]: t for t in compare_means(baseline, candidate, {"score"})}
    assert tests["score"]["n"] == 2  # c: the baseline has no such item
    assert tests["score"]["improvements"] == 2
    assert tests["error_rate"]["improvements"] == 1


def test_marks() -> None:
    assert mark("score", 0.5, 0.6, is_score=True) == "improvement"
    assert mark("score", 0.5, 0.5, is_score=True) == "unchanged"
    assert mark("latency_ms", 100, 105, is_score=False) == "unchanged"  # within 10%
    assert mark("latency_ms", 100, 120, is_score=False) == "regression"
    assert mark("cost_usd", 0.0, 0.001, is_score=False) == "regression"
    assert mark("cost_usd", 1.0, 0.5, is_score=False) == "improvement"


def test_output_diffs() -> None:
    text = output_diff("the capital is Paris", "the capital is Lyon")
    assert text["kind"] == "text" and not text["equal"]
    assert text["parts"] == [
        {"op": "equal", "text": "the capital is "},
        {"op": "delete", "text": "Paris"},
        {"op": "insert", "text": "Lyon"},
    ]
    patch = output_diff({"city": "Paris", "pop": 2}, {"city": "Lyon", "pop": 2, "new": True})
    assert patch["kind"] == "json" and sorted(op["path"] for op in patch["patch"]) == [
        "/city",
        "/new",
    ]
    assert output_diff(None, "x") is None
    assert output_diff(4, 4) == {"kind": "value", "equal": True}


def test_holm_adjustment() -> None:
    # sorted 0.01, 0.02, 0.04 of three tests: x3, x2 (kept monotone), x1
    assert holm_adjusted([0.04, None, 0.01, 0.02]) == pytest.approx([0.04, None, 0.03, 0.04])
    assert holm_adjusted([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm_adjusted([]) == []
