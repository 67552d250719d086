"""The metadata store: the database opened (migrated to the newest revision) at start,
its engine and sessions for the features stored there, and the project settings.

Features add their tables as models (gls_engine/metadata/models/) and read and
write them in `async with store.sessions() as session:` blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gls_engine.metadata.engine import create_metadata_engine
from gls_engine.metadata.migrate import MetadataMigrationError, upgrade_to_head
from gls_engine.metadata.models import ProjectSettingsRow
from gls_engine.metadata.project_settings import PriceOverride, ProjectSettings, RateCard
from gls_engine.metadata.sessions import create_session_factory
from gls_engine.metadata.upsert import upsert
from gls_engine.metadata.urls import async_metadata_url, printable_url


class MetadataOpenError(RuntimeError):
    """The metadata database cannot be opened at start (unreachable, not migratable);
    the message names it, never its password."""


class MetadataStore:
    def __init__(self, url: str | URL) -> None:
        self.url = async_metadata_url(url)
        self.printable_url = printable_url(url)  # as written: postgresql://, not +asyncpg
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    # --- lifecycle ---------------------------------------------------------------
    async def open(self) -> None:
        """Connects and applies the migrations the database lacks, or raises
        MetadataOpenError saying why."""
        try:
            await upgrade_to_head(self.url)
        except MetadataMigrationError as exc:
            raise MetadataOpenError(f"metadata database {self.printable_url}: {exc}") from None
        except (OSError, TimeoutError, DBAPIError) as exc:
            raise MetadataOpenError(
                f"cannot open the metadata database {self.printable_url}: {self._reason(exc)}"
            ) from None
        self._engine = create_metadata_engine(self.url)
        self._sessions = create_session_factory(self._engine)

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
            self._sessions = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("metadata store is not open")
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """`async with store.sessions() as session, session.begin(): ...` commits
        at the block's end, or rolls back on an exception."""
        if self._sessions is None:
            raise RuntimeError("metadata store is not open")
        return self._sessions

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.url.get_backend_name()

    def _reason(self, exc: BaseException) -> str:
        """The driver's own words, first line, with the password taken out should
        a driver ever repeat it."""
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        text = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        password = self.url.password
        if password:
            text = text.replace(str(password), "***")
        return text or type(cause).__name__

    # --- project settings --------------------------------------------------------
    async def all_project_settings(self) -> list[ProjectSettings]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(ProjectSettingsRow).order_by(ProjectSettingsRow.project)
            )
            return [_settings_from_row(row) for row in rows]

    async def put_project_settings(self, settings: ProjectSettings) -> ProjectSettings:
        """Stores a project's settings whole (replacing what it had); answers them as
        stored, with their time."""
        # Milliseconds: the time answered is the one read back afterwards.
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        values = {
            "project": settings.project,
            "carbon_zone": settings.carbon_zone,
            "price_overrides": [o.to_json() for o in settings.price_overrides],
            "rate_card": settings.rate_card.to_json(),
            "updated_at": now,
        }
        async with self.sessions() as session, session.begin():
            await session.execute(upsert(self.dialect, ProjectSettingsRow, values, ["project"]))
        return settings.with_updated_at(_iso(now))


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def _settings_from_row(row: ProjectSettingsRow) -> ProjectSettings:
    return ProjectSettings(
        project=row.project,
        carbon_zone=row.carbon_zone,
        price_overrides=tuple(PriceOverride.from_json(o) for o in row.price_overrides),
        rate_card=RateCard.from_json(row.rate_card),
        updated_at=_iso(row.updated_at),
    )
