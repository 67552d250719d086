"""datasets: a stored search text per item revision with a trigram index (pg_trgm
GIN on PostgreSQL, an FTS5 trigram table on SQLite), an index of a version's
items by split, and each version's exact item count per split (docs/datasets.md).

The search text and the split counts of existing rows are filled in here: the
text a chunk of revisions at a time (computed in Python, as the Studio writes
it), the counts version by version from the parent's and the revisions the
version opened and closed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gls_engine.datasets import split_counts
from gls_engine.datasets.search_text import search_text
from gls_engine.metadata.migrate import MetadataMigrationError
from gls_engine.metadata.models import dataset_item_search as search_index
from gls_engine.metadata.models.json_value import JsonValue

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_CHUNK = 5000

revisions = sa.table(
    "dataset_item_revisions",
    sa.column("item_id", sa.BigInteger()),
    sa.column("version", sa.Integer()),
    sa.column("until_version", sa.Integer()),
    sa.column("dataset_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("input", JsonValue()),
    sa.column("expected", JsonValue()),
    sa.column("metadata", JsonValue()),
    sa.column("split", sa.String()),
    sa.column("search_text", sa.Text()),
)
versions = sa.table(
    "dataset_versions",
    sa.column("dataset_id", sa.Integer()),
    sa.column("number", sa.Integer()),
    sa.column("state", sa.String()),
    sa.column("split_counts", sa.JSON()),
)


def upgrade() -> None:
    missing = search_index.missing_support(op.get_bind())
    if missing is not None:
        raise MetadataMigrationError(missing)
    with op.batch_alter_table("dataset_item_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.create_index(
            batch_op.f("ix_dataset_item_revisions_dataset_id_split_item_id"),
            ["dataset_id", "split", "item_id"],
            unique=False,
        )
    with op.batch_alter_table("dataset_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("split_counts", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    connection = op.get_bind()
    _fill_search_text(connection)
    _fill_split_counts(connection)
    statements = (
        search_index.POSTGRES_CREATE
        if connection.dialect.name == "postgresql"
        else search_index.SQLITE_CREATE
    )
    for statement in statements:
        op.execute(statement)


def _fill_search_text(connection: sa.Connection) -> None:
    after = (-1, -1)
    while True:
        rows = connection.execute(
            sa.select(
                revisions.c.item_id,
                revisions.c.version,
                revisions.c.input,
                revisions.c.expected,
                revisions.c.metadata,
            )
            .where(sa.tuple_(revisions.c.item_id, revisions.c.version) > after)
            .order_by(revisions.c.item_id, revisions.c.version)
            .limit(BACKFILL_CHUNK)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.update(revisions)
            .where(
                revisions.c.item_id == sa.bindparam("b_item"),
                revisions.c.version == sa.bindparam("b_version"),
            )
            .values(search_text=sa.bindparam("b_text")),
            [
                {"b_item": r[0], "b_version": r[1], "b_text": search_text(r[2], r[3], r[4])}
                for r in rows
            ],
        )
        after = (rows[-1][0], rows[-1][1])


def _split_counts_of(
    connection: sa.Connection, dataset_id: int, condition: sa.ColumnElement[bool]
) -> Counter[str | None]:
    rows = connection.execute(
        sa.select(revisions.c.split, sa.func.count())
        .where(revisions.c.dataset_id == dataset_id, revisions.c.kind != "delete", condition)
        .group_by(revisions.c.split)
    )
    return Counter({split: n for split, n in rows})


def _fill_split_counts(connection: sa.Connection) -> None:
    """Version v holds version v-1's items, less the revisions v closed, plus the
    ones it opened (deletes aside)."""
    ready = connection.execute(
        sa.select(versions.c.dataset_id, versions.c.number)
        .where(versions.c.state == "ready")
        .order_by(versions.c.dataset_id, versions.c.number)
    ).all()
    counts: Counter[str | None] = Counter()
    current = None
    for dataset_id, number in ready:
        if dataset_id != current:
            current, counts = dataset_id, Counter()
        counts = (
            counts
            - _split_counts_of(connection, dataset_id, revisions.c.until_version == number)
            + _split_counts_of(connection, dataset_id, revisions.c.version == number)
        )
        connection.execute(
            sa.update(versions)
            .where(versions.c.dataset_id == dataset_id, versions.c.number == number)
            .values(split_counts=split_counts.to_json(counts))
        )


def downgrade() -> None:
    connection = op.get_bind()
    statements = (
        search_index.POSTGRES_DROP
        if connection.dialect.name == "postgresql"
        else search_index.SQLITE_DROP
    )
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("dataset_versions", schema=None) as batch_op:
        batch_op.drop_column("split_counts")
    with op.batch_alter_table("dataset_item_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_item_revisions_dataset_id_split_item_id"))
        batch_op.drop_column("search_text")
