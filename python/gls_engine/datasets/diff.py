"""Two versions of a dataset compared, in pages of the items that differ.

The items either version could differ in are those with a revision in
(older, newer]: found on the (dataset_id, version, item_id) index, so a diff of
two versions one edit apart reads one revision, not the million unchanged items.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine import request_params as p
from gls_engine.datasets.reading import items_at
from gls_engine.metadata.models.datasets import DatasetItemRevisionRow

Rev = DatasetItemRevisionRow
VERSION_INDEX = "ix_dataset_item_revisions_dataset_id_version_item_id"
CONTENT = ("input", "expected", "metadata", "split")


def _kind(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str | None:
    if before is None and after is None:
        return None  # added and removed between the two
    if before is None:
        return "added"
    if after is None:
        return "removed"
    if all(before[k] == after[k] for k in CONTENT):
        return None  # patched back to what it was
    return "changed"


async def diff_page(
    session: AsyncSession,
    dataset_id: int,
    from_version: int,
    to_version: int,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Changes from `from_version` to `to_version` (either order), item order:
    {"changes": [{"id", "change", "before", "after"}], "next_cursor"}."""
    older, newer = sorted((from_version, to_version))
    after = p.decode_cursor(cursor, (int,))[0] if cursor else 0
    touched = list(
        await session.scalars(
            select(Rev.item_id)
            .where(
                Rev.dataset_id == dataset_id,
                Rev.version > older,
                Rev.version <= newer,
                Rev.item_id > after,
            )
            .group_by(Rev.item_id)
            .order_by(Rev.item_id)
            .limit(limit + 1)
            # SQLite would walk (dataset_id, item_id, version) to skip the sort: every
            # revision of the dataset for a one-item diff (97 ms at 1M items)
            .with_hint(Rev, f"INDEXED BY {VERSION_INDEX}", dialect_name="sqlite")
        )
    )
    next_cursor = None
    if len(touched) > limit:
        touched = touched[:limit]
        next_cursor = p.encode_cursor([touched[-1]])
    before_items = await items_at(session, dataset_id, from_version, touched)
    after_items = await items_at(session, dataset_id, to_version, touched)
    changes = []
    for item_id in touched:
        before, later = before_items.get(item_id), after_items.get(item_id)
        kind = _kind(before, later)
        if kind is not None:
            some = later or before
            assert some is not None
            changes.append({"id": some["id"], "change": kind, "before": before, "after": later})
    return {
        "from_version": from_version,
        "to_version": to_version,
        "changes": changes,
        "next_cursor": next_cursor,
    }
