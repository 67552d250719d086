"""Recording runs (a batch at once, replacing earlier runs of the same item and
repetition) and answering which (item, repetition) pairs still need a run:
missing or failed, so a cut experiment resumes without re-running the rest."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine import request_params as p
from gls_engine.datasets.clock import iso, now
from gls_engine.errors import InvalidParameterError, RetryableError
from gls_engine.experiments.catalog import find_experiment
from gls_engine.experiments.run_input import RunInput
from gls_engine.experiments.version_items import item_page, items_by_external_id
from gls_engine.metadata.models.experiments import ExperimentRow, ExperimentRunRow
from gls_engine.metadata.store import MetadataStore

Run = ExperimentRunRow


def run_json(row: ExperimentRunRow, external_id: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "item_id": external_id,
        "repetition": row.repetition,
        "output": row.output,
        "error": row.error,
        "trace_id": row.trace_id,
        "span_id": row.span_id,
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
    }


async def record_runs(
    store: MetadataStore, project: str, experiment_id: str, runs: list[RunInput]
) -> tuple[ExperimentRow, list[dict[str, Any]]]:
    """Stores the batch in one transaction; answers the experiment and each run as
    stored with its item (input, expected, metadata) for the evaluators."""
    try:
        return await _record(store, project, experiment_id, runs)
    except IntegrityError:
        # two requests replaced the same pairs at once (PostgreSQL): the batch is
        # idempotent, so sending it again is the answer
        raise RetryableError(
            "runs: another request recorded some of these pairs at the same time;"
            " send the batch again"
        ) from None


async def _record(
    store: MetadataStore, project: str, experiment_id: str, runs: list[RunInput]
) -> tuple[ExperimentRow, list[dict[str, Any]]]:
    async with store.sessions() as session, session.begin():
        experiment = await find_experiment(session, project, experiment_id)
        found = await items_by_external_id(
            session, experiment.dataset_id, experiment.dataset_version, [r.item_id for r in runs]
        )
        for i, run in enumerate(runs):
            if run.item_id not in found:
                raise InvalidParameterError(
                    f"runs[{i}].item_id {run.item_id!r} is not an item of the experiment's"
                    f" dataset version {experiment.dataset_version}"
                )
        # the runs these replace: of the batch's items, those of its repetitions
        pairs = {(found[r.item_id][0], r.repetition) for r in runs}
        earlier = await session.execute(
            select(Run.id, Run.item_id, Run.repetition).where(
                Run.experiment_id == experiment.id,
                Run.item_id.in_(sorted({row_id for row_id, _ in pairs})),
            )
        )
        replaced = [run_id for run_id, item, rep in earlier if (item, rep) in pairs]
        if replaced:
            await session.execute(delete(Run).where(Run.id.in_(replaced)))
        named = [r.id for r in runs if r.id is not None]
        if named:
            taken = set(await session.scalars(select(Run.id).where(Run.id.in_(named))))
            for i, run in enumerate(runs):
                if run.id in taken:
                    raise InvalidParameterError(f"runs[{i}].id {run.id} is another run's id")
        recorded_at = now()
        answered = []
        for run in runs:
            row_id, item = found[run.item_id]
            row = Run(
                id=run.id or uuid.uuid4().hex,
                experiment_id=experiment.id,
                item_id=row_id,
                repetition=run.repetition,
                output=run.output,
                error=run.error,
                trace_id=run.trace_id,
                span_id=run.span_id,
                started_at=run.started_at,
                ended_at=run.ended_at,
                recorded_at=recorded_at,
            )
            session.add(row)
            answered.append({**run_json(row, run.item_id), "item": item})
    return experiment, answered


async def incomplete_runs(
    session: AsyncSession, experiment: ExperimentRow, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The next `limit` items of the version, those with repetitions missing or failed
    listed with them (the SDK runs each again), and a cursor while items remain."""
    after = p.decode_cursor(cursor, (int,))[0] if cursor else 0
    page = await item_page(session, experiment.dataset_id, experiment.dataset_version, after, limit)
    done: dict[int, set[int]] = {}
    failed: dict[int, set[int]] = {}
    if page:
        rows = await session.execute(
            select(Run.item_id, Run.repetition, Run.error).where(
                Run.experiment_id == experiment.id,
                Run.item_id.in_([row_id for row_id, _ in page]),
            )
        )
        for item_id, repetition, error in rows:
            (failed if error is not None else done).setdefault(item_id, set()).add(repetition)
    incomplete = []
    for row_id, item in page:
        wanted = [
            r for r in range(1, experiment.repetitions + 1) if r not in done.get(row_id, set())
        ]
        if wanted:
            incomplete.append(
                {
                    "item": item,
                    "repetitions": wanted,
                    "failed": sorted(failed.get(row_id, set()) & set(wanted)),
                }
            )
    next_cursor = p.encode_cursor([page[-1][0]]) if len(page) == limit else None
    return {"incomplete": incomplete, "next_cursor": next_cursor}
