"""Shared fixtures: a real Studio process on free loopback ports, and stores opened
directly on each storage backend."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gls_engine.config import settings_for_tests
from gls_engine.storage import SpanStore, open_store

# browser, page, attacker_name: the web UI tests' fixtures. postgres_server: registered
# here once, so the session starts one server (each module plugin re-exporting it made
# a fixture of its own, and a server each).
pytest_plugins = ["browser_fixtures", "support.postgres_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Studio:
    data_dir: Path
    api_port: int
    otlp_http_port: int
    otlp_grpc_port: int
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.otlp_http_port}/v1/traces"

    @property
    def otlp_grpc(self) -> str:
        return f"127.0.0.1:{self.otlp_grpc_port}"

    def start(self, timeout: float = 90) -> Studio:
        cmd = [
            sys.executable,
            "-m",
            "gls_engine",
            "serve",
            "--data-dir",
            str(self.data_dir),
            "--api-port",
            str(self.api_port),
            "--otlp-http-port",
            str(self.otlp_http_port),
            "--otlp-grpc-port",
            str(self.otlp_grpc_port),
            "--batch-max-wait-ms",
            "20",
            *self.extra_args,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLS_")}
        self.output = []
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        ready = threading.Event()

        def read() -> None:
            assert self.proc and self.proc.stdout
            for line in self.proc.stdout:
                self.output.append(line)
                if line.strip() == "ready":
                    ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Studio did not start:\n" + "".join(self.output))
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        # The reader ends at the pipe's end; then the pipe is closed here, not left
        # to the garbage collector (a ResourceWarning, an error under pytest's -W error).
        if self._reader is not None:
            self._reader.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None
        return code

    def kill9(self) -> None:
        self.stop(signal.SIGKILL)


def make_studio(tmp_path: Path, *extra_args: str) -> Studio:
    return Studio(tmp_path / "data", free_port(), free_port(), free_port(), list(extra_args))


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """One Studio shared by a test module (tests use distinct projects to stay apart)."""
    s = make_studio(tmp_path_factory.mktemp("studio")).start()
    yield s
    s.stop()


# chDB always; the ClickHouse server backend only against a server that
# GLS_TEST_CLICKHOUSE_URL names (>= 23.8). CI names none: its tests are then
# skipped with this reason in the summary instead of vanishing from it.
CLICKHOUSE_SKIP_REASON = (
    "ClickHouse server backend untested: set GLS_TEST_CLICKHOUSE_URL to a server >= 23.8"
)
STORE_BACKENDS = [
    "chdb",
    pytest.param(
        "clickhouse",
        marks=pytest.mark.skipif(
            not os.environ.get("GLS_TEST_CLICKHOUSE_URL"), reason=CLICKHOUSE_SKIP_REASON
        ),
    ),
]


def opened_store(backend: str, tmp_path: Path, migrate: bool = True) -> Iterator[SpanStore]:
    """A store on `backend` in its own data dir (or database), closed (and its
    database dropped) after the test."""
    settings = settings_for_tests(
        storage=backend,
        data_dir=str(tmp_path / "data"),
        clickhouse_url=os.environ.get("GLS_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123"),
        clickhouse_database=f"gls_test_{os.getpid()}_{time.time_ns()}",
    )
    store = open_store(settings)
    store._open()
    try:
        if migrate:
            store.migrate()
        yield store
    finally:
        if backend == "clickhouse":
            store._command(f"DROP DATABASE IF EXISTS {settings.clickhouse_database}")
        store._close()


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SpanStore]:
    """A migrated store on each backend there is."""
    yield from opened_store(request.param, tmp_path)
