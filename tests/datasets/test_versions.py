"""Versions on both backends, on the library itself: a random run of changes (adds,
patches, split moves, deletes) read back at every version equals a plain model
of the dataset kept beside it; each version stores only what it changed; diffs
between any two versions are what the model says, page by page."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import and_, func, select, text

from gls_engine.datasets import reading
from gls_engine.datasets.changes import ChangeSet, DatasetBusyError
from gls_engine.datasets.items import ItemPatch, NewItem
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.datasets.reading import ItemFilter
from gls_engine.datasets.service import Datasets
from gls_engine.datasets.upload_jobs import UploadJobs
from gls_engine.errors import ConflictError, InvalidParameterError, NotFoundError
from gls_engine.metadata import MetadataStore
from gls_engine.metadata.models.dataset_item_search import SQLITE_TABLE
from gls_engine.metadata.models.datasets import DatasetItemRevisionRow

pytest_plugins = ["dataset_backends"]  # metadata_url

PROJECT = "versions"
CONTENT = ("input", "expected", "metadata", "split")


async def opened(url: str, tmp_path: Path) -> Datasets:
    store = MetadataStore(url)
    await store.open()
    limits = DatasetLimits()
    return Datasets(store, limits, UploadJobs(store, limits, tmp_path / "uploads"), None)


async def read_all(datasets: Datasets, name: str, version: int, **filters: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        page = await datasets.items(
            PROJECT, name, str(version), None, ItemFilter(**filters), 7, cursor
        )
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def content(item: dict) -> dict:
    return {k: item[k] for k in ("id", *CONTENT)}


def model_split_counts(model: dict[str, dict]) -> list[dict]:
    """What a version's split_counts says: names in order, no split last."""
    counts: dict[str | None, int] = {}
    for item in model.values():
        counts[item["split"]] = counts.get(item["split"], 0) + 1
    named = [{"split": k, "item_count": counts[k]} for k in sorted(k for k in counts if k)]
    return named + ([{"split": None, "item_count": counts[None]}] if None in counts else [])


def model_search(model: dict[str, dict], term: str) -> set[str]:
    """Items holding `term`, any case, in their input, expected or metadata as JSON."""
    return {
        k
        for k, v in model.items()
        if any(
            v[f] is not None and term.lower() in orjson.dumps(v[f]).decode().lower()
            for f in ("input", "expected", "metadata")
        )
    }


# indexed terms (three letters or digits in a row) and short ones (a bounded window)
SEARCHES = [
    "QUESTION 1",
    "Fixed item-00",
    "ANSWER",
    '"edited":true',
    "reWORDED",
    "äRGER",
    'q"',
    "1",
    "ä",
]


async def test_every_version_reads_as_the_model_says(metadata_url: str, tmp_path: Path) -> None:
    datasets = await opened(metadata_url, tmp_path)
    narrow = Datasets(datasets.store, DatasetLimits(max_scanned_per_page=3), datasets.jobs, None)
    try:
        await datasets.catalog.create(PROJECT, {"name": "model"})
        rng = random.Random(12)
        model: dict[str, dict] = {}
        snapshots: dict[int, dict[str, dict]] = {}
        serial = 0
        for _step in range(25):
            add, patch, delete = [], [], []
            for _ in range(rng.randint(0, 6)):
                serial += 1
                item = {
                    "id": f"item-{serial:03d}",
                    "input": {
                        "q": f"question {serial}",
                        "n": serial,
                        "w": rng.choice(["Ärger", "b"]),
                    },
                    "expected": rng.choice([None, f"answer {serial}", [serial]]),
                    "metadata": {"seed": serial},
                    "split": rng.choice([None, "train", "test", "holdout"]),
                }
                add.append(NewItem(**item))
                model[item["id"]] = item
            live = sorted(set(model) - {i.id for i in add})
            rng.shuffle(live)
            for item_id in live[: rng.randint(0, 3)]:
                fields = rng.choice(
                    [
                        {"split": rng.choice(["train", "test", None])},
                        {"expected": f"fixed {item_id}"},
                        {"input": {"q": "reworded"}, "metadata": {"edited": True}},
                    ]
                )
                patch.append(ItemPatch(item_id, fields))
                model[item_id] = {**model[item_id], **fields}
            for item_id in live[3 : 3 + rng.randint(0, 2)]:
                delete.append(item_id)
                del model[item_id]
            if not (add or patch or delete):
                continue
            version = await datasets.change(
                PROJECT, "model", ChangeSet(f"step {_step}", add, patch, delete)
            )
            assert version["item_count"] == len(model)
            assert version["split_counts"] == model_split_counts(model)
            snapshots[version["version"]] = {k: dict(v) for k, v in model.items()}

        for number, expected in snapshots.items():
            read = await read_all(datasets, "model", number)
            assert [content(i) for i in read] == [
                expected[k] for k in sorted(expected, key=lambda k: int(k.split("-")[1]))
            ], f"version {number}"
            train = await read_all(datasets, "model", number, split="train")
            assert {i["id"] for i in train} == {
                k for k, v in expected.items() if v["split"] == "train"
            }
            stored = await datasets.version(PROJECT, "model", str(number))
            assert stored["split_counts"] == model_split_counts(expected), number
            for term in SEARCHES:
                want = model_search(expected, term)
                found = await read_all(datasets, "model", number, search=term)
                assert {i["id"] for i in found} == want, (number, term)
                # windows of 3 revisions: PostgreSQL walks on, then asks its index
                found = await read_all(narrow, "model", number, search=term)
                assert {i["id"] for i in found} == want, (number, term, "narrow")
            found = await read_all(datasets, "model", number, search="answer", split="test")
            assert {i["id"] for i in found} == {
                k for k in model_search(expected, "answer") if expected[k]["split"] == "test"
            }

        numbers = sorted(snapshots)
        for older, newer in [
            (numbers[0], numbers[-1]),
            (numbers[3], numbers[4]),
            (numbers[-1], numbers[2]),
        ]:
            changes: list[dict] = []
            cursor = None
            while True:
                page = await datasets.diff(PROJECT, "model", str(older), str(newer), 3, cursor)
                changes += page["changes"]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            before, after = snapshots[older], snapshots[newer]
            want = {}
            for item_id in set(before) | set(after):
                if item_id not in before:
                    want[item_id] = "added"
                elif item_id not in after:
                    want[item_id] = "removed"
                elif before[item_id] != after[item_id]:
                    want[item_id] = "changed"
            assert {c["id"]: c["change"] for c in changes} == want, (older, newer)
            for change in changes:
                if change["before"] is not None:
                    assert content(change["before"]) == before[change["id"]]
                if change["after"] is not None:
                    assert content(change["after"]) == after[change["id"]]
    finally:
        await datasets.store.close()


async def test_a_version_stores_only_what_it_changed(metadata_url: str, tmp_path: Path) -> None:
    datasets = await opened(metadata_url, tmp_path)
    try:
        await datasets.catalog.create(PROJECT, {"name": "sparse"})
        items = [NewItem(f"i{n}", {"n": n}) for n in range(2000)]
        await datasets.change(PROJECT, "sparse", ChangeSet("all", add=items))
        await datasets.change(
            PROJECT, "sparse", ChangeSet("one", patch=[ItemPatch("i1500", {"split": "test"})])
        )
        async with datasets.store.sessions() as session:
            rows = await session.scalar(select(func.count()).select_from(DatasetItemRevisionRow))
        assert rows == 2001
        assert len(await read_all(datasets, "sparse", 2, split="test")) == 1
        assert len(await read_all(datasets, "sparse", 1, split="test")) == 0
    finally:
        await datasets.store.close()


async def test_an_index_lookup_past_its_budget_answers_the_window(
    metadata_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a search whose GIN lookup takes longer than its budget answers
    what its window held and a cursor from the window's end; the next page works."""
    if not metadata_url.startswith("postgresql"):
        pytest.skip("SQLite's FTS5 lookups have no budget")
    plain = reading._text_match

    def slow_when_indexed(filters: ItemFilter, *, indexed: bool) -> Any:
        condition = plain(filters, indexed=indexed)
        if not indexed:
            return condition
        # a lookup costing far more than the 1 ms budget (~1 s)
        return and_(condition, text("(SELECT count(*) FROM generate_series(1, 30000000)) > 0"))

    monkeypatch.setattr(reading, "_text_match", slow_when_indexed)
    store = MetadataStore(metadata_url)
    await store.open()
    limits = DatasetLimits(max_scanned_per_page=10, search_index_budget_ms=1)
    datasets = Datasets(store, limits, UploadJobs(store, limits, tmp_path / "uploads"), None)
    try:
        await datasets.catalog.create(PROJECT, {"name": "budget"})
        items = [NewItem(f"t{n:02d}", "Needle" if n in (3, 25) else "hay") for n in range(30)]
        await datasets.change(PROJECT, "budget", ChangeSet(add=items))
        started = time.monotonic()
        page = await datasets.items(
            PROJECT, "budget", None, None, ItemFilter(search="needle"), 50, None
        )
        assert time.monotonic() - started < 0.5
        assert [i["id"] for i in page["items"]] == ["t03"]
        assert page["searched_to_end"] is False and page["next_cursor"] is not None
        page = await datasets.items(
            PROJECT, "budget", None, None, ItemFilter(search="needle"), 50, page["next_cursor"]
        )
        assert page["items"] == [] and page["searched_to_end"] is False
    finally:
        await store.close()


async def test_the_search_index_follows_the_revisions(metadata_url: str, tmp_path: Path) -> None:
    """SQLite's FTS5 table is kept by triggers: a deleted dataset (its revisions
    removed by ON DELETE CASCADE) leaves nothing in it."""
    datasets = await opened(metadata_url, tmp_path)
    try:
        for name in ("kept", "dropped"):
            await datasets.catalog.create(PROJECT, {"name": name})
            await datasets.change(
                PROJECT,
                name,
                ChangeSet(add=[NewItem(f"{name}{n}", f"shared {n}") for n in range(5)]),
            )
        await datasets.change(
            PROJECT, "dropped", ChangeSet(patch=[ItemPatch("dropped1", {"input": "other"})])
        )
        await datasets.delete_dataset(PROJECT, "dropped")
        found = await read_all(datasets, "kept", 1, search="SHARED")
        assert [i["id"] for i in found] == [f"kept{n}" for n in range(5)]
        if datasets.store.dialect == "sqlite":
            async with datasets.store.sessions() as session:
                indexed = await session.scalar(
                    text(f"SELECT count(*) FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH 'shared'")
                )
            assert indexed == 5
    finally:
        await datasets.store.close()


async def test_bad_changes_are_refused_and_write_nothing(metadata_url: str, tmp_path: Path) -> None:
    datasets = await opened(metadata_url, tmp_path)
    try:
        await datasets.catalog.create(PROJECT, {"name": "strict"})
        await datasets.change(
            PROJECT, "strict", ChangeSet(add=[NewItem("a", "x"), NewItem("b", "y")])
        )
        with pytest.raises(ConflictError, match="'a' is already used"):
            await datasets.change(
                PROJECT, "strict", ChangeSet(add=[NewItem("c", 1), NewItem("a", 2)])
            )
        with pytest.raises(NotFoundError, match="'zz'"):
            await datasets.change(
                PROJECT, "strict", ChangeSet(add=[NewItem("d", 1)], delete=["zz"])
            )
        with pytest.raises(InvalidParameterError, match="named twice"):
            await datasets.change(
                PROJECT, "strict", ChangeSet(patch=[ItemPatch("a", {"split": "x"})], delete=["a"])
            )
        await datasets.change(PROJECT, "strict", ChangeSet(delete=["b"]))
        with pytest.raises(ConflictError, match="'b' is already used"):
            await datasets.change(PROJECT, "strict", ChangeSet(add=[NewItem("b", 3)]))
        with pytest.raises(NotFoundError):
            await datasets.change(
                PROJECT, "strict", ChangeSet(patch=[ItemPatch("b", {"input": 1})])
            )
        versions = await datasets.versions(PROJECT, "strict")
        assert [v["version"] for v in versions] == [2, 1]
        assert [i["id"] for i in await read_all(datasets, "strict", 2)] == ["a"]
        assert issubclass(DatasetBusyError, InvalidParameterError)
    finally:
        await datasets.store.close()


async def test_a_short_search_looks_at_a_bounded_number_of_items(
    metadata_url: str, tmp_path: Path
) -> None:
    store = MetadataStore(metadata_url)
    await store.open()
    limits = DatasetLimits(max_scanned_per_page=100)
    datasets = Datasets(store, limits, UploadJobs(store, limits, tmp_path / "uploads"), None)
    try:
        await datasets.catalog.create(PROJECT, {"name": "bounded"})
        items = [
            NewItem(f"b{n:03d}", {"text": "Needle here" if n in (5, 300) else f"hay {n}"})
            for n in range(350)
        ]
        await datasets.change(PROJECT, "bounded", ChangeSet(add=items))

        async def pages_of(term: str) -> list[tuple[list[str], bool]]:
            pages = []
            cursor = None
            while True:
                page = await datasets.items(
                    PROJECT, "bounded", None, None, ItemFilter(search=term), 50, cursor
                )
                pages.append(([i["id"] for i in page["items"]], page["searched_to_end"]))
                cursor = page["next_cursor"]
                if cursor is None:
                    return pages

        # a term with no three letters in a row has no trigram: 350 items (row ids
        # 1-350), 100 looked at a page: four pages, each answering what its 100 held
        assert await pages_of("e h") == [
            (["b005"], False),
            ([], False),
            ([], False),
            (["b300"], True),
        ]
        # one the trigram index answers: every match in one page, whatever the distance
        assert await pages_of("NEEDLE") == [(["b005", "b300"], True)]
        literal = await datasets.items(
            PROJECT, "bounded", None, None, ItemFilter(search="%"), 50, None
        )
        assert literal["items"] == []  # LIKE's wildcards are searched as text
    finally:
        await store.close()
