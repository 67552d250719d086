"""Alembic's entry point: applies versions/ on the connection the Studio hands over
(gls_engine.metadata.migrate), or, from the alembic command line, on the database
named by `-x url=...` or GLS_METADATA_URL (docs/metadata.md)."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, text

from gls_engine.metadata.engine import create_metadata_engine
from gls_engine.metadata.models import Base
from gls_engine.metadata.models.dataset_item_search import is_search_index_object

# Any constant: Studios starting together on one PostgreSQL database take turns.
MIGRATION_LOCK_KEY = 0x61_53_4D_44  # "GLS MD"


def run_migrations(connection: Connection) -> None:
    if connection.in_transaction():
        # A read before (e.g. an inspection) began one, which Alembic would join
        # instead of beginning and committing its own.
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters a table by rebuilding it; the same op.batch_alter_table
        # is a plain ALTER TABLE on PostgreSQL, so one file serves both.
        render_as_batch=True,
        # Every migration of a run applies in one transaction, or none does.
        transactional_ddl=True,
        compare_type=True,
        # engine-specific objects no model describes (an FTS5 table, a GIN index)
        include_name=_described_by_models,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


def _described_by_models(name: str | None, type_: str, parent_names: object) -> bool:
    return not is_search_index_object(name)


async def run_from_command_line() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "GLS_METADATA_URL"
    )
    if not url:
        raise SystemExit(
            "name the database: alembic -x url=sqlite:///path ... (or GLS_METADATA_URL)"
        )
    engine = create_metadata_engine(url, for_migrations=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them on a database")
handed_over = context.config.attributes.get("connection")
if handed_over is not None:
    run_migrations(handed_over)
else:
    asyncio.run(run_from_command_line())
