"""A project's LLM providers, by name: the endpoints its chains' LLM steps call
(`"provider": "local"`). Each is an OpenAI-compatible base URL and a key sealed by
the secret box, bound to the project and the name, with a hint beside it. What
the API shows never holds the key, only whether there is one and its hint
("sk-...abcd"). The judge provider (evaluators/judge_provider.py) is the same
idea for one provider per project.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gls_engine.chains.definition import CHAIN_NAME
from gls_engine.errors import ConflictError, InvalidParameterError, NotFoundError, PermanentError
from gls_engine.metadata.models.chains import LlmProviderRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.provider_input import KEEP, ApiKeyChange, api_key_change, base_url
from gls_engine.secret_box import SecretBox, SecretBoxError, key_hint

PROVIDER_NAME = CHAIN_NAME  # names go into URLs and chain definitions alike
KINDS = ("openai",)
RESERVED_KINDS = ("anthropic",)  # has a column value, no client yet
FIELDS = {"name", "kind", "base_url", "api_key"}


def provider_name(value: Any, where: str = "name") -> str:
    if not isinstance(value, str) or not PROVIDER_NAME.fullmatch(value):
        raise InvalidParameterError(
            f"{where} must be a provider name: a letter or digit, then letters, digits,"
            " '.', '_' or '-', at most 128 characters"
        )
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "openai"
    if value in RESERVED_KINDS:
        raise InvalidParameterError(
            f"kind {value!r} is not supported yet: use kind openai with an "
            "OpenAI-compatible endpoint (e.g. a LiteLLM proxy in front of it)"
        )
    if value not in KINDS:
        raise InvalidParameterError(
            "kind must be openai (any OpenAI-compatible chat-completions endpoint)"
        )
    return str(value)


@dataclass(frozen=True)
class LlmProviderInput:
    name: str
    kind: str
    base_url: str
    # A new key, None to remove the stored one, KEEP to leave it; never in repr().
    api_key: ApiKeyChange = field(default=KEEP, repr=False)

    @classmethod
    def from_json(cls, document: Any, *, name: str | None = None) -> LlmProviderInput:
        """A POST's body (name in it) or a PUT's (`name` from the path; a name in the
        body must agree)."""
        if not isinstance(document, Mapping):
            raise InvalidParameterError("the LLM provider must be a JSON object")
        unknown = sorted(set(document) - FIELDS)
        if unknown:
            raise InvalidParameterError(f"{unknown[0]} is not an LLM provider field")
        if name is None:
            name = provider_name(document.get("name"))
        elif "name" in document and document["name"] != name:
            raise InvalidParameterError("name: the body names another provider than the path")
        return cls(
            name,
            _kind(document.get("kind")),
            base_url(document.get("base_url")),
            api_key_change(document),
        )


@dataclass(frozen=True)
class LlmProvider:
    """A stored provider as it may be shown: no key."""

    project: str
    name: str
    kind: str
    base_url: str
    has_api_key: bool
    api_key_hint: str | None
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "name": self.name,
            "kind": self.kind,
            "base_url": self.base_url,
            "has_api_key": self.has_api_key,
            "api_key_hint": self.api_key_hint,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class OpenedProvider:
    """A provider with its key unsealed: for a client, never for an answer."""

    kind: str
    base_url: str
    api_key: str | None
    updated_at: datetime

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return f"OpenedProvider({self.kind}, {self.base_url!r}, key={key})"


def key_context(project: str, name: str) -> str:
    # Sealed for one provider of one project: a sealed key copied to another row does not open.
    return f"llm-provider:{project}:{name}"


def _now() -> datetime:
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _shown(row: LlmProviderRow) -> LlmProvider:
    return LlmProvider(
        project=row.project,
        name=row.name,
        kind=row.kind,
        base_url=row.base_url,
        has_api_key=row.api_key_sealed is not None,
        api_key_hint=row.api_key_hint,
        created_at=_iso(row.created_at),
        updated_at=_iso(row.updated_at),
    )


def _not_found(project: str, name: str) -> NotFoundError:
    return NotFoundError(f"no LLM provider {name!r} in project {project}")


class LlmProviders:
    """Projects' LLM providers: created, listed, read, replaced, deleted, and opened
    (the key unsealed) for a client."""

    def __init__(self, store: MetadataStore, secret_box: Callable[[], SecretBox]) -> None:
        self._store = store
        self._secret_box = secret_box

    def _seal(self, values: dict[str, Any], given: LlmProviderInput, project: str) -> None:
        if isinstance(given.api_key, str):
            values["api_key_sealed"] = self._secret_box().encrypt(
                given.api_key, key_context(project, given.name)
            )
            values["api_key_hint"] = key_hint(given.api_key)
        elif given.api_key is None:
            values["api_key_sealed"] = None
            values["api_key_hint"] = None

    async def list(self, project: str) -> list[LlmProvider]:
        async with self._store.sessions() as session:
            rows = await session.scalars(
                select(LlmProviderRow)
                .where(LlmProviderRow.project == project)
                .order_by(LlmProviderRow.name)
            )
            return [_shown(row) for row in rows]

    async def get(self, project: str, name: str) -> LlmProvider:
        async with self._store.sessions() as session:
            row = await session.get(LlmProviderRow, (project, name))
        if row is None:
            raise _not_found(project, name)
        return _shown(row)

    async def create(self, project: str, given: LlmProviderInput) -> LlmProvider:
        at = _now()
        values: dict[str, Any] = {"api_key_sealed": None, "api_key_hint": None}
        self._seal(values, given, project)
        row = LlmProviderRow(
            project=project,
            name=given.name,
            kind=given.kind,
            base_url=given.base_url,
            created_at=at,
            updated_at=at,
            **values,
        )
        taken = ConflictError(
            f"name: project {project} already has an LLM provider named {given.name!r}"
            f" (PUT /api/v1/projects/{project}/llm-providers/{given.name} replaces it)"
        )
        try:
            async with self._store.sessions() as session, session.begin():
                if await session.get(LlmProviderRow, (project, given.name)) is not None:
                    raise taken
                session.add(row)
        except IntegrityError:  # created meanwhile by another request
            raise taken from None
        return _shown(row)

    async def put(self, project: str, given: LlmProviderInput) -> tuple[LlmProvider, bool]:
        """Replaces the provider, or creates it; answers it and whether it was created."""
        at = _now()
        values: dict[str, Any] = {}
        self._seal(values, given, project)
        try:
            async with self._store.sessions() as session, session.begin():
                row = await session.get(LlmProviderRow, (project, given.name), with_for_update=True)
                created = row is None
                if row is None:
                    row = LlmProviderRow(
                        project=project,
                        name=given.name,
                        api_key_sealed=None,  # a first PUT without a key has none to keep
                        api_key_hint=None,
                        created_at=at,
                    )
                    session.add(row)
                row.kind, row.base_url, row.updated_at = given.kind, given.base_url, at
                for column, value in values.items():
                    setattr(row, column, value)
        except IntegrityError:  # two first PUTs at once: the other one created it
            raise ConflictError(
                f"LLM provider {given.name!r} was created meanwhile by another request: retry"
            ) from None
        return _shown(row), created

    async def delete(self, project: str, name: str) -> None:
        async with self._store.sessions() as session, session.begin():
            row = await session.get(LlmProviderRow, (project, name), with_for_update=True)
            if row is None:
                raise _not_found(project, name)
            await session.delete(row)

    async def opened(self, project: str, name: str) -> OpenedProvider:
        """The provider with its key unsealed (for a client only)."""
        async with self._store.sessions() as session:
            row = await session.get(LlmProviderRow, (project, name))
        if row is None:
            raise _not_found(project, name)
        key = None
        if row.api_key_sealed is not None:
            try:
                key = self._secret_box().decrypt(row.api_key_sealed, key_context(project, name))
            except SecretBoxError:
                raise PermanentError(
                    f"the key of LLM provider {name!r} in project {project} cannot be opened "
                    "with this Studio's secret key (GLS_SECRET_KEY or secret.key changed?): "
                    "set api_key again"
                ) from None
        return OpenedProvider(row.kind, row.base_url, key, row.updated_at)

    async def names(self, project: str) -> set[str]:
        async with self._store.sessions() as session:
            return set(
                await session.scalars(
                    select(LlmProviderRow.name).where(LlmProviderRow.project == project)
                )
            )
