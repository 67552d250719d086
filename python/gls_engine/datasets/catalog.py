"""A project's datasets: create, list, read, edit (name, description, metadata),
delete; and finding one by name for every other operation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.datasets import names
from gls_engine.datasets.clock import iso, now
from gls_engine.datasets.items import metadata_checked
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.errors import ConflictError, InvalidParameterError, NotFoundError
from gls_engine.metadata.models.datasets import DatasetRow, DatasetVersionRow
from gls_engine.metadata.store import MetadataStore

MAX_DESCRIPTION_CHARS = 10_000


def description_checked(value: Any, name: str = "description") -> str:
    if value is None:
        return ""
    # PostgreSQL's text cannot hold NUL
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION_CHARS or "\x00" in value:
        raise InvalidParameterError(
            f"{name} must be a string of at most {MAX_DESCRIPTION_CHARS} characters, no NUL"
        )
    return value


async def find_dataset(
    session: AsyncSession, project: str, name: str, *, for_update: bool = False
) -> DatasetRow:
    query = select(DatasetRow).where(DatasetRow.project == project, DatasetRow.name == name)
    if for_update:
        query = query.with_for_update()  # PostgreSQL: changes of one dataset take turns
    row = await session.scalar(query)
    if row is None:
        raise NotFoundError(f"dataset {name!r} not found in project {project!r}")
    return row


async def dataset_json(session: AsyncSession, row: DatasetRow) -> dict[str, Any]:
    count = 0
    if row.latest_version:
        count = (
            await session.scalar(
                select(DatasetVersionRow.item_count).where(
                    DatasetVersionRow.dataset_id == row.id,
                    DatasetVersionRow.number == row.latest_version,
                )
            )
            or 0
        )
    return {
        "id": row.id,
        "project": row.project,
        "name": row.name,
        "description": row.description,
        "metadata": row.meta,
        "latest_version": row.latest_version or None,
        "item_count": count,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


class DatasetCatalog:
    def __init__(self, store: MetadataStore, limits: DatasetLimits) -> None:
        self.store = store
        self.limits = limits

    async def list(self, project: str) -> list[dict[str, Any]]:
        async with self.store.sessions() as session:
            rows = await session.scalars(
                select(DatasetRow).where(DatasetRow.project == project).order_by(DatasetRow.name)
            )
            counts = dict(
                (
                    await session.execute(
                        select(DatasetVersionRow.dataset_id, DatasetVersionRow.item_count)
                        .join(
                            DatasetRow,
                            (DatasetRow.id == DatasetVersionRow.dataset_id)
                            & (DatasetRow.latest_version == DatasetVersionRow.number),
                        )
                        .where(DatasetRow.project == project)
                    )
                ).all()
            )
            answers = []
            for row in rows:
                answer = {
                    "id": row.id,
                    "project": row.project,
                    "name": row.name,
                    "description": row.description,
                    "metadata": row.meta,
                    "latest_version": row.latest_version or None,
                    "item_count": counts.get(row.id, 0),
                    "created_at": iso(row.created_at),
                    "updated_at": iso(row.updated_at),
                }
                answers.append(answer)
            return answers

    async def get(self, project: str, name: str) -> dict[str, Any]:
        async with self.store.sessions() as session:
            return await dataset_json(session, await find_dataset(session, project, name))

    async def create(self, project: str, document: Any) -> dict[str, Any]:
        if not isinstance(document, dict):
            raise InvalidParameterError("the body must be a JSON object")
        unknown = set(document) - {"name", "description", "metadata"}
        if unknown:
            raise InvalidParameterError(f"{sorted(unknown)[0]} is not a dataset field")
        at = now()
        row = DatasetRow(
            project=project,
            name=names.dataset_name(document.get("name")),
            description=description_checked(document.get("description")),
            meta=metadata_checked("metadata", document.get("metadata"), self.limits),
            latest_version=0,
            created_at=at,
            updated_at=at,
        )
        try:
            async with self.store.sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise ConflictError(
                f"name: project {project!r} already has a dataset named {row.name!r}"
            ) from None
        async with self.store.sessions() as session:
            return await dataset_json(session, row)

    async def edit(self, project: str, name: str, document: Any) -> dict[str, Any]:
        if not isinstance(document, dict):
            raise InvalidParameterError("the body must be a JSON object")
        unknown = set(document) - {"name", "description", "metadata"}
        if unknown:
            raise InvalidParameterError(f"{sorted(unknown)[0]} is not a dataset field")
        try:
            async with self.store.sessions() as session, session.begin():
                row = await find_dataset(session, project, name, for_update=True)
                if "name" in document:
                    row.name = names.dataset_name(document["name"])
                if "description" in document:
                    row.description = description_checked(document["description"])
                if "metadata" in document:
                    row.meta = metadata_checked("metadata", document["metadata"], self.limits)
                row.updated_at = now()
        except IntegrityError:
            raise ConflictError(
                f"name: project {project!r} already has a dataset named {document['name']!r}"
            ) from None
        async with self.store.sessions() as session:
            return await dataset_json(session, row)

    async def delete(self, project: str, name: str) -> None:
        async with self.store.sessions() as session, session.begin():
            row = await find_dataset(session, project, name, for_update=True)
            await session.delete(row)
