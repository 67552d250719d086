"""Every run of an experiment as numbers: its metrics and its numeric scores (booleans
as 1 / 0, categorical labels by the value they map to, if any), read in three
queries; what aggregates and comparisons compute on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gls_engine.experiments.catalog import find_experiment
from gls_engine.experiments.experiment_scores import score_values
from gls_engine.experiments.run_metrics import run_metrics
from gls_engine.experiments.run_rows import all_runs
from gls_engine.experiments.trace_figures import trace_figures
from gls_engine.metadata.models.experiments import ExperimentRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.storage import SpanStore


@dataclass
class RunValues:
    item_id: str
    repetition: int
    failed: bool
    metrics: dict[str, float | None]
    scores: dict[str, float | None] = field(default_factory=dict)
    labels: dict[str, str | None] = field(default_factory=dict)
    output: Any = None
    trace_id: str | None = None
    run_id: str = ""
    models: list[str] = field(default_factory=list)


async def experiment_values(
    metadata: MetadataStore, spans: SpanStore, project: str, experiment_id: str
) -> tuple[ExperimentRow, list[RunValues]]:
    async with metadata.sessions() as session:
        experiment = await find_experiment(session, project, experiment_id)
        runs = await all_runs(session, experiment)
    figures = await trace_figures(spans, project, [run.trace_id for run in runs])
    scores = await score_values(spans, project, experiment.id)
    values = []
    for run in runs:
        metrics = run_metrics(run, figures.get(run.trace_id or ""))
        models = metrics.pop("models")
        entry = RunValues(
            item_id=run.external_id,
            repetition=run.repetition,
            failed=run.error is not None,
            metrics=metrics,
            output=run.output,
            trace_id=run.trace_id,
            run_id=run.id,
            models=models,
        )
        for name, value, label in scores.get(run.id, []):
            entry.scores[name] = value
            entry.labels[name] = label or None
        values.append(entry)
    return experiment, values
