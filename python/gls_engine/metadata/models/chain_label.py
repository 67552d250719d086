"""chain_labels: names (`production`, `staging`) pointing at a chain's versions, and
chain_label_moves: each time a label is set, moved or removed (to_version NULL),
so what ran as `production` on a day can be told afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class ChainLabelRow(Base):
    __tablename__ = "chain_labels"

    chain_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("chains.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class ChainLabelMoveRow(Base):
    __tablename__ = "chain_label_moves"
    __table_args__ = (Index(None, "chain_id", "label", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer, ForeignKey("chains.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int | None] = mapped_column(Integer)
    moved_at: Mapped[datetime]
