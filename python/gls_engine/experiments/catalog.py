"""A project's experiments: created over a dataset version, listed (a project's, or a
dataset's for its Test Results tab), read with their run counts and status, deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.datasets.catalog import find_dataset
from gls_engine.datasets.clock import iso, now
from gls_engine.datasets.versions import resolve_version
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.experiments.definition import ExperimentDefinition
from gls_engine.metadata.models.datasets import DatasetRow, DatasetVersionRow
from gls_engine.metadata.models.experiments import ExperimentRow, ExperimentRunRow
from gls_engine.metadata.store import MetadataStore


def experiment_id_checked(value: str) -> str:
    if len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidParameterError("experiment_id must be 32 lowercase hex characters")
    return value


def status_of(expected: int, succeeded: int, failed: int) -> str:
    """pending: nothing recorded; running: pairs missing; completed: every pair ran
    (completed_with_errors: some of them failed)."""
    if succeeded + failed == 0:
        return "pending"
    if succeeded + failed < expected:
        return "running"
    return "completed_with_errors" if failed else "completed"


async def run_counts(session: AsyncSession, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """experiment id -> (succeeded, failed) runs."""
    if not ids:
        return {}
    rows = await session.execute(
        select(
            ExperimentRunRow.experiment_id,
            func.count(),
            func.count(ExperimentRunRow.error),
        )
        .where(ExperimentRunRow.experiment_id.in_(list(ids)))
        .group_by(ExperimentRunRow.experiment_id)
    )
    return {eid: (total - failed, failed) for eid, total, failed in rows}


def experiment_json(row: ExperimentRow, dataset: str, counts: tuple[int, int]) -> dict[str, Any]:
    succeeded, failed = counts
    expected = row.item_count * row.repetitions
    return {
        "id": row.id,
        "project": row.project,
        "dataset": dataset,
        "dataset_version": row.dataset_version,
        "name": row.name,
        "description": row.description,
        "metadata": row.meta,
        "repetitions": row.repetitions,
        "evaluators": row.evaluators,
        "item_count": row.item_count,
        "created_at": iso(row.created_at),
        "status": status_of(expected, succeeded, failed),
        "runs": {
            "expected": expected,
            "succeeded": succeeded,
            "failed": failed,
            "missing": max(expected - succeeded - failed, 0),
        },
    }


async def find_experiment(session: AsyncSession, project: str, experiment_id: str) -> ExperimentRow:
    row = await session.get(ExperimentRow, experiment_id_checked(experiment_id))
    if row is None or row.project != project:
        raise NotFoundError(f"experiment {experiment_id} not found in project {project!r}")
    return row


async def dataset_name(session: AsyncSession, dataset_id: int) -> str:
    return await session.scalar(select(DatasetRow.name).where(DatasetRow.id == dataset_id)) or ""


class ExperimentCatalog:
    def __init__(self, store: MetadataStore) -> None:
        self.store = store

    async def create(
        self, project: str, definition: ExperimentDefinition, *, require_items: bool = False
    ) -> dict[str, Any]:
        async with self.store.sessions() as session, session.begin():
            dataset = await find_dataset(session, project, definition.dataset)
            version = await self._version(session, dataset, definition.version)
            item_count = await session.scalar(
                select(DatasetVersionRow.item_count).where(
                    DatasetVersionRow.dataset_id == dataset.id,
                    DatasetVersionRow.number == version,
                )
            )
            if require_items and not item_count:
                raise InvalidParameterError(
                    f"dataset: version {version} of dataset {dataset.name!r} has no items to run"
                )
            name = definition.name
            if name is None:
                earlier = await session.scalar(
                    select(func.count()).where(ExperimentRow.dataset_id == dataset.id)
                )
                name = f"{dataset.name} v{version} #{(earlier or 0) + 1}"
            row = ExperimentRow(
                id=uuid.uuid4().hex,
                project=project,
                dataset_id=dataset.id,
                dataset_version=version,
                name=name,
                description=definition.description,
                meta=definition.metadata,
                repetitions=definition.repetitions,
                evaluators=[spec.to_json() for spec in definition.evaluators],
                item_count=int(item_count or 0),
                created_at=now(),
            )
            session.add(row)
            return experiment_json(row, dataset.name, (0, 0))

    async def _version(self, session: AsyncSession, dataset: DatasetRow, named: str | None) -> int:
        try:
            if named is None or named.isdigit() or named == "latest":
                return await resolve_version(session, dataset, named, None)
            return await resolve_version(session, dataset, None, named)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"version: {exc}") from None
        except NotFoundError as exc:
            raise NotFoundError(f"version: {exc}") from None

    async def list_experiments(
        self, project: str, dataset: str | None, limit: int
    ) -> list[dict[str, Any]]:
        async with self.store.sessions() as session:
            query = select(ExperimentRow, DatasetRow.name).join(
                DatasetRow, DatasetRow.id == ExperimentRow.dataset_id
            )
            if dataset is not None:
                found = await find_dataset(session, project, dataset)
                query = query.where(ExperimentRow.dataset_id == found.id)
            else:
                query = query.where(ExperimentRow.project == project)
            rows = (
                await session.execute(
                    query.order_by(ExperimentRow.created_at.desc(), ExperimentRow.id).limit(limit)
                )
            ).all()
            counts = await run_counts(session, [r[0].id for r in rows])
        return [experiment_json(r[0], r[1], counts.get(r[0].id, (0, 0))) for r in rows]

    async def ids_of_dataset(self, project: str, dataset: str) -> list[str]:
        """The ids of every experiment run on the dataset (its versions all)."""
        async with self.store.sessions() as session:
            found = await find_dataset(session, project, dataset)
            result = await session.execute(
                select(ExperimentRow.id).where(ExperimentRow.dataset_id == found.id)
            )
            return list(result.scalars())

    async def get(self, project: str, experiment_id: str) -> dict[str, Any]:
        async with self.store.sessions() as session:
            row = await find_experiment(session, project, experiment_id)
            counts = await run_counts(session, [row.id])
            return experiment_json(
                row, await dataset_name(session, row.dataset_id), counts.get(row.id, (0, 0))
            )

    async def delete(self, project: str, experiment_id: str) -> ExperimentRow:
        async with self.store.sessions() as session, session.begin():
            row = await find_experiment(session, project, experiment_id)
            # runs first: SQLite enforces ON DELETE CASCADE only with foreign_keys on,
            # which the engine sets, but a batch delete here costs nothing either way
            await session.execute(
                delete(ExperimentRunRow).where(ExperimentRunRow.experiment_id == row.id)
            )
            await session.delete(row)
            return row
