"""dataset_tags: a name for one version of a dataset ("prod", "baseline"); each
move of a tag is kept in dataset_tag_moves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class DatasetTagRow(Base):
    __tablename__ = "dataset_tags"

    dataset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]
