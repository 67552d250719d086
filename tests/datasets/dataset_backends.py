"""The dataset tests' backends: a metadata database (`metadata_url`) or a real
Studio (`backend_studio`) on SQLite (metadata.sqlite3 in its data dir) and on
PostgreSQL (a database of its own on the session's server,
tests/support/postgres_server.py). Test modules name them in pytest_plugins (a conftest.py here
would shadow tests/conftest.py, imported as `conftest`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dataset_studios import studio_for

from conftest import Studio
from support.postgres_server import PostgresServer

__all__ = ["backend_studio", "metadata_url"]

METADATA_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=METADATA_BACKENDS)
def metadata_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of its own on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'metadata.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.url(server.create_database("gls_datasets"))


@pytest.fixture(scope="module", params=METADATA_BACKENDS)
def backend_studio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Studio]:
    """One Studio per backend shared by a test module (tests use distinct datasets)."""
    studio = studio_for(request.param, tmp_path_factory, request).start()
    yield studio
    studio.stop()
