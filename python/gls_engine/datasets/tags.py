"""Tags: a name for one version of a dataset. Setting, moving and removing a tag is
recorded (dataset_tag_moves), so "which version was prod on Monday" has an answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.datasets.clock import iso, now
from gls_engine.errors import NotFoundError
from gls_engine.metadata.models.datasets import DatasetRow, DatasetTagMoveRow, DatasetTagRow


async def list_tags(session: AsyncSession, dataset: DatasetRow) -> list[dict[str, Any]]:
    moves: dict[str, list[dict[str, Any]]] = {}
    for move in await session.scalars(
        select(DatasetTagMoveRow)
        .where(DatasetTagMoveRow.dataset_id == dataset.id)
        .order_by(DatasetTagMoveRow.name, DatasetTagMoveRow.id)
    ):
        moves.setdefault(move.name, []).append(
            {
                "from_version": move.from_version,
                "to_version": move.to_version,
                "moved_at": iso(move.moved_at),
            }
        )
    tags = await session.scalars(
        select(DatasetTagRow)
        .where(DatasetTagRow.dataset_id == dataset.id)
        .order_by(DatasetTagRow.name)
    )
    return [
        {
            "name": tag.name,
            "version": tag.version,
            "updated_at": iso(tag.updated_at),
            "history": moves.get(tag.name, []),
        }
        for tag in tags
    ]


async def set_tag(
    session: AsyncSession, dataset: DatasetRow, name: str, version: int
) -> dict[str, Any]:
    at = now()
    tag = await session.get(DatasetTagRow, (dataset.id, name), with_for_update=True)
    previous = None if tag is None else tag.version
    if tag is None:
        tag = DatasetTagRow(dataset_id=dataset.id, name=name, version=version, updated_at=at)
        session.add(tag)
    elif previous != version:
        tag.version, tag.updated_at = version, at
    if previous != version:
        session.add(
            DatasetTagMoveRow(
                dataset_id=dataset.id,
                name=name,
                from_version=previous,
                to_version=version,
                moved_at=at,
            )
        )
    await session.flush()
    return {"name": name, "version": version, "updated_at": iso(tag.updated_at)}


async def delete_tag(session: AsyncSession, dataset: DatasetRow, name: str) -> None:
    tag = await session.get(DatasetTagRow, (dataset.id, name), with_for_update=True)
    if tag is None:
        raise NotFoundError(f"tag {name!r} not found in dataset {dataset.name!r}")
    session.add(
        DatasetTagMoveRow(
            dataset_id=dataset.id,
            name=name,
            from_version=tag.version,
            to_version=None,
            moved_at=now(),
        )
    )
    await session.delete(tag)
