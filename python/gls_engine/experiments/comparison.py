"""Two or more experiments on one dataset compared: the first is the baseline, each
other a candidate. Items are matched by item id (the versions may differ); an item's
value for a metric or score is the mean over its repetitions that did not fail.

Per item and per metric / score, a candidate's change is marked:
- scores (higher is better): an improvement when its item mean is above the
  baseline's, a regression when below (any change; scores are few-valued);
- metrics (latency, tokens, cost, energy, carbon, error rate; lower is better): a
  regression when it rose by more than 10% of the baseline's (any rise from 0), an
  improvement when it fell by more than 10%; smaller moves are noise.
Per metric and score over the items both have: the paired tests of statistics.py.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from gls_engine import request_params as p
from gls_engine.errors import InvalidParameterError
from gls_engine.experiments.catalog import (
    dataset_name,
    experiment_id_checked,
    experiment_json,
    run_counts,
)
from gls_engine.experiments.results import trace_link
from gls_engine.experiments.run_metrics import METRICS
from gls_engine.experiments.run_values import RunValues, experiment_values
from gls_engine.experiments.statistics import SIGNIFICANCE, holm_adjusted, paired_test
from gls_engine.experiments.version_items import items_by_external_id
from gls_engine.metadata.models.experiments import ExperimentRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.storage import SpanStore

MAX_COMPARED = 5
MAX_PAGE = 100
METRIC_TOLERANCE = 0.10
COMPARED_METRICS = (*METRICS, "error_rate")

ItemMeans = dict[str, dict[str, float]]  # item id -> name -> mean


def experiment_ids_checked(values: list[str]) -> list[str]:
    ids = [v for value in values for v in value.split(",") if v]
    if not 2 <= len(ids) <= MAX_COMPARED:
        raise InvalidParameterError(
            f"experiments must name 2 to {MAX_COMPARED} experiments (the first is the baseline)"
        )
    if len(set(ids)) != len(ids):
        raise InvalidParameterError("experiments names an experiment twice")
    try:
        return [experiment_id_checked(i) for i in ids]
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"experiments: {exc}") from None


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def item_means(runs: list[RunValues]) -> ItemMeans:
    collected: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        collected[run.item_id]["error_rate"].append(1.0 if run.failed else 0.0)
        if run.failed:
            continue
        for name, value in (*run.metrics.items(), *run.scores.items()):
            if value is not None:
                collected[run.item_id][name].append(value)
    return {
        item: {name: _mean(v) for name, v in named.items()} for item, named in collected.items()
    }


def mark(name: str, base: float, candidate: float, is_score: bool) -> str:
    if is_score:
        if candidate > base + 1e-12:
            return "improvement"
        return "regression" if candidate < base - 1e-12 else "unchanged"
    change = candidate - base
    threshold = METRIC_TOLERANCE * abs(base)
    if change > threshold and change > 0:
        return "regression"
    if change < -threshold and change < 0:
        return "improvement"
    return "unchanged"


def _verdict(test: dict[str, Any], higher_is_better: bool) -> str:
    if test["t_test_p"] is None:
        return "not_testable" if test["n"] < 2 else "no_difference"
    if not test["significant"]:
        return "no_significant_difference"
    better = (test["mean_difference"] > 0) == higher_is_better
    return "better" if better else "worse"


def compare_means(
    baseline: ItemMeans, candidate: ItemMeans, score_names: set[str]
) -> list[dict[str, Any]]:
    """A paired test and the per-item marks' counts for each metric and score."""
    answers = []
    for name in [*COMPARED_METRICS, *sorted(score_names)]:
        is_score = name in score_names
        items = sorted(i for i in baseline if name in baseline[i] and name in candidate.get(i, {}))
        base = [baseline[i][name] for i in items]
        cand = [candidate[i][name] for i in items]
        marks = [mark(name, b, c, is_score) for b, c in zip(base, cand, strict=True)]
        test = paired_test(base, cand)
        answers.append(
            {
                "name": name,
                "kind": "score" if is_score else "metric",
                "higher_is_better": is_score,
                **test,
                "verdict": _verdict(test, is_score),
                "improvements": marks.count("improvement"),
                "regressions": marks.count("regression"),
                "unchanged": marks.count("unchanged"),
            }
        )
    for answer, adjusted in zip(
        answers, holm_adjusted([a["t_test_p"] for a in answers]), strict=True
    ):
        answer["t_test_p_holm"] = adjusted
    return answers


async def compare(
    metadata: MetadataStore,
    spans: SpanStore,
    project: str,
    ids: list[str],
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    # together: each is a metadata read and two ClickHouse reads
    loaded: list[tuple[ExperimentRow, list[RunValues]]] = list(
        await asyncio.gather(*(experiment_values(metadata, spans, project, i) for i in ids))
    )
    datasets = {row.dataset_id for row, _ in loaded}
    if len(datasets) > 1:
        raise InvalidParameterError(
            "experiments: the experiments compared must be on the same dataset"
        )
    means = [item_means(runs) for _, runs in loaded]
    score_names = {name for _, runs in loaded for r in runs for name in r.scores}
    baseline = means[0]
    tests = [
        {"experiment_id": row.id, "metrics": compare_means(baseline, m, score_names)}
        for (row, _), m in zip(loaded[1:], means[1:], strict=True)
    ]
    after = p.decode_cursor(cursor, (str,))[0] if cursor else None
    all_items = sorted({item for m in means for item in m})
    page_items = [i for i in all_items if after is None or i > after][:limit]
    first = loaded[0][0]
    async with metadata.sessions() as session:
        contents = await items_by_external_id(
            session, first.dataset_id, first.dataset_version, page_items
        )
        for row, _ in loaded[1:]:
            lacking = [i for i in page_items if i not in contents]
            if lacking:
                contents.update(
                    await items_by_external_id(
                        session, row.dataset_id, row.dataset_version, lacking
                    )
                )
        counts = await run_counts(session, ids)
        name = await dataset_name(session, first.dataset_id)
    runs_by_item: list[dict[str, list[RunValues]]] = []
    for _, runs in loaded:
        grouped: dict[str, list[RunValues]] = defaultdict(list)
        for run in runs:
            grouped[run.item_id].append(run)
        runs_by_item.append(grouped)
    items = []
    for item_id in page_items:
        sides = []
        for k, (row, _) in enumerate(loaded):
            item_mean = means[k].get(item_id, {})
            marks = {}
            if k > 0:
                for metric, value in item_mean.items():
                    base = baseline.get(item_id, {}).get(metric)
                    if base is not None:
                        marks[metric] = mark(metric, base, value, metric in score_names)
            sides.append(
                {
                    "experiment_id": row.id,
                    "runs": [
                        {
                            "run_id": r.run_id,
                            "repetition": r.repetition,
                            "output": r.output,
                            "failed": r.failed,
                            "trace_id": r.trace_id,
                            "trace_url": trace_link(project, r.trace_id),
                            "scores": r.scores,
                        }
                        for r in runs_by_item[k].get(item_id, [])
                    ],
                    "means": item_mean,
                    "marks": marks,
                }
            )
        content = contents.get(item_id, (0, {}))[1]
        items.append(
            {
                "item_id": item_id,
                "input": content.get("input"),
                "expected": content.get("expected"),
                "sides": sides,
            }
        )
    next_cursor = (
        p.encode_cursor([page_items[-1]])
        if page_items and all_items.index(page_items[-1]) < len(all_items) - 1
        else None
    )
    return {
        "baseline": ids[0],
        "dataset": name,
        "significance_level": SIGNIFICANCE,
        "experiments": [
            experiment_json(row, name, counts.get(row.id, (0, 0))) for row, _ in loaded
        ],
        "tests": tests,
        "items": items,
        "next_cursor": next_cursor,
    }
