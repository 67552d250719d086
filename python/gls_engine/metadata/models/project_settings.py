"""project_settings: one row per project that has been given settings.

The two JSON columns hold what gls_engine.metadata.project_settings validated;
a project without a row has the defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class ProjectSettingsRow(Base):
    __tablename__ = "project_settings"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    carbon_zone: Mapped[str | None] = mapped_column(String(32))
    price_overrides: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rate_card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
