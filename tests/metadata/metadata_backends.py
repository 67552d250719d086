"""The metadata tests' backends: `metadata_url` names a fresh SQLite file or a fresh
database on the session's PostgreSQL server (tests/support/postgres_server.py).
Test modules import both fixtures (a conftest.py here would shadow tests/conftest.py,
which the tests import as `conftest`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.postgres_server import PostgresServer

__all__ = ["metadata_url"]

METADATA_BACKENDS = ["sqlite", "postgresql"]


def new_metadata_url(backend: str, directory: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / 'metadata.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.url(server.create_database("gls_metadata"))


@pytest.fixture(params=METADATA_BACKENDS)
def metadata_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of its own on each backend, empty."""
    return new_metadata_url(request.param, tmp_path, request)
