"""A real PostgreSQL server for the tests, from Debian's `postgresql` package.

initdb into a fresh directory, listening on a free loopback port with its unix
socket in that directory, trust authentication (loopback only), stopped at the
end of the session. PostgreSQL refuses to run as root: as root (CI), the
server runs as the `postgres` system user the Debian package creates, and the
directory is made theirs.

Missing binaries fail the tests that need them with how to install them;
they are never skipped silently.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest

SUPERUSER = "postgres"
START_TIMEOUT_S = 60
INSTALL_HINT = (
    "PostgreSQL is needed for the metadata tests on PostgreSQL and was not found under"
    " /usr/lib/postgresql/*/bin: install Debian's package (apt-get install postgresql;"
    " scripts/test.sh does) or point GLS_TEST_POSTGRES_BIN at a directory holding"
    " initdb and postgres"
)


def postgres_bin_dir() -> Path | None:
    """Where initdb and postgres are: GLS_TEST_POSTGRES_BIN, else Debian's newest."""
    named = os.environ.get("GLS_TEST_POSTGRES_BIN")
    candidates = [named] if named else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major)
    for directory in reversed(candidates):
        if (Path(directory) / "postgres").is_file() and (Path(directory) / "initdb").is_file():
            return Path(directory)
    return None


def _major(path: str) -> int:
    version = Path(path).parent.name
    return int(version) if version.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path  # the server's own directory: data/, socket, log
    port: int
    proc: subprocess.Popen | None = None
    _names: Iterator[int] = field(default_factory=lambda: count(1))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        """A URL as a user writes it (the Studio picks the driver)."""
        who = f"{SUPERUSER}:{password}" if password else SUPERUSER
        return f"postgresql://{who}@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self, command: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return command
        return ["runuser", "-u", SUPERUSER, "--", *command]

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            server_user = pwd.getpwnam(SUPERUSER)
            os.chown(self.root, server_user.pw_uid, server_user.pw_gid)
        subprocess.run(
            self._as_server_user(
                [
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",  # a test cluster: nothing to keep after a power cut
                ]
            ),
            check=True,
            capture_output=True,
        )
        return self.start_server()

    def start_server(self) -> PostgresServer:
        """Starts the server on the cluster initdb made (again, after stop())."""
        log = open(self.log_file, "ab")  # noqa: SIM115 - the server writes it until stopped
        self.proc = subprocess.Popen(
            self._as_server_user(
                [
                    str(self.bin_dir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.root}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "max_connections=200",
                ]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._accepts_connections():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    "PostgreSQL did not start:\n" + self.log_file.read_text(errors="replace")
                )
            time.sleep(0.1)
        return self

    def _accepts_connections(self) -> bool:
        ready = subprocess.run(
            [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return ready.returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def create_database(self, prefix: str = "gls_test") -> str:
        """A new empty database; its name."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        """Fast shutdown (open sessions ended), told to the server itself: a signal
        to runuser would not reach it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            stopped = subprocess.run(
                self._as_server_user(
                    [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast"]
                ),
                capture_output=True,
                timeout=60,
            )
            if stopped.returncode != 0:
                self._signal_postmaster(signal.SIGQUIT)  # immediate shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self._signal_postmaster(signal.SIGKILL)
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def _signal_postmaster(self, sig: int) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, sig)
        except (OSError, ValueError, IndexError):
            pass


def start_postgres_server() -> PostgresServer:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    # Not under pytest's tmp_path: its parents are root's alone (0700), and the
    # server user must reach its directory.
    root = Path(tempfile.mkdtemp(prefix="gls-postgres-"))
    return PostgresServer(bin_dir, root, _free_port()).start()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session; tests take databases of their own
    (create_database)."""
    server = start_postgres_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
