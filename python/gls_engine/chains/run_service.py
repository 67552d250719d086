"""Chain runs as the API starts them: the inputs checked, a record made per run
(`queued`), each run handed to the pool, its event stream opened; when it
ends, the record written whole, then `run_finished` announced. Also cancel,
and a finished run saved as a dataset test case."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gls_engine.chains.definition import ChainDefinition
from gls_engine.chains.run_context import (
    CANCELLED,
    FAILED,
    FINAL_STATUSES,
    SUCCEEDED,
    RunControl,
    RunResult,
    now_utc,
)
from gls_engine.chains.run_events import RunEventStreams
from gls_engine.chains.run_pool import ChainRunPool
from gls_engine.chains.run_records import ChainRunRecords, new_run_id
from gls_engine.chains.runner import ChainRunner, check_inputs, publish_finished
from gls_engine.chains.step_gate import StepGate
from gls_engine.datasets.changes import ChangeSet
from gls_engine.datasets.items import NewItem, json_size_checked
from gls_engine.datasets.service import Datasets
from gls_engine.errors import ConflictError, NotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunRequest:
    project: str
    definition: ChainDefinition
    chain_name: str
    chain_version: int | None  # None: an unsaved definition, kept in the run
    definition_json: dict[str, Any] | None
    inputs: dict[str, Any]
    source: str = "api"
    environment: str = "gls-playground"
    repeat: int = 1
    replay: Mapping[str, Any] = field(default_factory=dict)
    # awaited before and after each step: a debug session's, or a replay's edits of outputs
    gate: StepGate | None = None
    timeout_s: float | None = None  # None: the pool's (a debugger's run waits while paused)


class ChainRuns:
    def __init__(
        self,
        runner: ChainRunner,
        records: ChainRunRecords,
        pool: ChainRunPool,
        streams: RunEventStreams,
        datasets: Datasets | None,
    ) -> None:
        self.runner = runner
        self.records = records
        self.pool = pool
        self.streams = streams
        self.datasets = datasets
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    async def start(self, request: RunRequest) -> list[str]:
        """The new runs' ids; a 400 for inputs the definition refuses, a 429 when
        the pool has no room for `repeat` runs, before anything is recorded."""
        check_inputs(request.definition, request.inputs)
        self.pool.reserve(request.repeat)
        ids = [new_run_id() for _ in range(request.repeat)]
        for run_id in ids:
            await self.records.create(
                request.project,
                run_id,
                # an unsaved definition names no chain (its spans say `playground`)
                chain_name=None if request.definition_json is not None else request.chain_name,
                chain_version=request.chain_version,
                definition=request.definition_json,
                source=request.source,
                inputs=request.inputs,
                environment=request.environment,
            )
        try:
            self.pool.reserve(request.repeat)  # others may have come while recording
        except Exception:
            for run_id in ids:
                await self.records.finish_unstarted(run_id, CANCELLED, "refused: too many runs")
            raise
        for run_id in ids:
            self.streams.open(run_id)
            task = self.pool.submit(
                run_id,
                functools.partial(self._run, request, run_id),
                self._never_started,
                timeout_s=request.timeout_s,
            )
            self._tasks[run_id] = task
            task.add_done_callback(functools.partial(self._forget, run_id))
        return ids

    def _forget(self, run_id: str, _: object) -> None:
        self._tasks.pop(run_id, None)

    async def wait(self, run_ids: list[str]) -> None:
        """Until the runs have ended (a client gone does not cancel them)."""
        tasks = [self._tasks[i] for i in run_ids if i in self._tasks]
        if tasks:
            await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))

    async def _run(self, request: RunRequest, run_id: str, control: RunControl) -> None:
        events = self.streams.get(run_id)
        try:
            await self.records.mark_running(run_id, now_utc())
            result: RunResult = await self.runner.run(
                request.definition,
                request.inputs,
                project=request.project,
                chain_name=request.chain_name,
                chain_version=request.chain_version,
                environment=request.environment,
                replay=request.replay,
                gate=request.gate,
                events=events,
                control=control,
                announce_finish=False,
            )
        except asyncio.CancelledError:  # before the runner took the run over
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            await self._end_unstarted(
                run_id, control.stop_reason or CANCELLED, "the run was stopped"
            )
            return
        except Exception as exc:
            log.exception("chain run %s failed", run_id)
            await self._end_unstarted(run_id, FAILED, f"internal error: {type(exc).__name__}")
            return
        await self.records.finish(result)
        publish_finished(events, result)
        self.streams.closed(run_id)

    async def _never_started(self, control: RunControl) -> None:
        await self._end_unstarted(
            control.run_id, control.stop_reason or CANCELLED, "cancelled while queued"
        )

    async def _end_unstarted(self, run_id: str, status: str, error: str) -> None:
        await self.records.finish_unstarted(run_id, status, error)
        events = self.streams.get(run_id)
        if events is not None:
            events.publish("run_finished", status=status, error=error, output=None, steps=[])
        self.streams.closed(run_id)

    async def cancel(self, project: str, run_id: str) -> dict[str, Any]:
        run = await self.records.get(project, run_id)
        if run["status"] in FINAL_STATUSES:
            raise ConflictError(f"the run has already ended ({run['status']})")
        task = self._tasks.get(run_id)
        if task is not None:
            # A run already storing its trace ends as it was going to: wait for it.
            self.pool.cancel(run_id)
            await asyncio.shield(asyncio.gather(task, return_exceptions=True))
        else:  # recorded, but not run by this process
            await self.records.finish_unstarted(run_id, CANCELLED, "the run was cancelled")
        return await self.records.get(project, run_id)

    async def save_test(self, project: str, run_id: str, dataset: str) -> dict[str, Any]:
        """The run's inputs as a new item's input, its output as the expected output."""
        if self.datasets is None:
            raise NotFoundError("datasets are not open")
        run = await self.records.get(project, run_id)
        if run["status"] != SUCCEEDED:
            raise ConflictError(f"only a succeeded run is a test case; this one is {run['status']}")
        limits = self.datasets.limits
        item = NewItem(
            id=None,
            input=json_size_checked("the run's inputs", run["inputs"], limits),
            expected=json_size_checked("the run's output", run["output"], limits),
            metadata={
                "chain": run["chain"],
                "chain_version": run["version"],
                "chain_run_id": run_id,
            },
            source_trace_id=run["trace_id"],
        )
        return await self.datasets.change(
            project, dataset, ChangeSet(description=f"from chain run {run_id}", add=[item])
        )

    async def close(self) -> None:
        await self.pool.close()
