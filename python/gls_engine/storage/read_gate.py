"""Reads through one gate: identical reads share one execution, recent answers
are reused while still true enough (shared_answers.py says when), and a read
that would wait behind too many others is refused at once (429, Retry-After)
instead of timing out later.

Why: a thousand people on the same page ask the same queries within the same
seconds (the UI aligns its time ranges so that they are the same); on two
cores, running each one is what made every answer take two minutes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from gls_engine.errors import RefusedError
from gls_engine.metrics import Counters
from gls_engine.shared_answers import SharedAnswers

CACHE_MAX_BYTES = 64 << 20
CACHE_MAX_ENTRY_BYTES = 4 << 20


class ReadGate:
    def __init__(
        self,
        pool: concurrent.futures.Executor,
        counters: Counters | None,
        max_queued: int,
    ) -> None:
        self._pool = pool
        self._counters = counters
        self._max_queued = max_queued
        self._queued = 0  # submitted to the pool, not yet started (event-loop side)
        self._generation = 0
        self._generation_lock = threading.Lock()
        self._answers: SharedAnswers[bytes] = SharedAnswers(
            len, CACHE_MAX_BYTES, CACHE_MAX_ENTRY_BYTES
        )

    # --- writes ----------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self._generation

    def wrote(self) -> int:
        """A write finished (called on the writer's thread after it is visible)."""
        with self._generation_lock:
            self._generation += 1
            return self._generation

    # --- reads -----------------------------------------------------------------
    async def read(
        self,
        sql: str,
        params: Mapping[str, Any],
        run: Callable[..., bytes],
        refusable: bool = True,
        fmt: str = "JSONEachRow",
    ) -> bytes:
        """The answer of `run(sql, params, fmt)` (on the pool), shared or reused where allowed;
        refused when the queue is full unless not `refusable`.

        The query runs apart from any one caller: a caller that goes away (its
        client disconnected) does not cancel it for the others waiting on it."""
        key = orjson.dumps([sql, params, fmt], option=orjson.OPT_SORT_KEYS, default=str)
        known = self._answers.usable(key, self._generation)
        if known is not None:
            self._count("reads_shared")
            known.note_use()
            return await asyncio.shield(known.future)
        if refusable and self._queued >= self._max_queued:
            self._count("reads_refused")
            raise RefusedError(
                f"the Studio has {self._queued} reads waiting; retry in a second", retry_after_s=1
            )
        loop = asyncio.get_running_loop()
        answer = self._answers.begin(key, self._generation)
        waiting = [True]

        def leave_queue() -> None:  # on the loop: when it starts, or ends unstarted
            if waiting[0]:
                waiting[0] = False
                self._queued -= 1

        def job() -> bytes:
            loop.call_soon_threadsafe(leave_queue)
            return run(sql, params, fmt)

        answer.future = loop.run_in_executor(self._pool, job)
        self._queued += 1
        answer.future.add_done_callback(lambda _: leave_queue())
        self._answers.track(key, answer)
        answer.note_use()
        return await asyncio.shield(answer.future)

    def _count(self, name: str) -> None:
        if self._counters is not None:
            self._counters.add(name, 1)
