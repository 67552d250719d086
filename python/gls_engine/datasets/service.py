"""Datasets as the API uses them: one object holding the metadata store, the limits,
the upload jobs and the span reader, with one method per operation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from gls_engine.datasets import names
from gls_engine.datasets.catalog import DatasetCatalog, find_dataset
from gls_engine.datasets.changes import ChangeSet, apply_changes
from gls_engine.datasets.diff import diff_page
from gls_engine.datasets.export import export_chunks
from gls_engine.datasets.from_spans import items_from_spans
from gls_engine.datasets.items import NewItem
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.datasets.reading import (
    ItemFilter,
    PageBounds,
    iterate_version,
    read_item,
    read_page,
)
from gls_engine.datasets.tags import delete_tag, list_tags, set_tag
from gls_engine.datasets.upload_jobs import UploadJobs
from gls_engine.datasets.versions import get_version, list_versions, resolve_version
from gls_engine.errors import NotFoundError
from gls_engine.metadata.store import MetadataStore
from gls_engine.query.traces import TraceQueries

EXPORT_CHUNK = 2000


class Datasets:
    def __init__(
        self,
        store: MetadataStore,
        limits: DatasetLimits,
        jobs: UploadJobs,
        spans: TraceQueries | None,
    ) -> None:
        self.store = store
        self.limits = limits
        self.catalog = DatasetCatalog(store, limits)
        self.jobs = jobs
        self.spans = spans
        # Called with (project, dataset) before a dataset is deleted, by the parts
        # that keep what the metadata cascade does not reach (experiment scores).
        self.before_delete: list[Callable[[str, str], Awaitable[None]]] = []

    async def change(self, project: str, dataset: str, changes: ChangeSet) -> dict[str, Any]:
        return await apply_changes(self.store, project, dataset, changes)

    async def add_from_spans(
        self,
        project: str,
        dataset: str,
        document: dict[str, Any],
        split: str | None,
        description: str,
    ) -> dict[str, Any]:
        if self.spans is None:
            raise NotFoundError("the span store is not open")
        async with self.store.sessions() as session:
            await find_dataset(session, project, dataset)  # 404 before reading spans
        items: list[NewItem] = await items_from_spans(
            self.spans, project, document, split, self.limits
        )
        return await self.change(project, dataset, ChangeSet(description=description, add=items))

    async def items(
        self,
        project: str,
        dataset: str,
        version: str | None,
        tag: str | None,
        filters: ItemFilter,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        async with self.store.sessions() as session:
            row = await find_dataset(session, project, dataset)
            number = await resolve_version(session, row, version, tag)
            page = await read_page(
                session,
                row.id,
                number,
                filters,
                limit,
                cursor,
                PageBounds(self.limits.max_scanned_per_page, self.limits.search_index_budget_ms),
            )
        return {"version": number, **page}

    async def item(
        self, project: str, dataset: str, item_id: str, version: str | None, tag: str | None
    ) -> dict[str, Any]:
        async with self.store.sessions() as session:
            row = await find_dataset(session, project, dataset)
            number = await resolve_version(session, row, version, tag)
            found = await read_item(session, row.id, number, item_id)
        if found is None:
            raise NotFoundError(f"item {item_id!r} is not in version {number}")
        return found

    async def versions(self, project: str, dataset: str) -> list[dict[str, Any]]:
        async with self.store.sessions() as session:
            return await list_versions(session, await find_dataset(session, project, dataset))

    async def version(self, project: str, dataset: str, version: str) -> dict[str, Any]:
        async with self.store.sessions() as session:
            row = await find_dataset(session, project, dataset)
            tag = None if version.isdigit() or version == "latest" else names.tag_name(version)
            number = await resolve_version(session, row, None if tag else version, tag)
            return await get_version(session, row, number)

    async def diff(
        self,
        project: str,
        dataset: str,
        from_version: str,
        to_version: str,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        async with self.store.sessions() as session:
            row = await find_dataset(session, project, dataset)
            older = await self._named_version(session, row, from_version)
            newer = await self._named_version(session, row, to_version)
            return await diff_page(session, row.id, older, newer, limit, cursor)

    async def _named_version(self, session: Any, row: Any, named: str) -> int:
        if named.isdigit() or named == "latest":
            return await resolve_version(session, row, named, None)
        return await resolve_version(session, row, None, names.tag_name(named))

    async def export(
        self,
        project: str,
        dataset: str,
        version: str | None,
        tag: str | None,
        split: str | None,
        file_format: str,
    ) -> tuple[str, int, AsyncIterator[bytes]]:
        """(the dataset's name, the version, the file's bytes as they are made)."""
        async with self.store.sessions() as session:
            row = await find_dataset(session, project, dataset)
            number = await resolve_version(session, row, version, tag)
        chunks = iterate_version(self.store.sessions, row.id, number, split, EXPORT_CHUNK)
        return row.name, number, export_chunks(chunks, file_format)

    async def tags(self, project: str, dataset: str) -> list[dict[str, Any]]:
        async with self.store.sessions() as session:
            return await list_tags(session, await find_dataset(session, project, dataset))

    async def set_tag(self, project: str, dataset: str, tag: str, version: str) -> dict[str, Any]:
        async with self.store.sessions() as session, session.begin():
            row = await find_dataset(session, project, dataset, for_update=True)
            number = await resolve_version(session, row, version, None)
            return await set_tag(session, row, tag, number)

    async def delete_tag(self, project: str, dataset: str, tag: str) -> None:
        async with self.store.sessions() as session, session.begin():
            row = await find_dataset(session, project, dataset, for_update=True)
            await delete_tag(session, row, tag)

    async def delete_dataset(self, project: str, dataset: str) -> None:
        """Its running upload is cancelled first (its rows removed), then the dataset
        with everything it holds."""
        for job in await self.jobs.list_for(project, dataset):
            if job["state"] in ("queued", "running"):
                await self.jobs.cancel(project, job["id"])
        for forget in self.before_delete:
            await forget(project, dataset)
        await self.catalog.delete(project, dataset)
