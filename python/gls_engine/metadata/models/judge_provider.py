"""judge_providers: the OpenAI-compatible provider each project's LLM judges call.

The key is stored sealed (gls_engine.secret_box: AES-GCM, bound to the
project), with a hint such as "sk-...abcd" beside it for display: the API never
gives the key back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class JudgeProviderRow(Base):
    __tablename__ = "judge_providers"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    base_url: Mapped[str] = mapped_column(String(2048))
    model: Mapped[str] = mapped_column(String(256))
    api_key_sealed: Mapped[str | None] = mapped_column(Text)
    api_key_hint: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]
