"""datasets: datasets, their versions, items and item revisions, tags and their
moves, and upload jobs (docs/datasets.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gls_engine.metadata.models.base import UtcDateTime
from gls_engine.metadata.models.json_value import JsonValue

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("project", "name", name=op.f("uq_datasets_project_name")),
    )
    op.create_table(
        "dataset_items",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=False),
        sa.Column("created_version", sa.Integer(), nullable=False),
        sa.Column("source_trace_id", sa.String(length=32), nullable=True),
        sa.Column("source_span_id", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_items_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_items")),
        sa.UniqueConstraint(
            "dataset_id", "external_id", name=op.f("uq_dataset_items_dataset_id_external_id")
        ),
    )
    op.create_table(
        "dataset_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("bytes_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_row", sa.BigInteger(), nullable=True),
        sa.Column("error_column", sa.String(length=256), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_jobs_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_jobs")),
    )
    with op.batch_alter_table("dataset_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_jobs_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dataset_jobs_project"), ["project"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_jobs_state"), ["state"], unique=False)

    op.create_table(
        "dataset_tag_moves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("moved_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_tag_moves_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_tag_moves")),
    )
    with op.batch_alter_table("dataset_tag_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_tag_moves_dataset_id_name_id"),
            ["dataset_id", "name", "id"],
            unique=False,
        )

    op.create_table(
        "dataset_tags",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_tags_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "name", name=op.f("pk_dataset_tags")),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("item_count", sa.BigInteger(), nullable=False),
        sa.Column("added", sa.BigInteger(), nullable=False),
        sa.Column("changed", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_versions_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "number", name=op.f("pk_dataset_versions")),
    )
    op.create_table(
        "dataset_item_revisions",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("until_version", sa.Integer(), nullable=True),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("input", JsonValue(), nullable=False),
        sa.Column("expected", JsonValue(), nullable=True),
        sa.Column("metadata", JsonValue(), nullable=False),
        sa.Column("split", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["dataset_items.id"],
            name=op.f("fk_dataset_item_revisions_item_id_dataset_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "version", name=op.f("pk_dataset_item_revisions")),
    )
    with op.batch_alter_table("dataset_item_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_item_revisions_dataset_id_item_id_version"),
            ["dataset_id", "item_id", "version"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_dataset_item_revisions_dataset_id_version_item_id"),
            ["dataset_id", "version", "item_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("dataset_item_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_item_revisions_dataset_id_version_item_id"))
        batch_op.drop_index(batch_op.f("ix_dataset_item_revisions_dataset_id_item_id_version"))

    op.drop_table("dataset_item_revisions")
    op.drop_table("dataset_versions")
    op.drop_table("dataset_tags")
    with op.batch_alter_table("dataset_tag_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_tag_moves_dataset_id_name_id"))

    op.drop_table("dataset_tag_moves")
    with op.batch_alter_table("dataset_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_jobs_state"))
        batch_op.drop_index(batch_op.f("ix_dataset_jobs_project"))
        batch_op.drop_index(batch_op.f("ix_dataset_jobs_dataset_id"))

    op.drop_table("dataset_jobs")
    op.drop_table("dataset_items")
    op.drop_table("datasets")
