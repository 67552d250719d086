"""Metadata database URLs: which are accepted, the async driver each runs on, and how
one is shown (never with its password).

    sqlite:///relative/path.sqlite3      sqlite:////absolute/path.sqlite3
    postgresql://user:password@host:5432/database?ssl=require
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# What people write -> the driver the Studio ships (aiosqlite, asyncpg).
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class MetadataUrlError(ValueError):
    """A metadata URL the Studio cannot use; the message never holds its password."""


def async_metadata_url(raw: str | URL) -> URL:
    """The URL with its async driver, or MetadataUrlError saying what is wrong."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        # make_url's message repeats the URL, password and all.
        raise MetadataUrlError(
            "metadata_url is not a database URL (sqlite:///path or"
            " postgresql://user:password@host:port/database)"
        ) from None
    driver = ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise MetadataUrlError(
            f"metadata_url: {url.drivername!r} is not supported; use sqlite:///path or"
            " postgresql://user:password@host:port/database"
        )
    url = url.set(drivername=driver)
    if driver == "postgresql+asyncpg" and not url.database:
        raise MetadataUrlError(f"metadata_url {printable_url(url)} names no database")
    return url


def printable_url(url: str | URL) -> str:
    """The URL for logs and errors: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unparsable URL)"


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_file(url: URL) -> Path | None:
    """The SQLite file a URL names, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)
