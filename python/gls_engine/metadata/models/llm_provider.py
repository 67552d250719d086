"""llm_providers: the LLM endpoints a project's chains call, by name (`local`,
`openai`, ...): an OpenAI-compatible base URL (or Anthropic's), and the key
sealed by the secret box with a hint beside it. The API never gives the key back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gls_engine.metadata.models.base import Base


class LlmProviderRow(Base):
    __tablename__ = "llm_providers"

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # openai (any compatible endpoint), anthropic
    base_url: Mapped[str] = mapped_column(String(2048))
    api_key_sealed: Mapped[str | None] = mapped_column(Text)
    api_key_hint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
