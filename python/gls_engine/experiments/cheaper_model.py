"""The cost suggestions' "cheaper model" case: where two experiments on one dataset
each ran one model, and the cheaper one's scores are not significantly worse on
any score (paired tests over at least MIN_ITEMS items, comparison.py), suggest
moving production calls of the dearer model to it. The monthly saving is the
dearer model's production cost and carbon in the window (cost_rollups, without
the environment "experiment" the SDK's runs are in), cut by
the experiments' ratio of mean cost (and carbon) per item, scaled to 30 days.

Only the project's MAX_EXPERIMENTS newest completed experiments are looked at:
each is read whole (runs, trace figures, scores)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from gls_engine.experiments.comparison import compare_means, item_means
from gls_engine.experiments.run_values import RunValues, experiment_values
from gls_engine.experiments.service import Experiments

MAX_EXPERIMENTS = 20
MIN_ITEMS = 10

PRODUCTION_SQL = (
    "SELECT sum(r.spans) AS calls, sum(r.cost_usd) AS cost, sum(r.carbon_g) AS carbon"
    " FROM cost_rollups AS r WHERE r.project = {project:String}"
    " AND r.minute >= fromUnixTimestamp64Nano({start:Int64})"
    " AND r.minute < fromUnixTimestamp64Nano({end:Int64})"
    " AND r.span_type IN ('llm', 'embedding') AND r.model = {model:String}"
)
IN_ENVIRONMENT = " AND r.environment = {environment:String}"
# the SDK's experiment runs (greenlang_studio/tracing.py) are not production
NOT_EXPERIMENTS = " AND r.environment != 'experiment'"


def single_model(runs: list[RunValues]) -> str | None:
    """The one model every traced run of the experiment called, if there is one."""
    models = {model for run in runs if not run.failed for model in run.models}
    return next(iter(models)) if len(models) == 1 else None


def _mean(means: dict[str, dict[str, float]], name: str) -> float | None:
    values = [m[name] for m in means.values() if name in m]
    return sum(values) / len(values) if values else None


async def cheaper_model_suggestions(
    experiments: Experiments, project: str, params: dict[str, Any], scale: float
) -> list[dict[str, Any]]:
    listed = await experiments.list_experiments(project, None, MAX_EXPERIMENTS)
    done = [e for e in listed if e["status"] in ("completed", "completed_with_errors")]
    loaded = []
    for summary in done:
        _, runs = await experiment_values(
            experiments.metadata, experiments.spans, project, summary["id"]
        )
        model = single_model(runs)
        if model is not None:
            loaded.append((summary, model, item_means(runs), runs))
    best: dict[str, dict[str, Any]] = {}  # dearer model -> its best evidence
    for first, second in combinations(loaded, 2):
        if first[0]["dataset"] != second[0]["dataset"] or first[1] == second[1]:
            continue
        cost_first, cost_second = _mean(first[2], "cost_usd"), _mean(second[2], "cost_usd")
        if not cost_first or not cost_second or cost_first == cost_second:
            continue
        dear, cheap = (first, second) if cost_first > cost_second else (second, first)
        names = {n for run in (*dear[3], *cheap[3]) for n in run.scores}
        scores = [t for t in compare_means(dear[2], cheap[2], names) if t["kind"] == "score"]
        if not scores or any(t["n"] < MIN_ITEMS for t in scores):
            continue  # quality not measured on enough items
        if any(t["significant"] and t["mean_difference"] < 0 for t in scores):
            continue  # the cheaper model is significantly worse on a score
        cost_ratio = (_mean(cheap[2], "cost_usd") or 0) / (_mean(dear[2], "cost_usd") or 1)
        carbon_dear, carbon_cheap = _mean(dear[2], "carbon_g"), _mean(cheap[2], "carbon_g")
        carbon_ratio = (
            carbon_cheap / carbon_dear if carbon_dear and carbon_cheap is not None else 1.0
        )
        evidence = {
            "model": dear[1],
            "to_model": cheap[1],
            "dataset": dear[0]["dataset"],
            "experiments": [dear[0]["id"], cheap[0]["id"]],
            "cost_ratio": cost_ratio,
            "carbon_ratio": carbon_ratio,
            "scores": {
                t["name"]: {
                    "mean_difference": t["mean_difference"],
                    "t_test_p": t["t_test_p"],
                    "n": t["n"],
                }
                for t in scores
            },
        }
        if dear[1] not in best or cost_ratio < best[dear[1]]["cost_ratio"]:
            best[dear[1]] = evidence
    out = []
    for model, evidence in best.items():
        sql = PRODUCTION_SQL + (IN_ENVIRONMENT if params.get("in_environment") else NOT_EXPERIMENTS)
        rows = await experiments.spans.query_rows(sql, {**params, "model": model})
        calls = int(rows[0]["calls"] or 0) if rows else 0
        if not calls:
            continue
        saving = float(rows[0]["cost"]) * (1 - evidence["cost_ratio"]) * scale
        co2e = max(float(rows[0]["carbon"]) * (1 - evidence["carbon_ratio"]) * scale, 0.0)
        out.append(
            {
                "kind": "cheaper_model",
                "title": f"Use {evidence['to_model']} instead of {model}",
                "detail": (
                    f"On dataset {evidence['dataset']!r}, {evidence['to_model']} cost"
                    f" {evidence['cost_ratio']:.0%} of {model} per item with no score"
                    " significantly worse (paired t-test, p < 0.05); applied to the"
                    f" {calls} production calls of {model} in the window."
                ),
                "monthly_saving_usd": saving,
                "monthly_saving_co2e_g": co2e,
                "evidence": {**evidence, "production_calls": calls},
                "traces": [],
                "traces_query": {"model": model, "span_type": "llm"},
            }
        )
    return out
