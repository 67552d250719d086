"""chain_versions: every save of a chain, immutable, numbered 1, 2, ... per chain;
the definition as parse_chain's canonical JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class ChainVersionRow(Base):
    __tablename__ = "chain_versions"
    __table_args__ = (UniqueConstraint("chain_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer, ForeignKey("chains.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
