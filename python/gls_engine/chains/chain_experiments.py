"""A chain version as an experiment's task, run by the server (docs/experiments.md,
"Chain tasks"): `POST /experiments` with `task: {chain, version | label,
input_mapping?, max_concurrency?}` creates the experiment as the SDK would, then
runs the chain on every (item, repetition) the experiment still lacks (missing
or failed, the experiments' own resume rule), each through the chain runs' pool
(source `experiment`), at most `max_concurrency` at once. Each ended run is
recorded as the experiment's run (output, error, trace id, times; its id the
chain run's), which runs the experiment's evaluators as the SDK's path does, so
the experiment shows in the experiment views and comparisons like any other.

The task (chain, the version a label named at creation, the mapping) is kept in
the experiment's metadata under `task`, so it can be resumed after a cancel or
a restart; while it runs, its progress lives in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from gls_engine.chains.contracts import ChainResolver, ResolvedChain
from gls_engine.chains.definition import CHAIN_NAME, LABEL, ChainDefinition
from gls_engine.chains.expressions import compile_expression, evaluate
from gls_engine.chains.run_context import CANCELLED, SUCCEEDED
from gls_engine.chains.run_service import ChainRuns, RunRequest
from gls_engine.errors import (
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    RefusedError,
    StudioError,
)
from gls_engine.experiments.definition import ExperimentDefinition
from gls_engine.experiments.run_input import MAX_ERROR_CHARS, RunInput
from gls_engine.experiments.service import Experiments

log = logging.getLogger(__name__)

TASK_FIELDS = {"chain", "version", "label", "input_mapping", "max_concurrency"}
DEFAULT_CONCURRENCY = 4
ENVIRONMENT = "gls-experiment"
PAGE = 100  # items read at once from the experiment's incomplete pairs


@dataclass(frozen=True)
class ChainTask:
    chain: str
    version: int
    input_mapping: dict[str, str] | None  # None: the item's input is the chain's inputs
    max_concurrency: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "chain",
            "chain": self.chain,
            "version": self.version,
            "input_mapping": self.input_mapping,
            "max_concurrency": self.max_concurrency,
        }


@dataclass
class TaskProgress:
    state: str = "running"  # running, finished, cancelled, failed
    started: int = 0  # chain runs started
    recorded: int = 0
    failed: int = 0  # of those recorded, with an error
    error: str | None = None
    runs: set[str] = field(default_factory=set)  # chain runs under way

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "started": self.started,
            "recorded": self.recorded,
            "failed": self.failed,
            "error": self.error,
        }


def parse_task(document: Any, most_concurrent: int) -> tuple[str, int | None, str | None, Any]:
    """(chain, version, label, rest) checked; each refusal names `task.<field>`."""
    if not isinstance(document, dict):
        raise InvalidParameterError("task must be an object: {chain, version or label}")
    unknown = sorted(set(document) - TASK_FIELDS)
    if unknown:
        raise InvalidParameterError(f"task.{unknown[0]} is not a field of a chain task")
    chain = document.get("chain")
    if not isinstance(chain, str) or not CHAIN_NAME.fullmatch(chain):
        raise InvalidParameterError("task.chain is required: a saved chain's name")
    version = document.get("version")
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        raise InvalidParameterError("task.version must be a version number (1, 2, ...)")
    label = document.get("label")
    if label is not None and (not isinstance(label, str) or not LABEL.fullmatch(label)):
        raise InvalidParameterError("task.label must be a label of the chain")
    if version is not None and label is not None:
        raise InvalidParameterError("task: give version or label, not both")
    mapping = document.get("input_mapping")
    if mapping is not None:
        if not isinstance(mapping, dict) or not mapping:
            raise InvalidParameterError(
                "task.input_mapping must be an object of input name -> expression over "
                "{input, expected, metadata, id}"
            )
        for name, expression in mapping.items():
            compile_expression(expression, f"task.input_mapping.{name}")
    concurrency = document.get("max_concurrency", min(DEFAULT_CONCURRENCY, most_concurrent))
    if (
        not isinstance(concurrency, int)
        or isinstance(concurrency, bool)
        or not 1 <= concurrency <= most_concurrent
    ):
        raise InvalidParameterError(
            f"task.max_concurrency must be an integer from 1 to {most_concurrent}"
        )
    return chain, version, label, (mapping, concurrency)


def chain_inputs(task: ChainTask, item: dict[str, Any]) -> Any:
    """The chain's inputs for a dataset item: its input, or the mapping over it."""
    if task.input_mapping is None:
        return item["input"]
    scope = {k: item.get(k) for k in ("id", "input", "expected", "metadata")}
    return {
        name: evaluate(expression, scope, f"task.input_mapping.{name}")
        for name, expression in task.input_mapping.items()
    }


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ChainExperiments:
    """The experiments' ExperimentTasks (experiments/tasks.py) for chain tasks."""

    def __init__(
        self,
        runs: ChainRuns,
        experiments: Experiments,
        resolver: ChainResolver | None,
        check_configured: Callable[[ChainDefinition], None],
        most_concurrent: int,
    ) -> None:
        self.runs = runs
        self.experiments = experiments
        self.resolver = resolver
        self.check_configured = check_configured
        self.most_concurrent = most_concurrent
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._progress: dict[str, TaskProgress] = {}

    async def _resolve(
        self, project: str, chain: str, version: int | None, label: str | None
    ) -> ResolvedChain:
        if self.resolver is None:
            raise InvalidParameterError("task.chain: chains are not configured: no chain store")
        try:
            resolved = await self.resolver.resolve(project, chain, version=version, label=label)
        except NotFoundError as exc:
            raise NotFoundError(f"task.chain: {exc}") from None
        self.check_configured(resolved.definition)
        return resolved

    async def create(
        self, project: str, definition: ExperimentDefinition, task: Any
    ) -> dict[str, Any]:
        chain, version, label, (mapping, concurrency) = parse_task(task, self.most_concurrent)
        if "task" in definition.metadata:
            raise InvalidParameterError("metadata.task is where the Studio keeps a chain task")
        resolved = await self._resolve(project, chain, version, label)
        pinned = ChainTask(resolved.name, resolved.version, mapping, concurrency)
        definition = replace(definition, metadata={**definition.metadata, "task": pinned.to_json()})
        created = await self.experiments.create(project, definition, require_items=True)
        self._start(project, created["id"], pinned, resolved)
        return {**created, "task": self.progress(created["id"])}

    def progress(self, experiment_id: str) -> dict[str, Any]:
        """What this process knows of the experiment's task (`idle`: not running here)."""
        found = self._progress.get(experiment_id)
        return found.to_json() if found else TaskProgress(state="idle").to_json()

    async def task_of(self, project: str, experiment_id: str) -> dict[str, Any]:
        experiment = await self.experiments.get(project, experiment_id)
        task = (experiment.get("metadata") or {}).get("task")
        if not isinstance(task, dict) or task.get("kind") != "chain":
            raise NotFoundError(f"experiment {experiment_id} has no chain task")
        return {"experiment": experiment_id, **task, "progress": self.progress(experiment["id"])}

    async def resume(self, project: str, experiment_id: str) -> dict[str, Any]:
        """Runs the pairs still missing or failed, as the task did."""
        stored = await self.task_of(project, experiment_id)
        if experiment_id in self._drivers:
            raise ConflictError("the experiment's task is running; cancel it first")
        resolved = await self._resolve(project, stored["chain"], stored["version"], None)
        task = ChainTask(
            resolved.name, resolved.version, stored["input_mapping"], stored["max_concurrency"]
        )
        self._start(project, experiment_id, task, resolved)
        return await self.task_of(project, experiment_id)

    async def cancel(self, project: str, experiment_id: str) -> dict[str, Any]:
        await self.task_of(project, experiment_id)  # 404 when not a chain task
        driver = self._drivers.get(experiment_id)
        if driver is None:
            raise ConflictError("the experiment's task is not running")
        driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(driver)
        return await self.task_of(project, experiment_id)

    def _start(
        self, project: str, experiment_id: str, task: ChainTask, resolved: ResolvedChain
    ) -> None:
        progress = TaskProgress()
        self._progress[experiment_id] = progress
        driver = asyncio.create_task(self._drive(project, experiment_id, task, resolved, progress))
        self._drivers[experiment_id] = driver
        driver.add_done_callback(lambda _: self._drivers.pop(experiment_id, None))

    async def _drive(
        self,
        project: str,
        experiment_id: str,
        task: ChainTask,
        resolved: ResolvedChain,
        progress: TaskProgress,
    ) -> None:
        slots = asyncio.Semaphore(task.max_concurrency)
        running: set[asyncio.Task[None]] = set()
        try:
            cursor: str | None = None
            while True:
                page = await self.experiments.incomplete(project, experiment_id, PAGE, cursor)
                for entry in page["incomplete"]:
                    for repetition in entry["repetitions"]:
                        await slots.acquire()
                        one = asyncio.create_task(
                            self._one(
                                project,
                                experiment_id,
                                task,
                                resolved,
                                entry["item"],
                                repetition,
                                progress,
                            )
                        )
                        running.add(one)
                        one.add_done_callback(running.discard)
                        one.add_done_callback(lambda _: slots.release())
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            if running:
                await asyncio.gather(*running)
            progress.state = "finished"
        except asyncio.CancelledError:
            progress.state = CANCELLED
            for one in list(running):
                one.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
        except Exception as exc:  # a fault of the Studio's: said without its details
            log.exception("the chain task of experiment %s failed", experiment_id)
            progress.state, progress.error = "failed", f"internal error: {type(exc).__name__}"
            for one in list(running):
                one.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _start_run(self, request: RunRequest) -> str:
        """The run's id, waiting for room in the pool rather than failing on a 429."""
        while True:
            try:
                [run_id] = await self.runs.start(request)
                return run_id
            except RefusedError as exc:
                await asyncio.sleep(max(exc.retry_after_s, 1))

    async def _one(
        self,
        project: str,
        experiment_id: str,
        task: ChainTask,
        resolved: ResolvedChain,
        item: dict[str, Any],
        repetition: int,
        progress: TaskProgress,
    ) -> None:
        run_id: str | None = None
        try:
            inputs = chain_inputs(task, item)
            run_id = await self._start_run(
                RunRequest(
                    project=project,
                    definition=resolved.definition,
                    chain_name=resolved.name,
                    chain_version=resolved.version,
                    definition_json=None,
                    inputs=inputs,
                    source="experiment",
                    environment=ENVIRONMENT,
                )
            )
        except InvalidParameterError as exc:  # the item's input does not fit the chain
            await self._record(project, experiment_id, item, repetition, None, progress, str(exc))
            return
        progress.started += 1
        progress.runs.add(run_id)
        try:
            await self.runs.wait([run_id])
        except asyncio.CancelledError:
            self.runs.pool.cancel(run_id)  # left unrecorded: a resume runs it again
            raise
        finally:
            progress.runs.discard(run_id)
        run = await self.runs.records.get(project, run_id)
        if run["status"] == CANCELLED:
            return  # cancelled by someone: missing, so a resume runs it again
        await self._record(project, experiment_id, item, repetition, run, progress, None)

    async def _record(
        self,
        project: str,
        experiment_id: str,
        item: dict[str, Any],
        repetition: int,
        run: dict[str, Any] | None,
        progress: TaskProgress,
        refused: str | None,
    ) -> None:
        if run is None:
            error: str | None = refused
        elif run["status"] == SUCCEEDED:
            error = None
        else:
            where = f" at step {run['error_step']}" if run["error_step"] else ""
            error = f"{run['status']}{where}: {run['error']}"
        recorded = RunInput(
            id=run["id"] if run else None,
            item_id=item["id"],
            repetition=repetition,
            output=run["output"] if run and error is None else None,
            error=error[:MAX_ERROR_CHARS] if error else None,
            trace_id=run["trace_id"] if run else None,
            span_id=None,
            started_at=_time(run["started_at"]) if run else None,
            ended_at=_time(run["ended_at"]) if run else None,
        )
        try:
            await self.experiments.record_runs(project, experiment_id, [recorded])
        except NotFoundError:  # the experiment (or its dataset) was deleted meanwhile
            driver = self._drivers.get(experiment_id)
            if driver is not None:
                driver.cancel()  # nothing left to record into
            return
        except StudioError as exc:
            log.warning(
                "experiment %s: run of item %s not recorded: %s", experiment_id, item["id"], exc
            )
            progress.error = str(exc)
            return
        progress.recorded += 1
        if error is not None:
            progress.failed += 1

    async def close(self) -> None:
        for driver in list(self._drivers.values()):
            driver.cancel()
        await asyncio.gather(*self._drivers.values(), return_exceptions=True)
