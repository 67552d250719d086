"""The first metadata store's own bookkeeping (schema_migrations) goes: Alembic's
alembic_version says which revision a database is at.

Only SQLite files made before Alembic have it; elsewhere this does nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS schema_migrations")


def downgrade() -> None:
    pass  # the first store's bookkeeping is not coming back
