"""experiment_runs: one run of an experiment's task on one dataset item and
repetition; recording the same (item, repetition) again replaces it, so a
resumed experiment holds one run per pair."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base
from gls_engine.metadata.models.json_value import JsonValue


class ExperimentRunRow(Base):
    __tablename__ = "experiment_runs"
    # also the index pages of results walk: (experiment, item, repetition)
    __table_args__ = (UniqueConstraint("experiment_id", "item_id", "repetition"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    experiment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("experiments.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("dataset_items.id", ondelete="CASCADE")
    )
    repetition: Mapped[int] = mapped_column(Integer)
    # any JSON value, scalars too (a task may answer 0)
    output: Mapped[Any] = mapped_column(JsonValue(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    trace_id: Mapped[str | None] = mapped_column(String(32))
    span_id: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    # score name -> the trace of the evaluator that gave it (an LLM judge run in the
    # SDK), when it sent one
    evaluator_traces: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
