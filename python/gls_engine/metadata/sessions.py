"""Sessions on the metadata engine, and what a lost database means to a request.

A database that goes away while the Studio runs (a PostgreSQL restart or
failover, a network cut) fails the sessions of that moment with
MetadataDatabaseUnavailable: the API answers 503 with Retry-After instead of a
500, and the pool connects again by itself once the database is back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gls_engine.errors import RetryableError

UNAVAILABLE_RETRY_AFTER_S = 5


class MetadataDatabaseUnavailable(RetryableError):
    """The metadata database cannot be reached now; the same request may succeed later."""


def is_unreachable(error: BaseException) -> bool:
    """A connection that could not be made (refused, timed out) or was lost."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error.orig, (OSError, TimeoutError))
    return isinstance(error, (OSError, TimeoutError))


class MetadataSession(AsyncSession):
    """An AsyncSession whose `async with` block turns a lost database into
    MetadataDatabaseUnavailable (the message says no more: no URL, no driver text)."""

    async def __aexit__(
        self,
        type_: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(type_, value, traceback)
        except Exception as closing:
            if value is None or not is_unreachable(closing):
                raise
        if value is not None and is_unreachable(value):
            raise MetadataDatabaseUnavailable(
                "the metadata database cannot be reached; retry shortly",
                retry_after_s=UNAVAILABLE_RETRY_AFTER_S,
            ) from value


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`. expire_on_commit=False: rows read in a session stay
    readable after it commits (async code cannot load them lazily)."""
    return async_sessionmaker(engine, class_=MetadataSession, expire_on_commit=False)
