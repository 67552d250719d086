"""One async SQLAlchemy engine for the metadata database, SQLite or PostgreSQL.

SQLite: one connection, handed to one session at a time (aiosqlite runs
statements, not transactions, one after another: two sessions sharing a
connection would interleave their transactions), so writers never meet a
locked database inside the Studio; WAL lets other processes read meanwhile.
PostgreSQL: a bounded pool, checked before use and renewed hourly.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool

from gls_engine.metadata.urls import async_metadata_url, is_sqlite, sqlite_file

# Per connection. synchronous=FULL: an acknowledged edit survives a power cut,
# not only a crash of the process (NORMAL in WAL may lose the last commits).
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=10000",  # ms another process' write may hold us up
)
# Not on the migration connection: Alembic's batch mode rebuilds a SQLite table
# (copy, drop, rename), and with foreign keys enforced the drop would delete
# every row that references the old table through ON DELETE CASCADE.
SQLITE_FOREIGN_KEYS = "PRAGMA foreign_keys=ON"

POSTGRES_POOL_SIZE = 5
POSTGRES_MAX_OVERFLOW = 5  # at most 10 connections per Studio
POOL_TIMEOUT_S = 30  # a session waiting longer for a connection fails instead
POSTGRES_RECYCLE_S = 3600
CONNECT_TIMEOUT_S = 10  # an unreachable server is a start-up error, not a hang


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_metadata_engine(url: str | URL, *, for_migrations: bool = False) -> AsyncEngine:
    """The engine for `url` (sqlite:///path or postgresql://...; see urls.py).

    for_migrations: a throw-away engine for Alembic (no pool; SQLite foreign
    keys not enforced while tables are rebuilt).
    """
    url = async_metadata_url(url)
    common: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if for_migrations:
        common["poolclass"] = NullPool
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if not for_migrations:
            common.update(
                poolclass=AsyncAdaptedQueuePool,
                pool_size=1,
                max_overflow=0,
                pool_timeout=POOL_TIMEOUT_S,
            )
        engine = create_async_engine(url, **common)
        _configure_sqlite(engine, migrating=for_migrations)
        return engine
    if not for_migrations:
        common.update(
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_MAX_OVERFLOW,
            pool_timeout=POOL_TIMEOUT_S,
            pool_pre_ping=True,  # a connection the server or a proxy dropped is replaced
            pool_recycle=POSTGRES_RECYCLE_S,
        )
    return create_async_engine(url, connect_args={"timeout": CONNECT_TIMEOUT_S}, **common)


def _configure_sqlite(engine: AsyncEngine, *, migrating: bool) -> None:
    pragmas = SQLITE_PRAGMAS + (() if migrating else (SQLITE_FOREIGN_KEYS,))
    # A migration takes the write lock before it reads the schema: another
    # process migrating the same file waits for it (busy_timeout), then finds
    # nothing left to do, instead of failing on a snapshot it read before.
    begin = "BEGIN IMMEDIATE" if migrating else "BEGIN"

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()
        # SQLAlchemy begins transactions itself (below): the sqlite3 module would
        # begin one only before a write, so a session's reads would each see
        # another snapshot, and DDL would commit on its own.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
