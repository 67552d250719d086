"""project_settings: each project's carbon zone, price overrides and rate card.

The same table the first metadata store (SQL files, schema_migrations) made as
its migration 1: a file of that store is stamped at this revision (migrate.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gls_engine.metadata.models.base import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_settings",
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("carbon_zone", sa.String(32), nullable=True),
        sa.Column("price_overrides", sa.JSON(), nullable=False),
        sa.Column("rate_card", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project", name=op.f("pk_project_settings")),
    )


def downgrade() -> None:
    op.drop_table("project_settings")
