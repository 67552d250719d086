"""The SQLite metadata store: one file, WAL, migrations applied at open.

Calls are short and rare (settings edits, start-up), so they run on one
worker thread of their own; the event loop never waits on the file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import orjson

from gls_engine.metadata.project_settings import PriceOverride, ProjectSettings, RateCard
from gls_engine.storage.migrate import load_migrations, split_statements


class MetadataStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="gls-metadata")
        self._conn: sqlite3.Connection | None = None

    # --- lifecycle ---------------------------------------------------------------
    def open_sync(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # an acknowledged edit survives a crash
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in load_migrations("gls_engine.metadata.migrations"):
            if version in done:
                continue
            conn.execute("BEGIN")  # a migration applies whole or not at all
            for statement in split_statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, name, _now()))
            conn.execute("COMMIT")
        self._conn = conn

    async def open(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self.open_sync)

    async def close(self) -> None:
        def _close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._pool, _close)
        self._pool.shutdown(wait=True)

    # --- project settings --------------------------------------------------------
    def all_project_settings_sync(self) -> list[ProjectSettings]:
        rows = self._db.execute(
            "SELECT project, carbon_zone, price_overrides, rate_card, updated_at"
            " FROM project_settings ORDER BY project"
        ).fetchall()
        return [_settings_from_row(row) for row in rows]

    def put_project_settings_sync(self, settings: ProjectSettings) -> ProjectSettings:
        stored = settings.with_updated_at(_now())
        self._db.execute(
            "INSERT INTO project_settings (project, carbon_zone, price_overrides, rate_card,"
            " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(project) DO UPDATE SET"
            " carbon_zone=excluded.carbon_zone, price_overrides=excluded.price_overrides,"
            " rate_card=excluded.rate_card, updated_at=excluded.updated_at",
            (
                stored.project,
                stored.carbon_zone,
                orjson.dumps([o.to_json() for o in stored.price_overrides]).decode(),
                orjson.dumps(stored.rate_card.to_json()).decode(),
                stored.updated_at,
            ),
        )
        return stored

    async def all_project_settings(self) -> list[ProjectSettings]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.all_project_settings_sync)

    async def put_project_settings(self, settings: ProjectSettings) -> ProjectSettings:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.put_project_settings_sync, settings)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("metadata store is not open")
        return self._conn


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _settings_from_row(row: tuple) -> ProjectSettings:
    project, zone, overrides, rate_card, updated_at = row
    return ProjectSettings(
        project=project,
        carbon_zone=zone,
        price_overrides=tuple(PriceOverride.from_json(o) for o in orjson.loads(overrides)),
        rate_card=RateCard.from_json(orjson.loads(rate_card)),
        updated_at=updated_at,
    )
