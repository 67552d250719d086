"""experiment_runs.evaluator_traces: each score's evaluator trace (an LLM judge the
SDK ran), by score name (docs/experiments.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiment_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluator_traces", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("experiment_runs", schema=None) as batch_op:
        batch_op.drop_column("evaluator_traces")
