"""One typed settings object: flags > GLS_* environment > TOML file > defaults."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# An operator's GreenLang agent: Name=package.module:Class (a dotted module path, a class name).
GREENLANG_AGENT_ENTRY = re.compile(
    r"[A-Za-z_][A-Za-z0-9_-]{0,63}=[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*"
)


class SettingsError(ValueError):
    """A setting has a value the Studio cannot run with."""


@dataclass(frozen=True)
class Settings:
    # Where the UI/API, OTLP/HTTP and OTLP/gRPC listen. Loopback unless configured.
    host: str = "127.0.0.1"
    api_port: int = 6006
    otlp_http_port: int = 4318  # 0 picks a free port, -1 disables the separate listener
    otlp_grpc_port: int = 4317  # 0 picks a free port, -1 disables the listener
    # Storage: "chdb" (embedded, data under data_dir) or "clickhouse" (server URL).
    storage: str = "chdb"
    data_dir: str = "./gls-data"
    clickhouse_url: str = "http://127.0.0.1:8123"
    clickhouse_database: str = "gls"
    # Metadata (project settings, datasets, experiments): sqlite:///path or
    # postgresql://user:password@host:port/database; empty: metadata.sqlite3 in
    # data_dir. Left out of repr: its password is never logged.
    metadata_url: str = field(default="", repr=False)
    default_project: str = "default"
    # Grid zone carbon is computed for when neither the span nor its project
    # says where the work ran (ecologits zone code; WOR = world average).
    default_carbon_zone: str = "WOR"
    # Cost, energy, carbon and percentile sketches computed at ingest. Off only
    # to measure what they cost (benches/bench_ingest.py --studio-arg=--no-enrich).
    enrich: bool = True
    # Ingest limits: every one of them turns into a clear error, never a silent drop.
    max_body_bytes: int = 20 * 1024 * 1024  # after gzip inflation; the Collector's default
    max_pending_spans: int = 400_000  # spans accepted but not yet stored; above it: 429
    max_inflight_bytes: int = 512 * 1024 * 1024  # request bodies being read/decoded; above: 429
    max_concurrent_grpc: int = 64  # gRPC exports in progress; above: RESOURCE_EXHAUSTED
    batch_max_spans: int = 100_000  # group commit: one insert takes at most this many
    batch_max_wait_ms: int = 200  # ... and waits at most this long to fill up
    # Commit at once when no insert is running (lowest latency at low load);
    # while one runs, later requests gather behind it. False: always wait
    # batch_max_wait_ms for the batch to fill (largest batches).
    batch_commit_when_idle: bool = True
    # Inserting connections. One: while it inserts, the next batch gathers
    # behind it, so batches grow with the load; a second writer split them
    # (closed-loop bench, 2 cores: C=8 17.0K -> 23.6K spans/s with one,
    # C=32 and C=256 the same spans/s, at C=256 for 12% less CPU; BENCHMARKS.md).
    insert_threads: int = 1
    decode_threads: int = 2
    # Memory (the Collector's memory_limiter): above memory_purge_mib of RSS the
    # storage gives freed memory back; above memory_limit_mib new data is
    # refused (429) while admitted spans are being stored. 0 turns either off.
    memory_limit_mib: int = 1792
    memory_purge_mib: int = 1280
    memory_check_interval_ms: int = 200
    # Spans (and their summaries, sketches and rollups) are kept this many whole
    # days (UTC) before today, then deleted a day at a time; spans older than that
    # are refused at ingest. 0 keeps everything.
    retention_days: int = 30
    dedup_window_s: int = 900  # a retried request within this window is not stored twice
    retry_after_s: int = 1
    query_timeout_s: float = 30.0
    # reads waiting for a read thread beyond which a new one is refused (429 +
    # Retry-After) rather than queued behind them (storage/read_gate.py)
    max_queued_reads: int = 64
    # Binding beyond loopback needs auth (later issue); until then it is refused.
    allow_remote_without_auth: bool = False
    # Names the Studio answers to besides localhost and loopback addresses (a
    # guard against DNS rebinding; browser_guard.py): the host name or proxy
    # name it is reached by. "*.example.com" takes its subdomains, "*" any name.
    allowed_hosts: tuple[str, ...] = ()
    # Web origins (scheme://host[:port]) besides the Studio's own pages that may
    # call it from a browser, e.g. a web app exporting spans with the OTel JS
    # SDK. Only these get CORS headers; other origins get 403.
    allowed_origins: tuple[str, ...] = ()
    # Datasets: an upload's file as streamed to the data dir, and one cell of it
    # (or one field of an item, as JSON); past either, a 413 or a failed job
    # naming the row and column (datasets/limits.py).
    dataset_max_upload_bytes: int = 2048 * 1024 * 1024
    dataset_max_cell_bytes: int = 1024 * 1024
    # Chain runs (chains/run_pool.py): at most this many run at once, this many
    # more wait for a slot (past them: 429), and a run is stopped (timed_out)
    # after this long.
    chain_runs_max_concurrent: int = 8
    chain_runs_max_queued: int = 64
    chain_run_timeout_s: float = 300.0
    # Debug sessions (chains/debug_sessions.py): at most this many not ended at
    # once (past it: 429); a session paused with no command for
    # debug_session_idle_s ends (its run stopped and recorded), and a controller
    # lease lapses after as long without a command, or debug_lease_grace_s after
    # its WebSocket closed without coming back. A debugger's run may take up
    # to debug_run_timeout_s (time paused included) instead of chain_run_timeout_s.
    debug_sessions_max: int = 4
    debug_session_idle_s: float = 900.0
    debug_lease_grace_s: float = 30.0
    debug_run_timeout_s: float = 4 * 3600.0
    # GreenLang agents chains may run (chains/greenlang_agents.py): the package's
    # built-ins by class name ("*": all of them; empty: none), and the operator's
    # own as "Name=package.module:Class". Only here: a request never names a module.
    greenlang_builtin_agents: tuple[str, ...] = ("*",)
    greenlang_agents: tuple[str, ...] = ()
    greenlang_agent_threads: int = 4  # agents run in this many threads, off the event loop
    log_level: str = "info"

    def validate(self) -> Settings:
        if self.storage not in ("chdb", "clickhouse"):
            raise SettingsError(f"storage must be 'chdb' or 'clickhouse', not {self.storage!r}")
        for name in ("api_port", "otlp_http_port", "otlp_grpc_port"):
            port = getattr(self, name)
            lowest = 0 if name == "api_port" else -1
            if not lowest <= port <= 65535:
                raise SettingsError(f"{name} must be {lowest}..65535, not {port}")
        for name in (
            "max_body_bytes",
            "max_pending_spans",
            "batch_max_spans",
            "insert_threads",
            "decode_threads",
            "max_inflight_bytes",
            "max_concurrent_grpc",
            "memory_check_interval_ms",
            "dataset_max_upload_bytes",
            "dataset_max_cell_bytes",
            "chain_runs_max_concurrent",
            "chain_run_timeout_s",
            "greenlang_agent_threads",
            "debug_sessions_max",
            "debug_session_idle_s",
            "debug_lease_grace_s",
            "debug_run_timeout_s",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive")
        for name in (
            "memory_limit_mib",
            "memory_purge_mib",
            "retention_days",
            "chain_runs_max_queued",
        ):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must be 0 (off) or positive")
        for origin in self.allowed_origins:
            if normalise_origin(origin) is None:
                raise SettingsError(
                    f"allowed_origins: {origin!r} is not an origin (scheme://host[:port],"
                    " http or https, no path)"
                )
        for entry in self.greenlang_agents:
            if not GREENLANG_AGENT_ENTRY.fullmatch(entry.strip()):
                raise SettingsError(f"greenlang_agents: {entry!r} is not Name=package.module:Class")
        for host in self.allowed_hosts:
            if not host.strip() or any(c in host for c in "/ @?#"):
                raise SettingsError(f"allowed_hosts: {host!r} is not a host name or address")
        if self.metadata_url:
            from gls_engine.metadata.urls import MetadataUrlError, async_metadata_url

            try:
                async_metadata_url(self.metadata_url)
            except MetadataUrlError as exc:
                raise SettingsError(str(exc)) from None
        if not _is_loopback(self.host) and not self.allow_remote_without_auth:
            raise SettingsError(
                f"refusing to bind {self.host!r}: binding beyond loopback requires authentication,"
                " which is not configured (set allow_remote_without_auth only behind your own auth)"
            )
        return self

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def metadata_database_url(self) -> str:
        return self.metadata_url or f"sqlite:///{self.data_path / 'metadata.sqlite3'}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_origin(origin: str) -> str | None:
    """`scheme://host[:port]` lower-cased, or None when it is not an http(s) origin."""
    try:
        parts = urlsplit(origin.strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not one
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = FIELDS[name].type
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "tuple[str, ...]":  # a TOML list, or "a,b" from a flag or variable
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            return tuple(str(item).strip() for item in items if str(item).strip())
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name} expects {kind}, got {value!r}") from None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> Settings:
    """Merge defaults, the TOML file, GLS_* variables and explicit overrides (flags)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = config_file or environ.get("GLS_CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read config file {config_file}: {exc}") from None
        data = data.get("gls", data)
        for key, value in data.items():
            if key not in FIELDS:
                raise SettingsError(f"unknown setting {key!r} in {config_file}")
            values[key] = _coerce(key, value)
    for name in FIELDS:
        env_value = environ.get("GLS_" + name.upper())
        if env_value is not None:
            values[name] = _coerce(name, env_value)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in FIELDS:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = _coerce(key, value)
    return Settings(**values).validate()


def settings_for_tests(**overrides: Any) -> Settings:
    """Defaults with explicit overrides and no environment, for tests and benches."""
    return load_settings(overrides, environ={}, config_file=None)


__all__ = ["Settings", "SettingsError", "load_settings", "normalise_origin", "settings_for_tests"]
