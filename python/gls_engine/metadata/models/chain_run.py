"""chain_runs: one run of a chain (playground, API, debugger, experiment, replay):
what went in, what came out, each step's metrics and the run's trace. A run of a
saved chain names its version; an unsaved playground definition is kept in the
run itself. Deleting a chain keeps its runs (their traces stay in the store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base
from gls_engine.metadata.models.json_value import JsonValue


class ChainRunRow(Base):
    __tablename__ = "chain_runs"
    __table_args__ = (
        Index(None, "project", "created_at"),
        Index(None, "chain_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project: Mapped[str] = mapped_column(String(128))
    chain_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("chains.id", ondelete="SET NULL"), nullable=True
    )
    chain_name: Mapped[str | None] = mapped_column(String(128))
    chain_version: Mapped[int | None] = mapped_column(Integer)
    # the definition run when it is not a saved version (a playground draft)
    definition: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    inputs: Mapped[Any] = mapped_column(JsonValue(), nullable=True)
    output: Mapped[Any] = mapped_column(JsonValue(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    error_step: Mapped[str | None] = mapped_column(String(64))
    # per step: id, type, status, latency, tokens, cost, energy, carbon, span id, error
    steps: Mapped[list[Any]] = mapped_column(JSON)
    logs: Mapped[list[Any]] = mapped_column(JSON)
    trace_id: Mapped[str | None] = mapped_column(String(32))
    environment: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
