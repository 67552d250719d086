"""An experiment's runs with their items, read from the metadata store: a page in
(item, repetition) order for results, or all of them for aggregates and comparisons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.experiments.version_items import items_by_row_id
from gls_engine.metadata.models.datasets import DatasetItemRow
from gls_engine.metadata.models.experiments import ExperimentRow, ExperimentRunRow

Run = ExperimentRunRow
# Most runs an aggregate or a comparison reads: 100,000 (1,000 items x 100 repetitions).
MAX_RUNS_READ = 100_000


async def runs_with_items(
    session: AsyncSession,
    experiment: ExperimentRow,
    after: tuple[int, int] | None,
    limit: int,
) -> list[tuple[ExperimentRunRow, dict[str, Any]]]:
    """(run, its item) in (item row id, repetition) order after `after`."""
    query = select(Run).where(Run.experiment_id == experiment.id)
    if after is not None:
        query = query.where(tuple_(Run.item_id, Run.repetition) > tuple_(*after))
    rows = list(await session.scalars(query.order_by(Run.item_id, Run.repetition).limit(limit)))
    items = await items_by_row_id(
        session, experiment.dataset_id, experiment.dataset_version, [r.item_id for r in rows]
    )
    return [(row, items[row.item_id]) for row in rows if row.item_id in items]


async def all_runs(session: AsyncSession, experiment: ExperimentRow) -> list[Row[Any]]:
    """Every run in item order, as plain rows of the columns aggregates and comparisons
    read (no ORM objects: 100,000 of those cost seconds), with the item's external_id."""
    rows = await session.execute(
        select(
            Run.id,
            Run.repetition,
            Run.output,
            Run.error,
            Run.trace_id,
            Run.started_at,
            Run.ended_at,
            DatasetItemRow.external_id,
        )
        .join(DatasetItemRow, DatasetItemRow.id == Run.item_id)
        .where(Run.experiment_id == experiment.id)
        .order_by(Run.item_id, Run.repetition)
        .limit(MAX_RUNS_READ)
    )
    return list(rows)
