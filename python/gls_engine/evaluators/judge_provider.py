"""A project's judge provider: the OpenAI-compatible endpoint, model and key its LLM
judges call (Langfuse's "LLM connection"), stored in the metadata database with
the key sealed by the secret box. What the API shows of it never holds the key,
only whether there is one and its hint ("sk-...abcd").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from gls_engine.errors import InvalidParameterError, NotFoundError, PermanentError
from gls_engine.evaluators.openai_client import OpenAICompatibleClient
from gls_engine.metadata.models import JudgeProviderRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.metadata.upsert import upsert
from gls_engine.provider_input import KEEP, ApiKeyChange, api_key_change, base_url
from gls_engine.secret_box import SecretBox, SecretBoxError, key_hint


@dataclass(frozen=True)
class JudgeProviderInput:
    base_url: str
    model: str
    # A new key, None to remove the stored one, KEEP to leave it; never in repr (a log
    # line printing the input would carry the key)
    api_key: ApiKeyChange = field(default=KEEP, repr=False)

    @classmethod
    def from_json(cls, document: Any) -> JudgeProviderInput:
        if not isinstance(document, Mapping):
            raise InvalidParameterError("the judge provider must be a JSON object")
        unknown = sorted(set(document) - {"base_url", "model", "api_key"})
        if unknown:
            raise InvalidParameterError(f"{unknown[0]} is not a judge provider field")
        url = base_url(document.get("base_url"))
        model = document.get("model")
        if not isinstance(model, str) or not model.strip() or len(model) > 256:
            raise InvalidParameterError(
                "model must be a non-empty string of at most 256 characters"
            )
        return cls(url, model.strip(), api_key_change(document))


@dataclass(frozen=True)
class JudgeProvider:
    """A stored provider as it may be shown: no key."""

    project: str
    base_url: str | None = None
    model: str | None = None
    api_key_hint: str | None = None
    has_api_key: bool = False
    updated_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "configured": self.base_url is not None,
            "base_url": self.base_url,
            "model": self.model,
            "has_api_key": self.has_api_key,
            "api_key_hint": self.api_key_hint,
            "updated_at": self.updated_at,
        }


def _context(project: str) -> str:
    # Sealed for one project: a sealed key copied to another project's row does not open.
    return f"judge-provider:{project}"


def _shown(row: JudgeProviderRow) -> JudgeProvider:
    return JudgeProvider(
        project=row.project,
        base_url=row.base_url,
        model=row.model,
        api_key_hint=row.api_key_hint,
        has_api_key=row.api_key_sealed is not None,
        updated_at=row.updated_at.isoformat(timespec="milliseconds"),
    )


class JudgeProviders:
    """Projects' judge providers: read, replaced, and made into clients."""

    def __init__(self, secret_box: Callable[[], SecretBox]) -> None:
        self._secret_box = secret_box

    async def _row(self, store: MetadataStore, project: str) -> JudgeProviderRow | None:
        async with store.sessions() as session:
            return await session.scalar(
                select(JudgeProviderRow).where(JudgeProviderRow.project == project)
            )

    async def get(self, store: MetadataStore, project: str) -> JudgeProvider:
        row = await self._row(store, project)
        return JudgeProvider(project) if row is None else _shown(row)

    async def put(
        self, store: MetadataStore, project: str, given: JudgeProviderInput
    ) -> JudgeProvider:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        values: dict[str, Any] = {
            "project": project,
            "base_url": given.base_url,
            "model": given.model,
            "updated_at": now,
        }
        if isinstance(given.api_key, str):
            values["api_key_sealed"] = self._secret_box().encrypt(given.api_key, _context(project))
            values["api_key_hint"] = key_hint(given.api_key)
        elif given.api_key is None:
            values["api_key_sealed"] = None
            values["api_key_hint"] = None
        elif await self._row(store, project) is None:
            values["api_key_sealed"] = None  # a first PUT without a key has none to keep
            values["api_key_hint"] = None
        async with store.sessions() as session, session.begin():
            await session.execute(upsert(store.dialect, JudgeProviderRow, values, ["project"]))
        return await self.get(store, project)

    async def client(
        self, store: MetadataStore, project: str, **options: Any
    ) -> tuple[OpenAICompatibleClient, str]:
        """A client of the project's provider (the key opened) and its model."""
        row = await self._row(store, project)
        if row is None:
            raise NotFoundError(
                f"project {project} has no judge provider: PUT /api/v1/projects/{project}/judge-provider"
            )
        key = None
        if row.api_key_sealed is not None:
            try:
                key = self._secret_box().decrypt(row.api_key_sealed, _context(project))
            except SecretBoxError:
                raise PermanentError(
                    f"the judge provider key of project {project} cannot be opened with this "
                    "Studio's secret key (GLS_SECRET_KEY or secret.key changed?): set api_key again"
                ) from None
        return OpenAICompatibleClient(row.base_url, key, **options), row.model
