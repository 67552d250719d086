"""A real Studio keeps its project settings on SQLite (the default) or PostgreSQL
(--metadata-url) and answers the settings API alike on both: same JSON, same
errors, checked against api/openapi.yaml. The enrichment gets the settings on
edit (a span sent after a PUT is priced by its override) and at start (after a
restart too). The URL's password never reaches the Studio's output, and a
database it cannot open stops `gls serve` with a message naming it."""

from __future__ import annotations

import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from gls_engine.metadata.migrate import head_revision

from conftest import Studio, free_port, make_studio
from enriched_spans import COST_STATUS, flat_span
from openapi_check import checked_get, checked_put
from support.postgres_server import PostgresServer, start_postgres_server

PROJECT = "settings-on-backends"
PASSWORD = "pw-Never-Printed-5"  # the test server trusts loopback: any password opens it
OVERRIDE = {"model": "my-llama-ft*", "input_per_mtok": 0.2, "output_per_mtok": 0.6}
SETTINGS = {
    "carbon_zone": "FRA",
    "price_overrides": [OVERRIDE],
    "rate_card": {"cpu_second_usd": 0.00002, "tool_call_usd": {"web_search": 0.01}},
}
LLM_CALL = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "vllm",
    "gen_ai.request.model": "my-llama-ft-v2",
    "gen_ai.usage.input_tokens": 10_000,
    "gen_ai.usage.output_tokens": 2_000,
}
OVERRIDE_COST = (10_000 * 0.2 + 2_000 * 0.6) / 1e6


def settings_path(project: str) -> str:
    return f"/api/v1/projects/{project}/settings"


def send_llm_call(studio: Studio, name: str) -> None:
    """With the official SDK; SimpleSpanProcessor returns once the Studio answered."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": "settings-backends", "gls.project": PROJECT})
    )
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http, timeout=30))
    )
    start = time.time_ns() - 60 * 10**9
    provider.get_tracer("settings-backends").start_span(
        name, attributes=LLM_CALL, start_time=start
    ).end(end_time=start + 10**9)
    provider.shutdown()


def span_named(studio: Studio, name: str) -> dict[str, Any]:
    page = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/spans", limit=100)
    (span,) = [flat_span(s) for s in page["spans"] if s["name"] == name]
    return span


@dataclass
class Run:
    backend: str
    metadata_url: str
    defaults: dict[str, Any]
    put_answer: dict[str, Any]
    get_after_put: dict[str, Any]
    bad_zone: dict[str, Any]
    bad_json: dict[str, Any]
    get_after_restart: dict[str, Any]
    spans: dict[str, dict[str, Any]]
    stored_projects: list[str]  # read from the database itself
    output: str  # both runs' stdout and stderr


def backend_url(backend: str, request: pytest.FixtureRequest, directory: Path) -> str:
    if backend == "sqlite":
        return ""  # the default: metadata.sqlite3 in the data dir
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.url(server.create_database("gls_studio"), password=PASSWORD)


def stored_projects(request: pytest.FixtureRequest, url: str, data_dir: Path) -> list[str]:
    if not url:
        with sqlite3.connect(data_dir / "metadata.sqlite3") as db:
            projects = [row[0] for row in db.execute("SELECT project FROM project_settings")]
        db.close()
        return projects
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.psql("SELECT project FROM project_settings", url.rsplit("/", 1)[1]).split()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    directory = tmp_path_factory.mktemp(f"studio-{request.param}")
    url = backend_url(request.param, request, directory)
    studio = make_studio(directory, *(["--metadata-url", url] if url else []))
    studio.start()
    output = []
    try:
        defaults = checked_get(studio.api, settings_path(PROJECT))
        send_llm_call(studio, "before the put")
        put_answer = checked_put(studio.api, settings_path(PROJECT), SETTINGS)
        get_after_put = checked_get(studio.api, settings_path(PROJECT))
        send_llm_call(studio, "after the put")
        bad_zone = checked_put(
            studio.api, settings_path(PROJECT), {"carbon_zone": "XXX"}, expect=400
        )
        bad_json = checked_put(studio.api, settings_path(PROJECT), expect=400, body=b"{nope")
    finally:
        assert studio.stop() == 0, "".join(studio.output)
        output.append("".join(studio.output))
    studio = Studio(studio.data_dir, free_port(), free_port(), free_port(), studio.extra_args)
    studio.start()
    try:
        get_after_restart = checked_get(studio.api, settings_path(PROJECT))
        send_llm_call(studio, "after the restart")
        spans = {
            name: span_named(studio, name)
            for name in ("before the put", "after the put", "after the restart")
        }
    finally:
        assert studio.stop() == 0, "".join(studio.output)
        output.append("".join(studio.output))
    yield Run(
        request.param,
        url,
        defaults,
        put_answer,
        get_after_put,
        bad_zone,
        bad_json,
        get_after_restart,
        spans,
        stored_projects(request, url, studio.data_dir),
        "".join(output),
    )


def test_the_studio_used_the_backend(run: Run) -> None:
    expected = (
        "postgresql://postgres:***@127.0.0.1" if run.backend == "postgresql" else "sqlite:///"
    )
    assert f"opening metadata database {expected}" in run.output
    assert run.stored_projects == [PROJECT]


def test_settings_api_answers_alike(run: Run) -> None:
    assert run.defaults == {
        "project": PROJECT,
        "carbon_zone": None,
        "price_overrides": [],
        "rate_card": {
            "cpu_second_usd": None,
            "gpu_second_usd": None,
            "gb_read_usd": None,
            "tool_call_usd": {},
        },
        "updated_at": None,
    }
    assert {k: v for k, v in run.put_answer.items() if k != "updated_at"} == {
        "project": PROJECT,
        "carbon_zone": "FRA",
        "price_overrides": [
            {**OVERRIDE, "cache_read_per_mtok": None, "cache_write_per_mtok": None}
        ],
        "rate_card": {
            "cpu_second_usd": 0.00002,
            "gpu_second_usd": None,
            "gb_read_usd": None,
            "tool_call_usd": {"web_search": 0.01},
        },
    }
    assert run.get_after_put == run.put_answer
    assert run.get_after_restart == run.put_answer


def test_bad_settings_get_the_same_errors(run: Run) -> None:
    assert run.bad_zone["error"]["code"] == "invalid_parameter"
    assert "carbon_zone" in run.bad_zone["error"]["message"]
    assert "XXX" in run.bad_zone["error"]["message"]
    assert run.bad_json["error"]["code"] == "invalid_parameter"
    assert "not valid JSON" in run.bad_json["error"]["message"]


def test_enrichment_gets_the_settings_on_edit_and_at_start(run: Run) -> None:
    assert run.spans["before the put"]["cost_status"] == COST_STATUS["unpriced"]
    for name in ("after the put", "after the restart"):
        span = run.spans[name]
        assert span["cost_status"] == COST_STATUS["override"], name
        assert math.isclose(span["llm_cost_usd"], OVERRIDE_COST, rel_tol=1e-12), name


def test_the_password_never_reaches_the_output(run: Run) -> None:
    assert PASSWORD not in run.output


# --- a database the Studio cannot open --------------------------------------------


def serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GLS_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "gls_engine",
            "serve",
            "--data-dir",
            str(tmp_path / "data"),
            "--api-port",
            str(free_port()),
            "--otlp-http-port",
            "-1",
            "--otlp-grpc-port",
            "-1",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {})},
    )


def test_an_unreachable_database_stops_the_start_naming_it(tmp_path: Path) -> None:
    port = free_port()  # nobody listens there
    done = serve(tmp_path, "--metadata-url", f"postgresql://gls:{PASSWORD}@127.0.0.1:{port}/meta")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"gls: cannot open the metadata database postgresql://gls:***@127.0.0.1:{port}/meta"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_a_bad_url_from_the_environment_is_refused(tmp_path: Path) -> None:
    done = serve(tmp_path, env={"GLS_METADATA_URL": f"mysql://gls:{PASSWORD}@db/meta"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "gls: metadata_url: 'mysql' is not supported" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_gls_migrate_brings_the_metadata_database_to_head(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    database = postgres_server.create_database("gls_migrate")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gls_engine",
            "migrate",
            "--data-dir",
            str(tmp_path / "data"),
            "--metadata-url",
            postgres_server.url(database, password=PASSWORD),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("GLS_")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    head = head_revision()
    shown = f"postgresql://postgres:***@127.0.0.1:{postgres_server.port}/{database}"
    assert f"metadata database {shown} at revision {head}" in done.stdout
    assert postgres_server.psql("SELECT version_num FROM alembic_version", database).split() == [
        head
    ]
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_acknowledged_edit_survives_kill_9(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = backend_url(backend, request, tmp_path)
    studio = make_studio(tmp_path, *(["--metadata-url", url] if url else [])).start()
    try:
        answer = checked_put(studio.api, settings_path("killed"), SETTINGS)
    finally:
        studio.kill9()
    studio = Studio(studio.data_dir, free_port(), free_port(), free_port(), studio.extra_args)
    studio.start()
    try:
        assert checked_get(studio.api, settings_path("killed")) == answer
    finally:
        assert studio.stop() == 0, "".join(studio.output)


def test_a_postgresql_restart_is_a_503_then_heals(tmp_path: Path) -> None:
    """A server of its own (the session's is shared): stopped under a running Studio."""
    server = start_postgres_server()
    try:
        url = server.url(server.create_database("gls_restart"), password=PASSWORD)
        studio = make_studio(tmp_path, "--metadata-url", url).start()
        try:
            path = settings_path("through-a-restart")
            stored = checked_put(studio.api, path, SETTINGS)
            server.stop()
            down_get = requests.get(studio.api + path, timeout=60)
            down_put = checked_put(studio.api, path, {"carbon_zone": "DEU"}, expect=503)
            server.start_server()
            after = checked_get(studio.api, path)
        finally:
            assert studio.stop() == 0, "".join(studio.output)
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
    assert down_get.status_code == 503 and down_get.headers["Retry-After"] == "5"
    assert down_get.json()["error"]["code"] == "unavailable"
    assert down_put["error"]["message"] == "the metadata database cannot be reached; retry shortly"
    assert after == stored  # the PUT while down changed nothing; the pool reconnected
    assert PASSWORD not in "".join(studio.output)
