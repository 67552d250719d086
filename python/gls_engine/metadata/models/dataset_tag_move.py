"""dataset_tag_moves: the history of a dataset's tags, one row each time a tag is
set, moved or removed (to_version NULL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class DatasetTagMoveRow(Base):
    __tablename__ = "dataset_tag_moves"
    __table_args__ = (Index(None, "dataset_id", "name", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(Integer, ForeignKey("datasets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int | None] = mapped_column(Integer)
    moved_at: Mapped[datetime]
