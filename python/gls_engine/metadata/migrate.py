"""Brings a metadata database to the newest Alembic revision, at every start.

Alembic keeps its running context in module globals, so two migrations in one
process would trample each other: they run one at a time, each on a worker
thread with an event loop of its own (as Phoenix does), which also keeps the
Studio's loop free meanwhile. Between processes, the database itself takes
turns (env.py: an advisory lock on PostgreSQL; BEGIN IMMEDIATE on SQLite).

A SQLite file of the first metadata store (its schema_migrations table, no
alembic_version) already has the tables of revision 0001: it is stamped there,
then upgraded like any other database.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL

from gls_engine.metadata.engine import create_metadata_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The first store's migration versions and the revision holding the same tables.
LEGACY_VERSIONS = {1: "0001"}

_ONE_AT_A_TIME = threading.Lock()


class MetadataMigrationError(RuntimeError):
    """The database cannot be brought to this Studio's schema."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _legacy_revision(connection: Connection) -> str | None:
    """The revision a first-store SQLite file stands at, or None for any other database."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables or "schema_migrations" not in tables:
        return None
    applied = {row[0] for row in connection.execute(text("SELECT version FROM schema_migrations"))}
    unknown = sorted(applied - set(LEGACY_VERSIONS))
    if unknown:
        raise MetadataMigrationError(
            f"the metadata database has migrations {unknown} of a store this Studio does not know"
        )
    return LEGACY_VERSIONS[max(applied)] if applied else None


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection  # env.py migrates on it
    legacy = _legacy_revision(connection)
    connection.commit()  # the look above began a transaction; Alembic begins its own
    if legacy is not None:
        command.stamp(config, legacy)
    command.upgrade(config, "head")


async def upgrade_to_head(url: str | URL) -> None:
    """Applies every revision the database at `url` lacks."""
    await asyncio.to_thread(upgrade_to_head_blocking, url)


def upgrade_to_head_blocking(url: str | URL) -> None:
    """upgrade_to_head for code without an event loop (tools, `gls migrate`)."""
    with _ONE_AT_A_TIME:
        asyncio.run(_upgrade_on(url))


async def _upgrade_on(url: str | URL) -> None:
    engine = create_metadata_engine(url, for_migrations=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade)
    finally:
        await engine.dispose()
