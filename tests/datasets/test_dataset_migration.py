"""Migration 0008 on both backends: datasets written before it (no search text, no
split counts) get both filled in; the versions then read as they did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection

from gls_engine.datasets.changes import ChangeSet
from gls_engine.datasets.items import ItemPatch, NewItem
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.datasets.reading import ItemFilter
from gls_engine.datasets.service import Datasets
from gls_engine.datasets.upload_jobs import UploadJobs
from gls_engine.metadata import MetadataOpenError, MetadataStore, create_metadata_engine
from gls_engine.metadata.migrate import alembic_config, current_revision
from gls_engine.metadata.models import dataset_item_search

pytest_plugins = ["dataset_backends"]  # metadata_url

PROJECT = "migrated"


async def opened(url: str, tmp_path: Path) -> Datasets:
    store = MetadataStore(url)
    await store.open()
    limits = DatasetLimits(max_scanned_per_page=4)  # PostgreSQL's walk and index steps too
    return Datasets(store, limits, UploadJobs(store, limits, tmp_path / "uploads"), None)


async def readings(datasets: Datasets) -> dict[str, Any]:
    """Every version's split counts, and what a few searches find in each."""
    answer: dict[str, Any] = {}
    for version in await datasets.versions(PROJECT, "old"):
        number = str(version["version"])
        answer[f"v{number} counts"] = version["split_counts"]
        for term in ("Question", "ANSWER 1", "tag", "é", "3"):
            found, cursor = [], None
            while True:
                page = await datasets.items(
                    PROJECT, "old", number, None, ItemFilter(search=term), 3, cursor
                )
                found += [i["id"] for i in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            answer[f"v{number} {term}"] = found
    return answer


async def migrate(url: str, target: str, downgrade: bool) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, target)

    engine = create_metadata_engine(url, for_migrations=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
    finally:
        await engine.dispose()


async def test_search_text_and_split_counts_are_filled_in(
    metadata_url: str, tmp_path: Path
) -> None:
    datasets = await opened(metadata_url, tmp_path)
    try:
        await datasets.catalog.create(PROJECT, {"name": "old"})
        items = [
            NewItem(
                f"i{n}",
                {"q": f"Question {n}", "accent": "é" if n % 3 == 0 else "e"},
                f"answer {n}",
                {"tag": n % 2 == 0},
                ["train", "test", None][n % 3],
            )
            for n in range(30)
        ]
        await datasets.change(PROJECT, "old", ChangeSet(add=items))
        await datasets.change(
            PROJECT,
            "old",
            ChangeSet(
                patch=[
                    ItemPatch("i1", {"split": "train"}),
                    ItemPatch("i4", {"input": "rewritten", "split": None}),
                ],
                delete=["i0", "i2"],
            ),
        )
        await datasets.change(PROJECT, "old", ChangeSet(add=[NewItem("late", "Question late")]))
        before = await readings(datasets)
    finally:
        await datasets.store.close()
    # 10 items a split; i1 test -> train, i4 test -> none, i0 (train) and i2 (none) deleted
    assert before["v2 counts"] == [
        {"split": "test", "item_count": 8},
        {"split": "train", "item_count": 10},
        {"split": None, "item_count": 10},
    ]

    await migrate(metadata_url, "0007", downgrade=True)
    await migrate(metadata_url, "head", downgrade=False)
    datasets = await opened(metadata_url, tmp_path)
    try:
        assert await readings(datasets) == before
    finally:
        await datasets.store.close()


async def test_a_database_without_trigram_support_is_refused_by_name(
    metadata_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pg_trgm on the server (or an SQLite without the trigram tokenizer): the
    Studio does not start, says what to install, and migrates nothing."""

    def missing(connection: Connection) -> str:
        return "PostgreSQL's pg_trgm extension (dataset search) is not installed"

    monkeypatch.setattr(dataset_item_search, "missing_support", missing)
    store = MetadataStore(metadata_url)
    with pytest.raises(MetadataOpenError, match="pg_trgm extension"):
        await store.open()
    engine = create_metadata_engine(metadata_url, for_migrations=True)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(current_revision) is None
    finally:
        await engine.dispose()
