"""An experiment's aggregates: per metric and per score name the spread of its runs'
values (count, mean, std, min, max, percentiles) and how many runs lack one, run
counts and errors, and the cost, energy and carbon totals.

Every repetition counts as a run here (spread over runs); comparisons average an
item's repetitions first (comparison.py).
"""

from __future__ import annotations

from typing import Any

from gls_engine.experiments.catalog import dataset_name, experiment_json, run_counts
from gls_engine.experiments.run_metrics import METRICS
from gls_engine.experiments.run_values import RunValues, experiment_values
from gls_engine.experiments.statistics import describe
from gls_engine.metadata.models.experiments import ExperimentRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.storage import SpanStore

TOTALS = ("cost_usd", "energy_kwh", "carbon_g", "total_tokens")


def _spread(values: list[float | None], runs: int) -> dict[str, Any]:
    known = [v for v in values if v is not None]
    return {**describe(known), "missing": runs - len(known)}


def _label_counts(runs: list[RunValues], name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in runs:
        label = run.labels.get(name)
        if label is not None:
            counts[label] = counts.get(label, 0) + 1
    return counts


def aggregate(experiment: ExperimentRow, runs: list[RunValues]) -> dict[str, Any]:
    succeeded = [r for r in runs if not r.failed]
    metrics = {
        name: _spread([r.metrics[name] for r in succeeded], len(succeeded)) for name in METRICS
    }
    names = sorted({name for r in runs for name in r.scores})
    scores = {
        name: {
            **_spread([r.scores.get(name) for r in succeeded], len(succeeded)),
            "labels": _label_counts(succeeded, name),
        }
        for name in names
    }
    # totals over every run, failed ones too: their calls were paid for
    totals = {name: sum(v for r in runs if (v := r.metrics[name]) is not None) for name in TOTALS}
    return {
        "runs": len(runs),
        "errors": len(runs) - len(succeeded),
        "items": len({r.item_id for r in runs}),
        "metrics": metrics,
        "scores": scores,
        "totals": totals,
    }


async def experiment_aggregates(
    metadata: MetadataStore, spans: SpanStore, project: str, experiment_id: str
) -> dict[str, Any]:
    experiment, runs = await experiment_values(metadata, spans, project, experiment_id)
    async with metadata.sessions() as session:
        counts = await run_counts(session, [experiment.id])
        summary = experiment_json(
            experiment,
            await dataset_name(session, experiment.dataset_id),
            counts.get(experiment.id, (0, 0)),
        )
    return {"experiment": summary, **aggregate(experiment, runs)}
