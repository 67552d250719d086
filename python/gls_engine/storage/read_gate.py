"""Reads through one gate: identical reads share one execution, recent answers
are reused while still true enough, and a read that would wait behind too many
others is refused at once (429, Retry-After) instead of timing out later.

Why: a thousand people on the same page ask the same queries within the same
seconds (the UI aligns its time ranges so that they are the same); on two
cores, running each one is what made every answer take two minutes.

Freshness is exact by default: an answer is reused only if no write finished
since its query started, so a client that got its ingest acknowledged and then
reads sees its spans (the ack-after-store promise). A client may accept less,
per request, with standard and Studio headers that `read_freshness_middleware`
puts in `READ_FRESHNESS` for the request's task:

- `Cache-Control: max-age=N`: an answer whose query started at most N seconds
  ago is fine (N up to MAX_AGE_LIMIT_S);
- `X-GLS-Min-Generation: G`: ... as long as its query started after write
  generation G (the live feed tells its subscribers the generation of each
  update, so a refresh after one sees it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from gls_engine.errors import RefusedError
from gls_engine.metrics import Counters

MAX_AGE_LIMIT_S = 10.0
CACHE_MAX_BYTES = 64 << 20
CACHE_MAX_ENTRY_BYTES = 4 << 20


@dataclass(frozen=True)
class Freshness:
    """What a request accepts: answers started at most max_age_s ago and after
    write generation min_generation. None: only answers as new as the last write."""

    max_age_s: float
    min_generation: int


READ_FRESHNESS: contextvars.ContextVar[Freshness | None] = contextvars.ContextVar(
    "read_freshness", default=None
)


@dataclass
class _Answer:
    generation: int  # write generation when its query was submitted
    started: float  # monotonic time of that
    future: asyncio.Future[bytes] = field(init=False)
    size: int = 0
    dequeued: bool = False  # left the pool's queue (started or failed before)

    def failed(self) -> bool:
        return self.future.done() and (
            self.future.cancelled() or self.future.exception() is not None
        )


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
        self._answers: OrderedDict[bytes, _Answer] = OrderedDict()  # running and recent
        self._cached_bytes = 0

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
    ) -> bytes:
        """The answer of `run(sql, params)` (on the pool), shared or reused where allowed;
        refused when the queue is full unless not `refusable`.

        The query runs apart from any one caller: a caller that goes away (its
        client disconnected) does not cancel it for the others waiting on it."""
        key = orjson.dumps([sql, params], option=orjson.OPT_SORT_KEYS, default=str)
        now = time.monotonic()
        known = self._answers.get(key)
        if known is not None and self._usable(known, self._generation, now):
            self._count("reads_shared")
            return await asyncio.shield(known.future)
        if refusable and self._queued >= self._max_queued:
            self._count("reads_refused")
            raise RefusedError(
                f"the Studio has {self._queued} reads waiting; retry in a second", retry_after_s=1
            )
        loop = asyncio.get_running_loop()
        answer = _Answer(self._generation, now)

        def job() -> bytes:
            loop.call_soon_threadsafe(self._dequeue, answer)
            return run(sql, params)

        answer.future = loop.run_in_executor(self._pool, job)
        self._queued += 1
        self._remember(key, answer)
        answer.future.add_done_callback(lambda _: self._finished(key, answer))
        return await asyncio.shield(answer.future)

    def _dequeue(self, answer: _Answer) -> None:
        if not answer.dequeued:
            answer.dequeued = True
            self._queued -= 1

    def _finished(self, key: bytes, answer: _Answer) -> None:
        self._dequeue(answer)  # if it never started (the pool shut down)
        if answer.failed():
            self._forget(key, answer)
        else:
            self._settle(key, answer, len(answer.future.result()))

    def _usable(self, answer: _Answer, generation: int, now: float) -> bool:
        if answer.failed():
            return False
        freshness = READ_FRESHNESS.get()
        if freshness is None:
            return answer.generation == generation
        return (
            now - answer.started <= freshness.max_age_s
            and answer.generation >= freshness.min_generation
        )

    def _count(self, name: str) -> None:
        if self._counters is not None:
            self._counters.add(name, 1)

    # --- the table of running and recent answers --------------------------------
    def _remember(self, key: bytes, answer: _Answer) -> None:
        old = self._answers.pop(key, None)
        if old is not None:
            self._cached_bytes -= old.size
        self._answers[key] = answer

    def _forget(self, key: bytes, answer: _Answer) -> None:
        if self._answers.get(key) is answer:
            del self._answers[key]
            self._cached_bytes -= answer.size

    def _settle(self, key: bytes, answer: _Answer, size: int) -> None:
        if self._answers.get(key) is not answer:
            return
        if size > CACHE_MAX_ENTRY_BYTES:
            self._forget(key, answer)
            return
        answer.size = size
        self._cached_bytes += size
        self._answers.move_to_end(key)
        # drop the oldest: too old for any request, or over the memory bound
        horizon = time.monotonic() - MAX_AGE_LIMIT_S
        while self._answers:
            oldest_key, oldest = next(iter(self._answers.items()))
            if not oldest.future.done():
                break
            if self._cached_bytes <= CACHE_MAX_BYTES and oldest.started >= horizon:
                break
            self._forget(oldest_key, oldest)


def freshness_from_headers(headers: Mapping[str, str]) -> Freshness | None:
    """The freshness a request accepts from its headers; None when it says nothing
    (or nothing that can be read: a malformed header asks for no reuse)."""
    max_age = None
    for directive in headers.get("Cache-Control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age":
            try:
                max_age = min(float(value), MAX_AGE_LIMIT_S)
            except ValueError:
                return None
    if max_age is None or max_age < 0:
        return None
    try:
        min_generation = int(headers.get("X-GLS-Min-Generation", "0"))
    except ValueError:
        return None
    return Freshness(max_age, min_generation)
