"""Runs in progress, bounded: at most `max_concurrent` run at once, at most
`max_queued` wait for a slot, and past that a new run is refused (429 with
Retry-After) rather than piling up. Each run has a timeout from its start
(status `timed_out`) and may be cancelled by its id, queued or running
(status `cancelled`): the run's task is cancelled, which cancels the provider
call it awaits, and the runner still stores its trace.

A run never blocks the event loop: LLM calls are aiohttp, agents run off the
loop (the AgentRunner contract); the pool only schedules tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gls_engine.chains.run_context import CANCELLED, TIMED_OUT, RunControl
from gls_engine.errors import RefusedError

log = logging.getLogger(__name__)


@dataclass
class PoolSettings:
    max_concurrent: int = 8
    max_queued: int = 64
    timeout_s: float = 300.0


@dataclass
class _Job:
    control: RunControl
    task: asyncio.Task[Any]
    running: bool = False


class ChainRunPool:
    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self._slots = asyncio.Semaphore(settings.max_concurrent)
        self._jobs: dict[str, _Job] = {}
        self._closed = False

    @property
    def running(self) -> int:
        return sum(1 for job in self._jobs.values() if job.running)

    @property
    def queued(self) -> int:
        return len(self._jobs) - self.running

    def reserve(self, count: int) -> None:
        """RefusedError unless `count` more runs fit (running slots and the queue)."""
        room = self.settings.max_concurrent + self.settings.max_queued - len(self._jobs)
        if self._closed or count > room:
            raise RefusedError(
                f"too many chain runs: {self.running} running, {self.queued} queued "
                f"(at most {self.settings.max_concurrent} + {self.settings.max_queued}); "
                "retry later",
                retry_after_s=max(1, min(30, len(self._jobs) // self.settings.max_concurrent)),
            )

    def submit(
        self,
        run_id: str,
        work: Callable[[RunControl], Awaitable[Any]],
        never_started: Callable[[RunControl], Awaitable[Any]],
        *,
        timeout_s: float | None = None,
    ) -> asyncio.Task[Any]:
        """Runs `work` once a slot is free; `never_started` instead if the run is
        cancelled while it waits. Both are given the run's control. `timeout_s`
        replaces the pool's timeout for this run."""
        self.reserve(1)
        control = RunControl(run_id)
        task = asyncio.create_task(
            self._job(control, work, never_started, timeout_s or self.settings.timeout_s),
            name=f"chain run {run_id}",
        )
        self._jobs[run_id] = _Job(control, task)
        task.add_done_callback(lambda _: self._jobs.pop(run_id, None))
        return task

    async def _job(
        self,
        control: RunControl,
        work: Callable[[RunControl], Awaitable[Any]],
        never_started: Callable[[RunControl], Awaitable[Any]],
        timeout_s: float,
    ) -> Any:
        try:
            await self._slots.acquire()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            return await never_started(control)
        timer = asyncio.get_running_loop().call_later(
            timeout_s, self._stop, control.run_id, TIMED_OUT
        )
        try:
            self._jobs[control.run_id].running = True
            return await work(control)
        finally:
            timer.cancel()
            self._slots.release()

    def _stop(self, run_id: str, reason: str) -> bool:
        job = self._jobs.get(run_id)
        if job is None or job.control.stop_reason is not None or job.control.ended:
            return False
        job.control.stop_reason = reason
        job.task.cancel()
        return True

    def cancel(self, run_id: str) -> bool:
        """True if the run was queued or running here and is now being cancelled."""
        return self._stop(run_id, CANCELLED)

    def is_active(self, run_id: str) -> bool:
        return run_id in self._jobs

    async def close(self) -> None:
        """Cancels every run (each still records its end) and waits for them."""
        self._closed = True
        jobs = list(self._jobs.values())
        for job in jobs:
            self._stop(job.control.run_id, CANCELLED)
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job.task
