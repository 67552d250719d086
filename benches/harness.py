"""Shared pieces of the benches: servers on loopback, RSS sampling, percentiles, reports.

Benchmarks measure and report; nothing here asserts on a time.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PHOENIX_VENV = Path(
    os.environ.get("GLS_BENCH_PHOENIX_VENV", Path.home() / ".cache" / "gls-bench" / "phoenix-venv")
)
PHOENIX_INSTALL_LOG = PHOENIX_VENV.parent / "phoenix-install.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of values; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def http_json(url: str, timeout: float = 60) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def machine_info() -> dict[str, Any]:
    mem_kb = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "mem_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "loadavg_at_start": loadavg(),
        "code": code_version(),
    }


def code_version() -> str:
    """The commit measured, '+dirty' when python/ or rust/ differ from it, and the core's build time."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "python", "rust"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    built = ""
    try:
        import gls_engine._core as core

        built = time.strftime(
            " (core built %Y-%m-%d %H:%M)", time.gmtime(os.path.getmtime(core.__file__))
        )
    except Exception:
        pass
    return head + ("+dirty" if dirty else "") + built


def loadavg() -> list[float]:
    """1/5/15-minute load averages: other work on the machine skews the figures."""
    try:
        return [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return []


# --- memory of a server process ----------------------------------------------------------
def _tree_rss(pid: int) -> int:
    try:
        import psutil

        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total
    except ImportError:
        pass
    except Exception:
        return 0
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def vm_hwm(pid: int) -> int:
    """Peak resident set size the kernel recorded for pid (bytes), 0 if unknown."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of pid so far (from /proc, no psutil needed)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class RssSampler:
    """Samples the RSS of a process (and its children) every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = _tree_rss(self.pid)
            if rss:
                self.samples.append(rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, float | None]:
        mib = 2**20
        peak = max(self.samples) if self.samples else 0
        return {
            "rss_peak_mib": round(max(peak, vm_hwm(self.pid)) / mib, 1)
            if peak or vm_hwm(self.pid)
            else None,
            "rss_last_mib": round(self.samples[-1] / mib, 1) if self.samples else None,
            "rss_samples": len(self.samples),
        }


# --- a server process printing its output to a log file ------------------------------------
@dataclass
class ServerProcess:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path | None = None
    proc: subprocess.Popen | None = None
    _log: Any = field(default=None, repr=False)

    def start(
        self, ready_line: str | None = None, ready_url: str | None = None, timeout: float = 180
    ) -> ServerProcess:
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}"
                )
            if ready_line and any(line.strip() == ready_line for line in self._lines()):
                return self
            if ready_url:
                try:
                    with urllib.request.urlopen(ready_url, timeout=2) as resp:
                        if resp.status == 200:
                            return self
                except (urllib.error.URLError, OSError):
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.2)

    def _lines(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def tail(self, n: int = 30) -> str:
        return "\n".join(self._lines()[-n:])

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 120) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        if self._log:
            self._log.close()
        return code


# For the query and UI benches: their data dir is kept and reused for weeks, and the
# Studio's retention (30 days by default) would delete its oldest days, and refuse
# them when loading via OTLP.
KEEP_EVERY_DAY = ("--retention-days", "0")


def studio_process(
    data_dir: Path, log_path: Path, *extra: str
) -> tuple[ServerProcess, dict[str, int]]:
    """The Studio with production defaults except its ports (all free loopback ports)."""
    ports = {"api": free_port(), "otlp_http": free_port(), "otlp_grpc": free_port()}
    cmd = [
        sys.executable,
        "-m",
        "gls_engine",
        "serve",
        "--data-dir",
        str(data_dir),
        "--api-port",
        str(ports["api"]),
        "--otlp-http-port",
        str(ports["otlp_http"]),
        "--otlp-grpc-port",
        str(ports["otlp_grpc"]),
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLS_")}
    return ServerProcess("studio", cmd, env, log_path), ports


# --- Arize Phoenix, in its own venv (not a dependency of the product) ------------------------
def phoenix_executable() -> Path:
    return PHOENIX_VENV / "bin" / "phoenix"


def ensure_phoenix(wait_s: float = 1800) -> Path:
    """The `phoenix` CLI of the bench venv; waits for a running install, or installs it."""
    exe = phoenix_executable()
    deadline = time.monotonic() + wait_s
    while _install_running():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Phoenix install still running (see {PHOENIX_INSTALL_LOG})")
        log("waiting for the Phoenix install to finish ...")
        time.sleep(20)
    if exe.exists() and _phoenix_importable():
        return exe
    log(f"installing arize-phoenix into {PHOENIX_VENV} (one time) ...")
    PHOENIX_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(PHOENIX_INSTALL_LOG, "a") as out:
        if not (PHOENIX_VENV / "bin" / "python").exists():
            subprocess.run(
                [shutil.which("python3") or sys.executable, "-m", "venv", str(PHOENIX_VENV)],
                check=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        code = subprocess.run(
            [str(PHOENIX_VENV / "bin" / "pip"), "install", "-q", "arize-phoenix"],
            stdout=out,
            stderr=subprocess.STDOUT,
        ).returncode
        out.write(f"exit {code}\n")
    if code != 0 or not exe.exists():
        raise RuntimeError(f"installing arize-phoenix failed (see {PHOENIX_INSTALL_LOG})")
    return exe


def _install_running() -> bool:
    """True while a pip process installs into the Phoenix venv."""
    venv = str(PHOENIX_VENV)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        text = [c.decode(errors="replace") for c in cmdline]
        if (
            any("pip" in c for c in text)
            and any(venv in c or "phoenix-venv" in c for c in text)
            and any(c == "install" for c in text)
        ):
            return True
    return False


def _phoenix_importable() -> bool:
    py = PHOENIX_VENV / "bin" / "python"
    return (
        subprocess.run(
            [str(py), "-c", "import phoenix.server.main"], capture_output=True
        ).returncode
        == 0
    )


def phoenix_process(working_dir: Path, log_path: Path) -> tuple[ServerProcess, dict[str, int]]:
    ports = {"http": free_port(), "grpc": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PHOENIX_", "GLS_"))}
    env.update(
        {
            "PHOENIX_WORKING_DIR": str(working_dir),
            "PHOENIX_PORT": str(ports["http"]),
            "PHOENIX_GRPC_PORT": str(ports["grpc"]),
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_TELEMETRY_ENABLED": "false",
            "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
        }
    )
    cmd = [str(phoenix_executable()), "serve"]
    return ServerProcess("phoenix", cmd, env, log_path, cwd=working_dir), ports


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `finally` blocks stop the servers a bench started."""

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def write_json(path: str | None, data: Any) -> None:
    if path:
        Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n")
        log(f"wrote {path}")
