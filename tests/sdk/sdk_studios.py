"""Studios for the SDK tests: one on SQLite metadata per module, and one on
PostgreSQL metadata (a database of its own on the session's server). Test modules
name this module in pytest_plugins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import Studio, make_studio
from support.postgres_server import PostgresServer

__all__ = ["sdk_studio", "sdk_studio_on_postgres"]


@pytest.fixture(scope="module")
def sdk_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    studio = make_studio(tmp_path_factory.mktemp("sdk")).start()
    yield studio
    studio.stop()


@pytest.fixture(scope="module")
def sdk_studio_on_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[Studio]:
    url = postgres_server.url(postgres_server.create_database("gls_sdk"))
    studio = make_studio(tmp_path_factory.mktemp("sdk-pg"), "--metadata-url", url).start()
    yield studio
    studio.stop()
