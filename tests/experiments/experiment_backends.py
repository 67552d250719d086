"""The experiment tests' Studios: one per metadata backend, SQLite (metadata.sqlite3
in its data dir) and PostgreSQL (a database of its own on the session's server,
tests/support/postgres_server.py). Test modules name this module in pytest_plugins (a conftest.py here would shadow
tests/conftest.py, imported as `conftest`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import Studio, make_studio
from support.postgres_server import PostgresServer

__all__ = ["experiment_studio"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def experiment_studio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Studio]:
    directory = tmp_path_factory.mktemp(f"experiments-{request.param}")
    if request.param == "sqlite":
        studio = make_studio(directory)
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.url(server.create_database("gls_experiments"))
        studio = make_studio(directory, "--metadata-url", url)
    studio.start()
    yield studio
    studio.stop()
