"""dataset_versions: every change of a dataset's items is a version, numbered 1, 2, ...

state "ready" versions are immutable and readable; "writing" is an upload's
version while its job runs (invisible, and it holds the dataset: no other change
can take a number meanwhile).

split_counts: the version's exact item count per split (datasets/split_counts.py),
stored when it is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class DatasetVersionRow(Base):
    __tablename__ = "dataset_versions"

    dataset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16))
    item_count: Mapped[int] = mapped_column(BigInteger, default=0)
    added: Mapped[int] = mapped_column(BigInteger, default=0)
    changed: Mapped[int] = mapped_column(BigInteger, default=0)
    removed: Mapped[int] = mapped_column(BigInteger, default=0)
    split_counts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    created_at: Mapped[datetime]
