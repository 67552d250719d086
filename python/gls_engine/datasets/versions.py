"""A dataset's versions: listed, read one, and named by number or tag in requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.datasets.clock import iso
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.metadata.models.datasets import DatasetRow, DatasetTagRow, DatasetVersionRow


def version_json(row: DatasetVersionRow, tags: list[str]) -> dict[str, Any]:
    return {
        "version": row.number,
        "description": row.description,
        "item_count": row.item_count,
        "added": row.added,
        "changed": row.changed,
        "removed": row.removed,
        "split_counts": row.split_counts,
        "tags": tags,
        "created_at": iso(row.created_at),
    }


async def resolve_version(
    session: AsyncSession, dataset: DatasetRow, version: str | None, tag: str | None
) -> int:
    """The version a request names (?version=N or ?tag=name; neither: the latest),
    404 if the dataset has no such readable version."""
    if version is not None and tag is not None:
        raise InvalidParameterError("name a version or a tag, not both")
    if tag is not None:
        number = await session.scalar(
            select(DatasetTagRow.version).where(
                DatasetTagRow.dataset_id == dataset.id, DatasetTagRow.name == tag
            )
        )
        if number is None:
            raise NotFoundError(f"tag {tag!r} not found in dataset {dataset.name!r}")
        return number
    if version is None or version == "latest":
        if not dataset.latest_version:
            raise NotFoundError(f"dataset {dataset.name!r} has no version yet")
        return dataset.latest_version
    if not version.isdigit() or not 1 <= int(version) <= 2**31 - 1:
        raise InvalidParameterError("version must be a version number (1, 2, ...) or 'latest'")
    number = int(version)
    if number > dataset.latest_version:
        raise NotFoundError(f"version {number} not found in dataset {dataset.name!r}")
    return number


async def list_versions(session: AsyncSession, dataset: DatasetRow) -> list[dict[str, Any]]:
    tags: dict[int, list[str]] = {}
    for name, number in await session.execute(
        select(DatasetTagRow.name, DatasetTagRow.version)
        .where(DatasetTagRow.dataset_id == dataset.id)
        .order_by(DatasetTagRow.name)
    ):
        tags.setdefault(number, []).append(name)
    rows = await session.scalars(
        select(DatasetVersionRow)
        .where(DatasetVersionRow.dataset_id == dataset.id, DatasetVersionRow.state == "ready")
        .order_by(DatasetVersionRow.number.desc())
    )
    return [version_json(row, tags.get(row.number, [])) for row in rows]


async def get_version(session: AsyncSession, dataset: DatasetRow, number: int) -> dict[str, Any]:
    row = await session.get(DatasetVersionRow, (dataset.id, number))
    if row is None or row.state != "ready":
        raise NotFoundError(f"version {number} not found in dataset {dataset.name!r}")
    names = await session.scalars(
        select(DatasetTagRow.name)
        .where(DatasetTagRow.dataset_id == dataset.id, DatasetTagRow.version == number)
        .order_by(DatasetTagRow.name)
    )
    return version_json(row, list(names))
