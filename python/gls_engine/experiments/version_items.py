"""The items of an experiment's dataset version, by row id: a page in item order
(resuming), and those named by the ids clients use (recording runs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.datasets.reading import in_version
from gls_engine.metadata.models.datasets import DatasetItemRevisionRow, DatasetItemRow

Rev = DatasetItemRevisionRow
Item = DatasetItemRow


def _item(external_id: str, revision: Rev) -> dict[str, Any]:
    return {
        "id": external_id,
        "input": revision.input,
        "expected": revision.expected,
        "metadata": revision.meta,
        "split": revision.split,
    }


async def items_by_external_id(
    session: AsyncSession, dataset_id: int, version: int, external_ids: Sequence[str]
) -> dict[str, tuple[int, dict[str, Any]]]:
    """external id -> (row id, item) for the ids the version holds."""
    if not external_ids:
        return {}
    rows = await session.execute(
        select(Rev, Item.external_id)
        .join(Item, Item.id == Rev.item_id)
        .where(
            in_version(dataset_id, version),
            Item.dataset_id == dataset_id,
            Item.external_id.in_(sorted(set(external_ids))),
        )
    )
    return {external: (rev.item_id, _item(external, rev)) for rev, external in rows}


async def items_by_row_id(
    session: AsyncSession, dataset_id: int, version: int, row_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """row id -> item as `version` has it (an item the version lacks is left out)."""
    if not row_ids:
        return {}
    rows = await session.execute(
        select(Rev, Item.external_id)
        .join(Item, Item.id == Rev.item_id)
        .where(in_version(dataset_id, version), Rev.item_id.in_(sorted(set(row_ids))))
    )
    return {rev.item_id: _item(external, rev) for rev, external in rows}


async def item_page(
    session: AsyncSession, dataset_id: int, version: int, after: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """(row id, item) of the version's next `limit` items after row id `after`."""
    rows = await session.execute(
        select(Rev, Item.external_id)
        .join(Item, Item.id == Rev.item_id)
        .where(in_version(dataset_id, version), Rev.item_id > after)
        .order_by(Rev.item_id)
        .limit(limit)
    )
    return [(rev.item_id, _item(external, rev)) for rev, external in rows]
