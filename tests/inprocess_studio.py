"""The Studio app served from a thread of the test process.

Tests that compare API answers with exact SQL need the store itself (chDB
allows one process per data directory), so the app runs here, not in a child.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from gls_engine.app import STORE_KEY, create_app, make_runner
from gls_engine.config import settings_for_tests
from gls_engine.storage import SpanStore

from conftest import free_port


class InProcessStudio:
    """The Studio app served from a thread of this process, so tests can also
    run exact SQL on its store (chDB allows one process per data directory)."""

    def __init__(
        self,
        data_dir: Path,
        configure: Callable[[web.Application], None] | None = None,
        **settings: Any,
    ) -> None:
        """`configure(app)` runs on the app before it starts (e.g. to set the app
        keys a test supplies); `settings` override the test settings."""
        self._configure = configure
        self.port = free_port()
        self.settings = settings_for_tests(
            data_dir=str(data_dir),
            api_port=self.port,
            otlp_http_port=-1,
            otlp_grpc_port=-1,
            # The process is pytest's, not the Studio's alone: its RSS says
            # nothing about this Studio (the limiter has its own tests).
            memory_limit_mib=0,
            memory_purge_mib=0,
            **settings,
        )
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.store: SpanStore | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            app = create_app(self.settings)
            if self._configure is not None:
                self._configure(app)
            self.app = app
            runner = make_runner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            self.store = app[STORE_KEY]
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()

        asyncio.run(main())

    def start(self) -> InProcessStudio:
        self._thread.start()
        assert self._ready.wait(120), "studio did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def sql(self, query: str, **params: Any) -> list[dict[str, Any]]:
        assert self.store is not None
        return self.store.query_rows_sync(query, params)
