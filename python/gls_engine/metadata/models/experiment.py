"""experiments: a dataset version x a task x evaluators (docs/experiments.md).

The task runs in the user's process (the SDK); the Studio keeps what was run
(the version, the evaluators with their parameters, the repetitions) and the
runs (experiment_run.py). Its status is worked out from the runs, not stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class ExperimentRow(Base):
    __tablename__ = "experiments"
    __table_args__ = (
        # the dataset page's Test Results tab: a dataset's experiments, newest first
        Index(None, "dataset_id", "created_at"),
        Index(None, "project", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project: Mapped[str] = mapped_column(String(128))
    dataset_id: Mapped[int] = mapped_column(Integer, ForeignKey("datasets.id", ondelete="CASCADE"))
    dataset_version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    repetitions: Mapped[int] = mapped_column(Integer)
    # [{"evaluator": name, "parameters": {...}, "name": score name}]: built-ins the
    # Studio runs on every recorded run
    evaluators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the version's item count when created: pairs expected = items x repetitions
    item_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
