"""The `gls` command line: serve, migrate (spans and metadata), status, prices, version."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from gls_engine import __version__
from gls_engine.config import FIELDS, Settings, SettingsError, load_settings
from gls_engine.costs import cli as costs_cli
from gls_engine.metadata.store import MetadataOpenError

log = logging.getLogger("gls")


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", help="TOML settings file (keys as below, optionally under [gls])"
    )
    for name, f in FIELDS.items():
        flag = "--" + name.replace("_", "-")
        if f.type == "bool":
            parser.add_argument(
                flag, dest=name, action=argparse.BooleanOptionalAction, default=None
            )
        else:
            listed = " (comma-separated)" if f.type == "tuple[str, ...]" else ""
            parser.add_argument(
                flag,
                dest=name,
                default=None,
                metavar=name.upper(),
                help=f"default {f.default!r}{listed}; env GLS_{name.upper()}",
            )


def _settings_from(args: argparse.Namespace) -> Settings:
    overrides = {name: getattr(args, name) for name in FIELDS}
    return load_settings(overrides, config_file=args.config)


async def _serve(settings: Settings) -> None:
    from aiohttp import web

    from gls_engine.app import PORTS_KEY, create_app, make_runner

    app = create_app(settings)
    runner = make_runner(app)
    print(f"GreenLang Studio {__version__}: starting ({settings.storage} storage)...", flush=True)
    try:
        await runner.setup()  # opens storage, runs migrations, starts OTLP listeners
    except BaseException:
        await runner.cleanup()  # closes what had opened (the storage) before exiting
        raise
    site = web.TCPSite(runner, settings.host, settings.api_port, backlog=1024)
    await site.start()
    api_port = runner.addresses[0][1]
    ports = app[PORTS_KEY]
    from gls_engine import webui

    label = "UI + API" if webui.is_built() else "API"
    print(f"  {label:<10} http://{settings.host}:{api_port}/", flush=True)
    print(
        f"  OTLP/HTTP  http://{settings.host}:{ports.get('otlp_http', api_port)}/v1/traces",
        flush=True,
    )
    if "otlp_grpc" in ports:
        print(f"  OTLP/gRPC  {settings.host}:{ports['otlp_grpc']}", flush=True)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("shutting down: storing pending spans...", flush=True)
    await runner.cleanup()
    print("stopped", flush=True)


def _run(coro: Any) -> None:
    try:
        import uvloop

        uvloop.run(coro)
    except ImportError:
        asyncio.run(coro)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings_from(args)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _run(_serve(settings))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from gls_engine.storage import open_store

    settings = _settings_from(args)
    store = open_store(settings)
    store._open()
    try:
        applied = store.migrate()
    finally:
        store._close()
    for name in applied:
        print(f"applied {name}")
    print(f"schema up to date ({len(applied)} applied)")
    from gls_engine.metadata.migrate import head_revision
    from gls_engine.metadata.store import MetadataStore

    metadata = MetadataStore(settings.metadata_database_url)

    async def migrate_metadata() -> None:
        await metadata.open()  # migrates; errors name the database, not its password
        await metadata.close()

    asyncio.run(migrate_metadata())
    print(f"metadata database {metadata.printable_url} at revision {head_revision()}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    import urllib.request

    import orjson

    settings = _settings_from(args)
    url = args.url or f"http://{settings.host}:{settings.api_port}/api/v1/status"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            data = orjson.loads(resp.read())
    except OSError as exc:
        print(f"cannot reach the Studio at {url}: {exc}", file=sys.stderr)
        return 1
    print(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gls", description="GreenLang Studio")
    parser.add_argument("--version", action="version", version=f"gls {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the Studio (UI/API, OTLP/HTTP, OTLP/gRPC)")
    _add_setting_flags(serve)
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="apply schema migrations and exit")
    _add_setting_flags(migrate)
    migrate.set_defaults(func=cmd_migrate)
    status = sub.add_parser("status", help="show a running Studio's status and counters")
    _add_setting_flags(status)
    status.add_argument("--url", help="status URL (default from host/api_port)")
    status.set_defaults(func=cmd_status)
    costs_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"gls: {exc}", file=sys.stderr)
        return 2
    except MetadataOpenError as exc:  # names the database, never its password
        print(f"gls: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
