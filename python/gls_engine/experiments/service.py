"""Experiments as the API uses them: one object holding the metadata store (the
experiments and runs), the span store (the runs' traces) and the score store,
with one method per operation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.evaluators.judge_provider import JudgeProviders
from gls_engine.experiments.aggregates import experiment_aggregates
from gls_engine.experiments.catalog import ExperimentCatalog, find_experiment
from gls_engine.experiments.client_scores import client_scores, record_evaluator_traces
from gls_engine.experiments.comparison import compare
from gls_engine.experiments.definition import JUDGE, ExperimentDefinition
from gls_engine.experiments.judge_scoring import judge_runs
from gls_engine.experiments.results import results_page
from gls_engine.experiments.run_input import RunInput
from gls_engine.experiments.run_scoring import score_runs
from gls_engine.experiments.runs import incomplete_runs, record_runs
from gls_engine.metadata.store import MetadataStore
from gls_engine.scores.score_configs import ScoreConfigs, check_configured
from gls_engine.scores.score_input import check_consistent_types
from gls_engine.scores.score_store import ScoreStore
from gls_engine.scores.stored_score import StoredScore
from gls_engine.self_traces.submitter import SelfTraceSubmitter
from gls_engine.storage import SpanStore


class Experiments:
    def __init__(
        self,
        metadata: MetadataStore,
        spans: SpanStore,
        scores: ScoreStore,
        judges: JudgeProviders,
        self_traces: Callable[[], SelfTraceSubmitter],
    ) -> None:
        self.metadata = metadata
        self.spans = spans
        self.scores = scores
        self.judges = judges
        # Looked up at use: the ingest pipeline starts after the experiments.
        self.self_traces = self_traces
        self.catalog = ExperimentCatalog(metadata)

    async def create(
        self, project: str, definition: ExperimentDefinition, *, require_items: bool = False
    ) -> dict[str, Any]:
        """`require_items`: a dataset version without items is a 400 (a server-side
        task would have nothing to run), refused before anything is written."""
        for i, spec in enumerate(definition.evaluators):
            if spec.kind == JUDGE:
                try:
                    client, _ = await self.judges.client(self.metadata, project)
                except NotFoundError as exc:
                    raise InvalidParameterError(f"evaluators[{i}]: {exc}") from None
                await client.close()
                break
        return await self.catalog.create(project, definition, require_items=require_items)

    async def list_experiments(
        self, project: str, dataset: str | None, limit: int
    ) -> list[dict[str, Any]]:
        return await self.catalog.list_experiments(project, dataset, limit)

    async def get(self, project: str, experiment_id: str) -> dict[str, Any]:
        return await self.catalog.get(project, experiment_id)

    async def delete(self, project: str, experiment_id: str) -> None:
        """Its scores first: were the experiment gone first, a failure between the
        two would leave scores nothing names (a retry of this is safe)."""
        found = await self.catalog.get(project, experiment_id)  # 404 when absent
        await self.scores.delete_of_experiments(project, [found["id"]], time.time_ns())
        await self.catalog.delete(project, experiment_id)

    async def forget_dataset(self, project: str, dataset: str) -> None:
        """Deletes the scores of the dataset's experiments, before the dataset (and
        with it its experiments) is deleted."""
        ids = await self.catalog.ids_of_dataset(project, dataset)
        await self.scores.delete_of_experiments(project, ids, time.time_ns())

    async def record_runs(
        self, project: str, experiment_id: str, runs: list[RunInput]
    ) -> dict[str, Any]:
        """Stores the runs, then the built-in evaluators' scores of those that have an
        output (recording the batch again replaces both)."""
        experiment, recorded = await record_runs(self.metadata, project, experiment_id, runs)
        # evaluators may be slow on long outputs (similarity, schemas): off the loop
        scores, errors = await asyncio.to_thread(
            score_runs, experiment.id, experiment.evaluators, recorded
        )
        judged, judge_errors = await judge_runs(
            self.judges,
            self.self_traces(),
            self.metadata,
            project,
            experiment.id,
            experiment.evaluators,
            recorded,
        )
        scores += judged
        errors += judge_errors
        # The runs are stored: a score the project's rules refuse (a name of another
        # type, a score config's labels or bounds) is answered as an error, not a 400.
        scores, refused = await self._admissible(project, scores)
        errors += refused
        if scores:
            await self.scores.write(project, scores)
        return {
            "runs": [
                {"id": r["id"], "item_id": r["item_id"], "repetition": r["repetition"]}
                for r in recorded
            ],
            "scores": [
                {"run_id": s.run_id, "name": s.name, "value": s.to_json()["value"]} for s in scores
            ],
            "score_errors": errors,
        }

    async def _admissible(
        self, project: str, scores: list[StoredScore]
    ) -> tuple[list[StoredScore], list[dict[str, Any]]]:
        if not scores:
            return [], []
        names = {s.name for s in scores}
        known = await self.scores.known_types(project, names)
        configs = await ScoreConfigs(self.metadata).of_names(project, names)
        kept: list[StoredScore] = []
        refused: list[dict[str, Any]] = []
        for score in scores:
            try:
                check_consistent_types([score], {**known, **{s.name: s.data_type for s in kept}})
                check_configured([score], configs, False)
            except InvalidParameterError as exc:
                refused.append({"run_id": score.run_id, "name": score.name, "error": str(exc)})
                continue
            kept.append(score)
        return kept, refused

    async def record_scores(
        self, project: str, experiment_id: str, document: dict[str, Any]
    ) -> dict[str, Any]:
        """The client's scores, checked whole (400 naming scores[i]) before any is written."""
        scores, traces = await client_scores(self.metadata, project, experiment_id, document)
        names = {s.name for s in scores}
        check_consistent_types(scores, await self.scores.known_types(project, names))
        check_configured(scores, await ScoreConfigs(self.metadata).of_names(project, names), True)
        await record_evaluator_traces(self.metadata, scores[0].experiment_id, traces)
        await self.scores.write(project, scores)
        return {"stored": len(scores)}

    async def incomplete(
        self, project: str, experiment_id: str, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        async with self.metadata.sessions() as session:
            experiment = await find_experiment(session, project, experiment_id)
            return await incomplete_runs(session, experiment, limit, cursor)

    async def results(
        self, project: str, experiment_id: str, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        return await results_page(self.metadata, self.spans, project, experiment_id, limit, cursor)

    async def aggregates(self, project: str, experiment_id: str) -> dict[str, Any]:
        return await experiment_aggregates(self.metadata, self.spans, project, experiment_id)

    async def compare(
        self, project: str, ids: list[str], limit: int, cursor: str | None
    ) -> dict[str, Any]:
        return await compare(self.metadata, self.spans, project, ids, limit, cursor)
