"""Changing a dataset's items: every change (items added, patched, deleted, their
splits) is one new immutable version, written in one transaction.

Only the items changed get a revision in the new version; the revision each one
replaces is closed (until_version), which changes nothing older versions read.
The version's split counts are its parent's with what it changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.datasets import split_counts
from gls_engine.datasets.catalog import find_dataset
from gls_engine.datasets.clock import now
from gls_engine.datasets.items import ItemPatch, NewItem
from gls_engine.datasets.search_text import search_text
from gls_engine.datasets.versions import version_json
from gls_engine.errors import ConflictError, InvalidParameterError, NotFoundError
from gls_engine.metadata.models.datasets import (
    DatasetItemRevisionRow,
    DatasetItemRow,
    DatasetRow,
    DatasetVersionRow,
)
from gls_engine.metadata.store import MetadataStore

Rev = DatasetItemRevisionRow
# ids looked up per statement (PostgreSQL takes 32,767 parameters, SQLite 32,766)
LOOKUP_CHUNK = 1000


class DatasetBusyError(InvalidParameterError):
    """An upload is writing the dataset's next version; changes wait for it."""


@dataclass
class ChangeSet:
    description: str = ""
    add: Sequence[NewItem] = ()
    patch: Sequence[ItemPatch] = ()
    delete: Sequence[str] = ()

    def check(self) -> None:
        if not (self.add or self.patch or self.delete):
            raise InvalidParameterError("the change is empty: add, patch or delete items")
        seen: set[str] = set()
        for kind, ids in (
            ("add", [i.id for i in self.add if i.id is not None]),
            ("patch", [p.id for p in self.patch]),
            ("delete", list(self.delete)),
        ):
            for item_id in ids:
                if item_id in seen:
                    raise InvalidParameterError(
                        f"{kind}: item {item_id!r} is named twice in one change"
                    )
                seen.add(item_id)


def new_external_id() -> str:
    return uuid.uuid4().hex


async def next_version(session: AsyncSession, dataset: DatasetRow) -> int:
    """The number a new version of `dataset` gets, or DatasetBusyError while an
    upload's version is being written."""
    newest = await session.execute(
        select(DatasetVersionRow.number, DatasetVersionRow.state)
        .where(DatasetVersionRow.dataset_id == dataset.id)
        .order_by(DatasetVersionRow.number.desc())
        .limit(1)
    )
    row = newest.first()
    if row is None:
        return 1
    if row.state != "ready":
        raise DatasetBusyError(
            f"dataset {dataset.name!r}: an upload is writing version {row.number};"
            " change it when the upload's job has ended (or cancel the job)"
        )
    return row.number + 1


async def existing_ids(
    session: AsyncSession, dataset_id: int, external_ids: Sequence[str]
) -> dict[str, int]:
    """external id -> item row id, for those of `external_ids` the dataset has."""
    found: dict[str, int] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = list(external_ids[start : start + LOOKUP_CHUNK])
        # PostgreSQL: one array parameter; an IN of 1,000 parameters was planned anew
        # each time and took 0.3 s
        wanted = (
            DatasetItemRow.external_id == any_(bindparam("ids", chunk, type_=ARRAY(String)))
            if postgres
            else DatasetItemRow.external_id.in_(chunk)
        )
        rows = await session.execute(
            select(DatasetItemRow.external_id, DatasetItemRow.id).where(
                DatasetItemRow.dataset_id == dataset_id, wanted
            )
        )
        found.update(dict(rows.all()))
    return found


async def insert_new_items(
    session: AsyncSession, dataset_id: int, version: int, items: Sequence[NewItem]
) -> None:
    """Inserts items and their create revisions; an id the dataset has already
    raises IntegrityError (the unique constraint is the check)."""
    if not items:
        return
    external = [i.id if i.id is not None else new_external_id() for i in items]
    # Rows come back in no particular order (asking for the parameters' order made
    # SQLAlchemy insert one row per statement on SQLite): matched by external id.
    returned = await session.execute(
        insert(DatasetItemRow).returning(DatasetItemRow.external_id, DatasetItemRow.id),
        [
            {
                "dataset_id": dataset_id,
                "external_id": external_id,
                "created_version": version,
                "source_trace_id": item.source_trace_id,
                "source_span_id": item.source_span_id,
            }
            for external_id, item in zip(external, items, strict=True)
        ],
    )
    row_ids = dict(returned.all())
    await session.execute(
        insert(Rev),
        [
            {
                "item_id": row_ids[external_id],
                "version": version,
                "until_version": None,
                "dataset_id": dataset_id,
                "kind": "create",
                "input": item.input,
                "expected": item.expected,
                "meta": item.metadata,
                "split": item.split,
                "search_text": search_text(item.input, item.expected, item.metadata),
            }
            for external_id, item in zip(external, items, strict=True)
        ],
    )


async def _live_revisions(
    session: AsyncSession, dataset_id: int, external_ids: Sequence[str]
) -> dict[str, DatasetItemRevisionRow]:
    """The newest revision of each named item that is not deleted; 404 naming the
    first item the dataset does not hold."""
    found: dict[str, DatasetItemRevisionRow] = {}
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = list(external_ids[start : start + LOOKUP_CHUNK])
        rows = await session.execute(
            select(DatasetItemRow.external_id, Rev)
            .join(Rev, Rev.item_id == DatasetItemRow.id)
            .where(
                DatasetItemRow.dataset_id == dataset_id,
                DatasetItemRow.external_id.in_(chunk),
                Rev.until_version.is_(None),
                Rev.kind != "delete",
            )
        )
        found.update({external_id: rev for external_id, rev in rows})
    for external_id in external_ids:
        if external_id not in found:
            raise NotFoundError(f"item {external_id!r} is not in the dataset's latest version")
    return found


async def _replace(
    session: AsyncSession,
    old: DatasetItemRevisionRow,
    version: int,
    kind: str,
    fields: dict[str, Any],
) -> None:
    await session.execute(
        update(Rev)
        .where(Rev.item_id == old.item_id, Rev.version == old.version)
        .values(until_version=version)
    )
    content = {"input": old.input, "expected": old.expected, "meta": old.meta, "split": old.split}
    for name, value in fields.items():
        content["meta" if name == "metadata" else name] = value
    # a delete is never read: nothing to search
    text = (
        ""
        if kind == "delete"
        else search_text(content["input"], content["expected"], content["meta"])
    )
    await session.execute(
        insert(Rev).values(
            item_id=old.item_id,
            version=version,
            until_version=None,
            dataset_id=old.dataset_id,
            kind=kind,
            search_text=text,
            **content,
        )
    )


async def parent_counts(
    session: AsyncSession, dataset: DatasetRow
) -> tuple[int, split_counts.SplitCounts]:
    """The item count and split counts of the dataset's latest version (0, none
    before its first)."""
    if not dataset.latest_version:
        return 0, split_counts.SplitCounts()
    row = (
        await session.execute(
            select(DatasetVersionRow.item_count, DatasetVersionRow.split_counts).where(
                DatasetVersionRow.dataset_id == dataset.id,
                DatasetVersionRow.number == dataset.latest_version,
            )
        )
    ).one()
    return row.item_count, split_counts.from_json(row.split_counts)


async def apply_changes(
    store: MetadataStore, project: str, dataset_name: str, changes: ChangeSet
) -> dict[str, Any]:
    """Writes `changes` as the dataset's next version; answers the version."""
    changes.check()
    async with store.sessions() as session, session.begin():
        dataset = await find_dataset(session, project, dataset_name, for_update=True)
        version = await next_version(session, dataset)
        named = [i.id for i in changes.add if i.id is not None]
        taken = await existing_ids(session, dataset.id, named)
        if taken:
            first = next(i for i in named if i in taken)
            raise ConflictError(
                f"add: item id {first!r} is already used in the dataset"
                " (ids are unique in a dataset, deleted items' too)"
            )
        live = await _live_revisions(
            session, dataset.id, [p.id for p in changes.patch] + list(changes.delete)
        )
        previous_count, counts = await parent_counts(session, dataset)
        counts.update(item.split for item in changes.add)
        for patch in changes.patch:
            if "split" in patch.fields:
                counts[live[patch.id].split] -= 1
                counts[patch.fields["split"]] += 1
        counts.subtract(live[external_id].split for external_id in changes.delete)
        at = now()
        session.add(
            DatasetVersionRow(
                dataset_id=dataset.id,
                number=version,
                description=changes.description,
                state="ready",
                item_count=previous_count + len(changes.add) - len(changes.delete),
                added=len(changes.add),
                changed=len(changes.patch),
                removed=len(changes.delete),
                split_counts=split_counts.to_json(counts),
                created_at=at,
            )
        )
        await session.flush()
        await insert_new_items(session, dataset.id, version, changes.add)
        for patch in changes.patch:
            await _replace(session, live[patch.id], version, "patch", patch.fields)
        for external_id in changes.delete:
            await _replace(session, live[external_id], version, "delete", {})
        dataset.latest_version = version
        dataset.updated_at = at
        row = await session.get(DatasetVersionRow, (dataset.id, version))
        assert row is not None
        return version_json(row, tags=[])


async def count_live(session: AsyncSession, dataset_id: int, version: int) -> int:
    """Items of a version counted from its revisions (tests check item_count by it)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(Rev)
            .where(
                Rev.dataset_id == dataset_id,
                Rev.version <= version,
                (Rev.until_version.is_(None)) | (Rev.until_version > version),
                Rev.kind != "delete",
            )
        )
        or 0
    )
