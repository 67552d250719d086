"""The metadata layer on SQLite and PostgreSQL: migrations to head matching the models,
the SQLite connection's durability settings, the project settings stored and read
back, Studios migrating one database together, a file of the first store adopted
with its settings, and bad or unreachable databases refused with their names and
never their passwords."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from gls_engine.config import SettingsError, settings_for_tests
from gls_engine.metadata import (
    Base,
    MetadataOpenError,
    MetadataStore,
    ProjectSettings,
    create_metadata_engine,
)
from gls_engine.metadata.migrate import alembic_config, current_revision, head_revision
from gls_engine.metadata.models.dataset_item_search import is_search_index_object

from conftest import free_port
from support.postgres_server import PostgresServer

SETTINGS = {
    "carbon_zone": "FRA",
    "price_overrides": [
        {"model": "my-llama-ft*", "input_per_mtok": 0.2, "output_per_mtok": 0.6},
        {
            "model": "gpt-4o-mini",
            "input_per_mtok": 0.05,
            "output_per_mtok": 0.1,
            "cache_read_per_mtok": 0.01,
        },
    ],
    "rate_card": {"cpu_second_usd": 0.00002, "tool_call_usd": {"web_search": 0.01}},
}
PASSWORD = "pw-Never-Printed-7"

pytest_plugins = ["metadata_backends"]  # metadata_url


async def opened(url: str) -> MetadataStore:
    store = MetadataStore(url)
    await store.open()
    return store


async def on_connection(url: str, work: Any) -> Any:
    """`work(sync connection)` on the database, outside any store."""
    engine = create_metadata_engine(url, for_migrations=True)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, Base.metadata) if not _is_alembic_own(d)]


def _is_alembic_own(difference: Any) -> bool:
    if difference[0] == "remove_table":
        name = difference[1].name
        return name == "alembic_version" or is_search_index_object(name)
    return difference[0] == "remove_index" and is_search_index_object(difference[1].name)


# --- migrations -----------------------------------------------------------------


async def test_a_new_database_is_migrated_to_the_models(metadata_url: str) -> None:
    store = await opened(metadata_url)
    await store.close()
    assert await on_connection(metadata_url, current_revision) == head_revision()
    # A model changed without a migration (or the reverse) shows here.
    assert await on_connection(metadata_url, schema_differences) == []


async def test_every_revision_downgrades_and_upgrades_again(metadata_url: str) -> None:
    await (await opened(metadata_url)).close()

    def down_and_up(connection: Connection) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        emptied = inspect(connection).get_table_names()
        connection.commit()
        command.upgrade(config, "head")
        return emptied

    assert await on_connection(metadata_url, down_and_up) == ["alembic_version"]
    assert await on_connection(metadata_url, schema_differences) == []


async def test_reopening_applies_nothing_and_keeps_the_settings(metadata_url: str) -> None:
    store = await opened(metadata_url)
    stored = await store.put_project_settings(ProjectSettings.from_json("kept", SETTINGS))
    await store.close()
    store = await opened(metadata_url)
    try:
        assert await store.all_project_settings() == [stored]
    finally:
        await store.close()


OPEN_ONE_STORE = """
import asyncio, sys
from gls_engine.metadata import MetadataStore

async def main():
    store = MetadataStore(sys.argv[1])
    await store.open()
    print(len(await store.all_project_settings()))
    await store.close()

asyncio.run(main())
"""


def test_studios_starting_together_migrate_one_database(metadata_url: str) -> None:
    """Processes, as Studios are: the database makes them take turns."""
    starting = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_ONE_STORE, metadata_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in starting]
    assert [p.returncode for p in starting] == [0, 0, 0], outputs
    assert asyncio.run(on_connection(metadata_url, current_revision)) == head_revision()


async def test_migrations_in_one_process_take_turns(metadata_url: str) -> None:
    stores = [MetadataStore(metadata_url) for _ in range(3)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
        assert await stores[0].all_project_settings() == []
    finally:
        for store in stores:
            await store.close()


# --- project settings -----------------------------------------------------------


async def test_settings_round_trip(metadata_url: str) -> None:
    store = await opened(metadata_url)
    try:
        assert await store.all_project_settings() == []
        first = await store.put_project_settings(ProjectSettings.from_json("b-project", SETTINGS))
        other = await store.put_project_settings(ProjectSettings.from_json("a-project", {}))
        assert first.to_json() == {
            **ProjectSettings.from_json("b-project", SETTINGS).to_json(),
            "updated_at": first.updated_at,
        }
        assert await store.all_project_settings() == [other, first]  # by project
        replaced = await store.put_project_settings(
            ProjectSettings.from_json("b-project", {"carbon_zone": "DEU"})
        )
        assert replaced.price_overrides == () and replaced.carbon_zone == "DEU"
        assert await store.all_project_settings() == [other, replaced]
    finally:
        await store.close()


async def test_concurrent_edits_of_one_project_all_succeed(metadata_url: str) -> None:
    store = await opened(metadata_url)
    try:
        edits = [ProjectSettings.from_json("busy", {"carbon_zone": f"Z{i}"}) for i in range(20)]
        answers = await asyncio.gather(*(store.put_project_settings(e) for e in edits))
        (kept,) = await store.all_project_settings()
        assert kept.carbon_zone in {a.carbon_zone for a in answers}
    finally:
        await store.close()


async def test_store_sessions_serve_new_tables(metadata_url: str) -> None:
    """What the next features do: a table of their own, read and written in sessions."""
    store = await opened(metadata_url)
    try:
        async with store.sessions() as session, session.begin():
            await session.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, v TEXT)"))
            await session.execute(text("INSERT INTO scratch VALUES (1, 'a')"))
        with pytest.raises(ZeroDivisionError):
            async with store.sessions() as session, session.begin():
                await session.execute(text("INSERT INTO scratch VALUES (2, 'b')"))
                raise ZeroDivisionError  # rolled back: row 2 never stored
        async with store.sessions() as session:
            assert (await session.execute(text("SELECT id FROM scratch"))).all() == [(1,)]
    finally:
        await store.close()


# --- SQLite durability -----------------------------------------------------------


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    store = await opened(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        async with store.sessions() as session:
            pragmas = {
                name: (await session.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        await store.close()
    # synchronous 2 = FULL: an acknowledged edit survives a power cut.
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 10000,
    }


# --- the first store's files ------------------------------------------------------

# What the first metadata store (raw sqlite3, gls_engine.metadata.migrations'
# 0001_project_settings.sql, its schema_migrations table) left in a data dir.
LEGACY_SCHEMA = """
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
    applied_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS project_settings (
    project TEXT PRIMARY KEY,
    carbon_zone TEXT,
    price_overrides TEXT NOT NULL DEFAULT '[]',
    rate_card TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
INSERT INTO schema_migrations VALUES (1, 'project_settings', '2026-11-30T10:00:00.000+00:00');
"""
LEGACY_ROWS = [
    (
        "tuned",
        "FRA",
        '[{"model": "my-llama-ft*", "input_per_mtok": 0.2, "output_per_mtok": 0.6,'
        ' "cache_read_per_mtok": null, "cache_write_per_mtok": null}]',
        '{"cpu_second_usd": 2e-05, "gpu_second_usd": null, "gb_read_usd": null,'
        ' "tool_call_usd": {"web_search": 0.01}}',
        "2026-11-30T10:15:42.123+00:00",
    ),
    ("plain", None, "[]", "{}", "2026-12-01T08:00:00.000+00:00"),
]


def legacy_file(path: Path, extra_sql: str = "") -> Path:
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_SCHEMA + extra_sql)
        db.executemany("INSERT INTO project_settings VALUES (?, ?, ?, ?, ?)", LEGACY_ROWS)
    db.close()
    return path


async def test_a_first_store_file_is_adopted_with_its_settings(tmp_path: Path) -> None:
    path = legacy_file(tmp_path / "metadata.sqlite3")
    store = await opened(f"sqlite:///{path}")
    try:
        by_project = {s.project: s.to_json() for s in await store.all_project_settings()}
        # Writes go on in the adopted table.
        await store.put_project_settings(ProjectSettings.from_json("plain", {"carbon_zone": "DEU"}))
        plain_after = [s for s in await store.all_project_settings() if s.project == "plain"]
    finally:
        await store.close()
    assert by_project == {
        "plain": {
            **ProjectSettings("plain").to_json(),
            "updated_at": "2026-12-01T08:00:00.000+00:00",
        },
        "tuned": {
            **ProjectSettings.from_json(
                "tuned",
                {
                    "carbon_zone": "FRA",
                    "price_overrides": [SETTINGS["price_overrides"][0]],
                    "rate_card": SETTINGS["rate_card"],
                },
            ).to_json(),
            "updated_at": "2026-11-30T10:15:42.123+00:00",
        },
    }
    assert plain_after[0].carbon_zone == "DEU"
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = db.execute("SELECT version_num FROM alembic_version").fetchall()
    db.close()
    assert "schema_migrations" not in tables and version == [(head_revision(),)]


async def test_a_first_store_file_of_an_unknown_version_is_refused(tmp_path: Path) -> None:
    path = legacy_file(
        tmp_path / "metadata.sqlite3",
        "INSERT INTO schema_migrations VALUES (2, 'users', '2026-12-01T00:00:00.000+00:00');",
    )
    with pytest.raises(MetadataOpenError, match=r"migrations \[2\]"):
        await opened(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:  # left as it was
        assert db.execute("SELECT count(*) FROM project_settings").fetchone() == (2,)
    db.close()


# --- bad and unreachable databases ----------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://root:" + PASSWORD + "@db/gls", ["metadata_url", "'mysql'", "postgresql://"]),
        ("not a url", ["metadata_url", "not a database URL"]),
        ("postgresql://me:" + PASSWORD + "@[::1:5432/x", ["metadata_url", "not a database URL"]),
        (
            "postgresql://me:" + PASSWORD + "@db.internal:5432",
            ["metadata_url", "names no database", "me:***@db.internal"],
        ),
    ],
)
def test_bad_urls_are_refused_at_start(url: str, words: list[str]) -> None:
    with pytest.raises(SettingsError) as refused:
        settings_for_tests(metadata_url=url)
    for word in words:
        assert word in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_the_password_is_not_in_the_settings_repr() -> None:
    settings = settings_for_tests(metadata_url=f"postgresql://me:{PASSWORD}@db/gls")
    assert PASSWORD not in repr(settings)
    assert settings.metadata_database_url.endswith("@db/gls")


def test_the_default_is_a_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = settings_for_tests(data_dir=str(tmp_path))
    assert settings.metadata_database_url == f"sqlite:///{tmp_path / 'metadata.sqlite3'}"


async def test_an_unreachable_server_is_named_without_its_password() -> None:
    port = free_port()  # nobody listens there
    url = f"postgresql://gls:{PASSWORD}@127.0.0.1:{port}/metadata"
    with pytest.raises(MetadataOpenError) as refused:
        await opened(url)
    message = str(refused.value)
    assert (
        f"cannot open the metadata database postgresql://gls:***@127.0.0.1:{port}/metadata"
        in message
    )
    assert PASSWORD not in message


async def test_a_missing_database_is_named(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("no_such_database", password=PASSWORD)
    with pytest.raises(MetadataOpenError) as refused:
        await opened(url)
    message = str(refused.value)
    assert 'database "no_such_database" does not exist' in message
    assert "postgres:***@127.0.0.1" in message and PASSWORD not in message


async def test_an_unwritable_sqlite_directory_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(MetadataOpenError, match="a-file/metadata.sqlite3"):
        await opened(f"sqlite:///{blocker / 'metadata.sqlite3'}")
