"""score_configs: what a project says a score name is (Langfuse's score configs): its
data type, a categorical score's allowed labels, a numeric score's bounds. Scores of a
configured name are checked against it when written (gls_engine/scores)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base
from gls_engine.metadata.models.json_value import JsonValue


class ScoreConfigRow(Base):
    __tablename__ = "score_configs"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    data_type: Mapped[str] = mapped_column(String(16))
    categories: Mapped[Any] = mapped_column(JsonValue, nullable=True)  # list of labels
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
