"""chains: LLM providers by name, chains, their immutable versions, labels and
label moves, and chain runs (docs/chains.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gls_engine.metadata.models.base import UtcDateTime
from gls_engine.metadata.models.json_value import JsonValue

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chains",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chains")),
        sa.UniqueConstraint("project", "name", name=op.f("uq_chains_project_name")),
    )
    op.create_table(
        "llm_providers",
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("base_url", sa.String(length=2048), nullable=False),
        sa.Column("api_key_sealed", sa.Text(), nullable=True),
        sa.Column("api_key_hint", sa.String(length=64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project", "name", name=op.f("pk_llm_providers")),
    )
    op.create_table(
        "chain_label_moves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("moved_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_label_moves_chain_id_chains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_label_moves")),
    )
    with op.batch_alter_table("chain_label_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chain_label_moves_chain_id_label_id"),
            ["chain_id", "label", "id"],
            unique=False,
        )

    op.create_table(
        "chain_labels",
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_labels_chain_id_chains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chain_id", "label", name=op.f("pk_chain_labels")),
    )
    op.create_table(
        "chain_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=True),
        sa.Column("chain_name", sa.String(length=128), nullable=True),
        sa.Column("chain_version", sa.Integer(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("inputs", JsonValue(), nullable=True),
        sa.Column("output", JsonValue(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_step", sa.String(length=64), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("logs", sa.JSON(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("environment", sa.String(length=128), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_runs_chain_id_chains"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_runs")),
    )
    with op.batch_alter_table("chain_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chain_runs_chain_id_created_at"),
            ["chain_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_chain_runs_project_created_at"), ["project", "created_at"], unique=False
        )

    op.create_table(
        "chain_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_versions_chain_id_chains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_versions")),
        sa.UniqueConstraint("chain_id", "number", name=op.f("uq_chain_versions_chain_id_number")),
    )


def downgrade() -> None:
    op.drop_table("chain_versions")
    with op.batch_alter_table("chain_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_runs_project_created_at"))
        batch_op.drop_index(batch_op.f("ix_chain_runs_chain_id_created_at"))

    op.drop_table("chain_runs")
    op.drop_table("chain_labels")
    with op.batch_alter_table("chain_label_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_label_moves_chain_id_label_id"))

    op.drop_table("chain_label_moves")
    op.drop_table("llm_providers")
    op.drop_table("chains")
