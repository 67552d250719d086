"""dataset_items: an item's identity in its dataset (the id clients name it by, where
it came from); its content is in its revisions, one per version that changed it."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base

# SQLite numbers rows itself only for an INTEGER PRIMARY KEY column.
ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


class DatasetItemRow(Base):
    __tablename__ = "dataset_items"
    __table_args__ = (UniqueConstraint("dataset_id", "external_id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    # indexed by the unique constraint, which starts with it
    dataset_id: Mapped[int] = mapped_column(Integer, ForeignKey("datasets.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(256))
    created_version: Mapped[int] = mapped_column(Integer)
    source_trace_id: Mapped[str | None] = mapped_column(String(32))
    source_span_id: Mapped[str | None] = mapped_column(String(16))
