"""Keeps the Studio's memory under a limit, as the Collector's memory_limiter does.

Every `memory_check_interval_ms` the process RSS is read. Above
`memory_purge_mib` the storage is asked to give freed memory back to the
system (chDB's allocator keeps freed pages for seconds; measured at C = 256:
0.6 of its 1.1 GiB resident were such pages). Above `memory_limit_mib` the
pipeline refuses new requests (429 / RESOURCE_EXHAUSTED with Retry-After)
while spans it admitted are still waiting for storage: storing them is what
frees memory. With nothing pending, refusing would not bring memory down
(caches, the libraries' own pages), so requests are admitted and the overrun
is logged once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable

from gls_engine.metrics import Counters

log = logging.getLogger(__name__)
MIB = 1024 * 1024
# With nothing pending, a purge that left the RSS above the purge mark (caches,
# library pages) is repeated only after the RSS grew this much, or after
# PURGE_BACKOFF_S. Under load every check purges: skipping them let the RSS
# pass 2 GiB at C = 256.
PURGE_GROWTH = 64 * MIB
PURGE_BACKOFF_S = 5.0


def rss_bytes() -> int:
    """Resident set size of this process now (/proc), 0 where there is none."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class MemoryLimiter:
    def __init__(
        self,
        limit_mib: int,
        purge_mib: int,
        check_interval_ms: int,
        counters: Counters,
        release_free_memory: Callable[[], Awaitable[None]],
        pending_spans: Callable[[], int] = lambda: 0,
        read_rss: Callable[[], int] = rss_bytes,
    ) -> None:
        self.limit = limit_mib * MIB  # 0: no limit
        self.purge_at = purge_mib * MIB  # 0: never purge
        self.interval = check_interval_ms / 1000
        self.counters = counters
        self.release_free_memory = release_free_memory
        self.pending_spans = pending_spans
        self.read_rss = read_rss
        self.over_limit = False
        self.last_rss = 0
        self._after_purge: tuple[float, int] | None = None  # (when, RSS) if still above
        self._warned_idle = False
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.limit or self.purge_at)

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="gls-memory-limiter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # the limiter must never take ingest down
                log.exception("memory check failed")
            await asyncio.sleep(self.interval)

    async def check(self) -> None:
        """One measurement: purge above purge_mib, then judge the limit."""
        rss = self.read_rss()
        if self.purge_at and rss > self.purge_at and self._purge_may_help(rss):
            started = time.monotonic()
            await self.release_free_memory()
            self.counters.add("memory_purges", 1)
            self.counters.add("memory_purge_seconds", time.monotonic() - started)
            rss = self.read_rss()
            self._after_purge = (time.monotonic(), rss) if rss > self.purge_at else None
        self.last_rss = rss
        self.counters.set_gauge("rss_bytes", rss)
        was_over = self.over_limit
        self.over_limit = bool(self.limit) and rss > self.limit
        if self.over_limit and not was_over:
            log.warning(
                "memory %d MiB above the limit of %d MiB: refusing new data while"
                " admitted spans are stored",
                rss // MIB,
                self.limit // MIB,
            )
        if not self.over_limit:
            self._warned_idle = False

    def _purge_may_help(self, rss: int) -> bool:
        if self._after_purge is None or self.pending_spans() > 0:
            return True
        when, after = self._after_purge
        return rss > after + PURGE_GROWTH or time.monotonic() - when > PURGE_BACKOFF_S

    def refuses(self, pending_spans: int) -> bool:
        """Whether new data is refused now: over the limit with spans pending."""
        if not self.over_limit:
            return False
        if pending_spans > 0:
            return True
        if not self._warned_idle:
            self._warned_idle = True
            log.warning(
                "memory %d MiB is above the limit of %d MiB with nothing pending:"
                " admitting (caches and library pages are not the pipeline's to free)",
                self.last_rss // MIB,
                self.limit // MIB,
            )
        return False
