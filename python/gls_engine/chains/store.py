"""A project's chains in the metadata database: created with version 1, versions
added (immutable, numbered per chain), labels set, moved and removed (each move
recorded), deleted. Every save parses the definition (definition.parse_chain),
stores its canonical JSON, and checks what it names in the store
(references.py), all in one transaction: a refusal leaves nothing written.

Saves of one project take turns (a PostgreSQL advisory lock; SQLite has one
connection), so two saves at once cannot each pass the cycle check and together
make a cycle. The store is also the runner's ChainResolver (contracts.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.chains.contracts import ResolvedChain
from gls_engine.chains.definition import (
    CHAIN_NAME,
    LABEL,
    MAX_DESCRIPTION_CHARS,
    ChainDefinition,
    parse_chain,
)
from gls_engine.chains.references import PendingSave, ReferenceChecker
from gls_engine.errors import ConflictError, InvalidParameterError, NotFoundError
from gls_engine.metadata.models.chains import (
    ChainLabelMoveRow,
    ChainLabelRow,
    ChainRow,
    ChainVersionRow,
)
from gls_engine.metadata.store import MetadataStore

MAX_MESSAGE_CHARS = 10_000
# POST /chains/validate is not a chain's URL
RESERVED_NAMES = frozenset({"validate"})
# the operator's enabled agents, awaited: the registry loads on first use
EnabledAgents = Callable[[], Awaitable[frozenset[str]]]


def chain_name(value: Any, where: str = "name") -> str:
    if not isinstance(value, str) or not CHAIN_NAME.fullmatch(value) or value in RESERVED_NAMES:
        raise InvalidParameterError(
            f"{where} must be a chain name: a letter or digit, then letters, digits,"
            " '.', '_' or '-', at most 128 characters, not 'validate'"
        )
    return value


def label_name(value: Any, where: str = "label") -> str:
    if not isinstance(value, str) or not LABEL.fullmatch(value):
        raise InvalidParameterError(
            f"{where} must be a label: a lower-case letter or digit, then lower-case"
            " letters, digits, '.', '_' or '-', at most 64 characters"
        )
    return value


def version_number(value: Any, where: str = "version") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise InvalidParameterError(f"{where} must be a version number (1, 2, ...)")
    return value


def plain_text(value: Any, where: str, limit: int) -> str:
    if value is None:
        return ""
    # PostgreSQL's text cannot hold NUL
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise InvalidParameterError(
            f"{where} must be a string of at most {limit} characters, no NUL"
        )
    return value


def _now() -> datetime:
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _lock_key(project: str) -> int:
    digest = hashlib.blake2b(f"gls-chains:{project}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _not_found(project: str, name: str) -> NotFoundError:
    return NotFoundError(f"no chain {name!r} in project {project}")


class ChainStore:
    def __init__(self, store: MetadataStore, enabled_agents: EnabledAgents | None = None) -> None:
        self._store = store
        # None: agents are not checked at save (no GreenLang registry in this Studio)
        self._enabled_agents = enabled_agents

    # --- parsing and checking ------------------------------------------------------
    async def parse(self, document: Any) -> ChainDefinition:
        agents = None if self._enabled_agents is None else await self._enabled_agents()
        return parse_chain(document, enabled_agents=agents)

    async def _serialise(self, session: AsyncSession, project: str) -> None:
        """Saves of one project take turns until the transaction ends."""
        if self._store.dialect == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(project)}
            )

    async def _find(
        self, session: AsyncSession, project: str, name: str, *, for_update: bool = False
    ) -> ChainRow:
        query = select(ChainRow).where(ChainRow.project == project, ChainRow.name == name)
        if for_update:
            query = query.with_for_update()
        row = await session.scalar(query)
        if row is None:
            raise _not_found(project, name)
        return row

    async def validate(
        self, project: str, document: Any, *, name: str | None = None
    ) -> ChainDefinition:
        """The checked definition, as it would be saved (a new version of `name`, or of
        a new chain when None or not stored); nothing is written."""
        definition = await self.parse(document)
        async with self._store.sessions() as session:
            row = None
            if name is not None:
                row = await session.scalar(
                    select(ChainRow).where(ChainRow.project == project, ChainRow.name == name)
                )
            pending = PendingSave(
                (name or "(this chain)", 1 if row is None else row.latest_version + 1),
                new_version=True,
            )
            await ReferenceChecker(session, project, pending).check(definition)
        return definition

    # --- chains --------------------------------------------------------------------
    async def create(
        self,
        project: str,
        name: str,
        definition_document: Any,
        *,
        description: str = "",
        message: str = "",
    ) -> dict[str, Any]:
        name = chain_name(name)
        description = plain_text(description, "description", MAX_DESCRIPTION_CHARS)
        message = plain_text(message, "message", MAX_MESSAGE_CHARS)
        definition = await self.parse(definition_document)
        at = _now()
        taken = ConflictError(f"name: project {project} already has a chain named {name!r}")
        try:
            async with self._store.sessions() as session, session.begin():
                await self._serialise(session, project)
                exists = await session.scalar(
                    select(ChainRow.id).where(ChainRow.project == project, ChainRow.name == name)
                )
                if exists is not None:
                    raise taken
                pending = PendingSave((name, 1), new_version=True)
                await ReferenceChecker(session, project, pending).check(definition)
                chain = ChainRow(
                    project=project,
                    name=name,
                    description=description,
                    latest_version=1,
                    created_at=at,
                    updated_at=at,
                )
                session.add(chain)
                await session.flush()
                version = ChainVersionRow(
                    chain_id=chain.id,
                    number=1,
                    definition=definition.to_json(),
                    message=message,
                    created_at=at,
                )
                session.add(version)
        except IntegrityError:  # created meanwhile by another Studio on the database
            raise taken from None
        return _version_json(chain, version, [])

    async def list_chains(self, project: str) -> list[dict[str, Any]]:
        async with self._store.sessions() as session:
            chains = list(
                await session.scalars(
                    select(ChainRow).where(ChainRow.project == project).order_by(ChainRow.name)
                )
            )
            labels: dict[int, dict[str, int]] = {}
            for chain_id, label, version in await session.execute(
                select(ChainLabelRow.chain_id, ChainLabelRow.label, ChainLabelRow.version)
                .join(ChainRow, ChainRow.id == ChainLabelRow.chain_id)
                .where(ChainRow.project == project)
                .order_by(ChainLabelRow.label)
            ):
                labels.setdefault(chain_id, {})[label] = version
        return [
            {
                "name": chain.name,
                "description": chain.description,
                "latest_version": chain.latest_version,
                "labels": labels.get(chain.id, {}),
                "created_at": _iso(chain.created_at),
                "updated_at": _iso(chain.updated_at),
            }
            for chain in chains
        ]

    async def get(self, project: str, name: str) -> dict[str, Any]:
        async with self._store.sessions() as session:
            chain = await self._find(session, project, name)
            versions = await session.execute(
                select(ChainVersionRow.number, ChainVersionRow.message, ChainVersionRow.created_at)
                .where(ChainVersionRow.chain_id == chain.id)
                .order_by(ChainVersionRow.number.desc())
            )
            labels = await session.scalars(
                select(ChainLabelRow)
                .where(ChainLabelRow.chain_id == chain.id)
                .order_by(ChainLabelRow.label)
            )
            return {
                "name": chain.name,
                "description": chain.description,
                "latest_version": chain.latest_version,
                "created_at": _iso(chain.created_at),
                "updated_at": _iso(chain.updated_at),
                "versions": [
                    {"number": number, "message": message, "created_at": _iso(created)}
                    for number, message, created in versions
                ],
                "labels": [
                    {"label": row.label, "version": row.version, "updated_at": _iso(row.updated_at)}
                    for row in labels
                ],
            }

    async def delete(self, project: str, name: str) -> None:
        """The chain with its versions, labels and their moves (the database cascades);
        its runs stay, their chain_id set to NULL (they keep its name and version)."""
        async with self._store.sessions() as session, session.begin():
            await self._serialise(session, project)
            chain = await self._find(session, project, name, for_update=True)
            await session.delete(chain)

    # --- versions ------------------------------------------------------------------
    async def _version_row(
        self,
        session: AsyncSession,
        project: str,
        chain: ChainRow,
        version: int | None,
        label: str | None,
    ) -> ChainVersionRow:
        if version is not None and label is not None:
            raise InvalidParameterError("give version or label, not both")
        if label is not None:
            labelled = await session.scalar(
                select(ChainLabelRow.version).where(
                    ChainLabelRow.chain_id == chain.id, ChainLabelRow.label == label
                )
            )
            if labelled is None:
                raise NotFoundError(
                    f"chain {chain.name!r} in project {project} has no label {label!r}"
                )
            version = labelled
        number = chain.latest_version if version is None else version
        row = await session.scalar(
            select(ChainVersionRow).where(
                ChainVersionRow.chain_id == chain.id, ChainVersionRow.number == number
            )
        )
        if row is None:
            raise NotFoundError(
                f"chain {chain.name!r} in project {project} has no version {number}"
                f" (latest: {chain.latest_version})"
            )
        return row

    async def _labels_of(self, session: AsyncSession, chain_id: int, number: int) -> list[str]:
        return list(
            await session.scalars(
                select(ChainLabelRow.label)
                .where(ChainLabelRow.chain_id == chain_id, ChainLabelRow.version == number)
                .order_by(ChainLabelRow.label)
            )
        )

    async def version(
        self, project: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> dict[str, Any]:
        """A version's definition: `version`, else `label`'s, else the latest."""
        async with self._store.sessions() as session:
            chain = await self._find(session, project, name)
            row = await self._version_row(session, project, chain, version, label)
            return _version_json(chain, row, await self._labels_of(session, chain.id, row.number))

    async def add_version(
        self, project: str, name: str, definition_document: Any, *, message: str = ""
    ) -> dict[str, Any]:
        message = plain_text(message, "message", MAX_MESSAGE_CHARS)
        definition = await self.parse(definition_document)
        at = _now()
        async with self._store.sessions() as session, session.begin():
            await self._serialise(session, project)
            chain = await self._find(session, project, name, for_update=True)
            number = chain.latest_version + 1
            pending = PendingSave((name, number), new_version=True)
            await ReferenceChecker(session, project, pending).check(definition)
            row = ChainVersionRow(
                chain_id=chain.id,
                number=number,
                definition=definition.to_json(),
                message=message,
                created_at=at,
            )
            session.add(row)
            chain.latest_version, chain.updated_at = number, at
        return _version_json(chain, row, [])

    # --- labels --------------------------------------------------------------------
    async def set_label(self, project: str, name: str, label: str, version: int) -> dict[str, Any]:
        """Points the label at the version (a move is recorded); refused when the
        move would make a sub-chain cycle."""
        at = _now()
        async with self._store.sessions() as session, session.begin():
            await self._serialise(session, project)
            chain = await self._find(session, project, name, for_update=True)
            await self._version_row(session, project, chain, version, None)
            row = await session.get(ChainLabelRow, (chain.id, label), with_for_update=True)
            previous = None if row is None else row.version
            if previous == version and row is not None:
                return _label_json(row)
            pending = PendingSave((name, version), new_version=False, moved_label=label)
            await ReferenceChecker(session, project, pending).check_stored((name, version))
            if row is None:
                row = ChainLabelRow(chain_id=chain.id, label=label, version=version, updated_at=at)
                session.add(row)
            else:
                row.version, row.updated_at = version, at
            session.add(
                ChainLabelMoveRow(
                    chain_id=chain.id,
                    label=label,
                    from_version=previous,
                    to_version=version,
                    moved_at=at,
                )
            )
            chain.updated_at = at
            return _label_json(row)

    async def remove_label(self, project: str, name: str, label: str) -> None:
        at = _now()
        async with self._store.sessions() as session, session.begin():
            await self._serialise(session, project)
            chain = await self._find(session, project, name, for_update=True)
            row = await session.get(ChainLabelRow, (chain.id, label), with_for_update=True)
            if row is None:
                raise NotFoundError(f"chain {name!r} in project {project} has no label {label!r}")
            session.add(
                ChainLabelMoveRow(
                    chain_id=chain.id,
                    label=label,
                    from_version=row.version,
                    to_version=None,
                    moved_at=at,
                )
            )
            await session.delete(row)
            chain.updated_at = at

    async def label_history(self, project: str, name: str, label: str) -> dict[str, Any]:
        """Every move of the label, oldest first (a removed label keeps its history)."""
        async with self._store.sessions() as session:
            chain = await self._find(session, project, name)
            moves = list(
                await session.scalars(
                    select(ChainLabelMoveRow)
                    .where(ChainLabelMoveRow.chain_id == chain.id, ChainLabelMoveRow.label == label)
                    .order_by(ChainLabelMoveRow.id)
                )
            )
            current = await session.get(ChainLabelRow, (chain.id, label))
        if not moves and current is None:
            raise NotFoundError(f"chain {name!r} in project {project} has no label {label!r}")
        return {
            "chain": name,
            "label": label,
            "version": None if current is None else current.version,
            "moves": [
                {
                    "from_version": move.from_version,
                    "to_version": move.to_version,
                    "moved_at": _iso(move.moved_at),
                }
                for move in moves
            ],
        }

    # --- the runner's ChainResolver -------------------------------------------------
    async def resolve(
        self, project: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> ResolvedChain:
        async with self._store.sessions() as session:
            chain = await self._find(session, project, name)
            row = await self._version_row(session, project, chain, version, label)
        # Checked when saved; the operator's agents are the runner's to check at run time.
        return ResolvedChain(name, row.number, parse_chain(row.definition))


def _version_json(chain: ChainRow, row: ChainVersionRow, labels: list[str]) -> dict[str, Any]:
    return {
        "chain": chain.name,
        "description": chain.description,
        "version": row.number,
        "message": row.message,
        "created_at": _iso(row.created_at),
        "labels": labels,
        "definition": row.definition,
    }


def _label_json(row: ChainLabelRow) -> dict[str, Any]:
    return {"label": row.label, "version": row.version, "updated_at": _iso(row.updated_at)}
