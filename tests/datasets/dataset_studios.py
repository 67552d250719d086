"""A Studio whose metadata is on SQLite (metadata.sqlite3 in its data dir) or on a
database of its own on the session's PostgreSQL server."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Studio, make_studio
from support.postgres_server import PostgresServer


def studio_for(backend: str, tmp_path_factory: pytest.TempPathFactory, request: Any) -> Studio:
    directory = tmp_path_factory.mktemp(f"datasets-{backend}")
    if backend == "sqlite":
        return make_studio(directory)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.url(server.create_database("gls_datasets"))
    return make_studio(directory, "--metadata-url", url)
