"""dataset_item_revisions: one row per item per version that changed it (kind
create / patch / delete), as Phoenix's dataset_example_revisions, plus the split,
which is versioned with the item.

A revision holds from `version` until the version that replaced it
(`until_version`, NULL while it is the item's newest): version V reads every
revision with version <= V < until_version that is not a delete, one index range
per page, without copying unchanged items into new versions.

search_text is what search matches (datasets/search_text.py), written with the
revision; its trigram index is per engine (dataset_item_search.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base
from gls_engine.metadata.models.dataset_item import ROW_ID
from gls_engine.metadata.models.json_value import JsonValue


class DatasetItemRevisionRow(Base):
    __tablename__ = "dataset_item_revisions"
    __table_args__ = (
        # a version's items in item order (paging, search, export)
        Index(None, "dataset_id", "item_id", "version"),
        # the items a range of versions changed (diff)
        Index(None, "dataset_id", "version", "item_id"),
        # a version's items of one split in item order (a split page walks its own)
        Index(None, "dataset_id", "split", "item_id"),
    )

    item_id: Mapped[int] = mapped_column(
        ROW_ID, ForeignKey("dataset_items.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    until_version: Mapped[int | None] = mapped_column(Integer)
    dataset_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    input: Mapped[Any] = mapped_column(JsonValue())
    expected: Mapped[Any] = mapped_column(JsonValue(), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JsonValue())
    split: Mapped[str | None] = mapped_column(String(128))
    search_text: Mapped[str] = mapped_column(Text, server_default="")
