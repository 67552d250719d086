"""run_experiment: the task run in this process on every item x repetition of a
dataset version, each run in its own trace sent to the Studio, recorded there with
its output or error, scored by the built-in evaluators there and by Python
evaluators here; and resuming an experiment that was cut (only the missing and
failed runs run again)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from greenlang_studio.evaluation import call_evaluator, score_document
from greenlang_studio.http import Api

log = logging.getLogger("greenlang_studio")

RECORD_BATCH = 100
INCOMPLETE_PAGE = 200
MAX_ATTRIBUTE_CHARS = 32_000


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:MAX_ATTRIBUTE_CHARS]


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def _call_task(task: Callable[..., Any], item: dict[str, Any]) -> Any:
    """task(input), or task(input, item) for a task that takes two arguments; an async
    task is awaited."""
    try:
        positional = [
            p
            for p in inspect.signature(task).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        positional = []
    answer = task(item["input"], item) if len(positional) >= 2 else task(item["input"])
    return resolved(answer)


def resolved(answer: Any) -> Any:
    """An async task's or evaluator's answer awaited (each run is on a worker thread
    of its own, where no event loop runs)."""
    if inspect.isawaitable(answer):

        async def wait() -> Any:
            return await answer

        return asyncio.run(wait())
    return answer


class ExperimentResult:
    """An experiment as run: its summary, and its results, aggregates and comparisons
    read from the Studio when asked."""

    def __init__(self, api: Api, experiment: dict[str, Any]) -> None:
        self._api = api
        self.experiment = experiment

    @property
    def id(self) -> str:
        return self.experiment["id"]

    @property
    def _path(self) -> str:
        return f"{self._api.project_path}/experiments/{self.id}"

    def refresh(self) -> ExperimentResult:
        self.experiment = self._api.get(self._path)
        return self

    def results(self, page_size: int = 100) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            page = self._api.get(self._path + "/results", limit=page_size, cursor=cursor)
            yield from page["results"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def aggregates(self) -> dict[str, Any]:
        return self._api.get(self._path + "/aggregates")

    def incomplete(self) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            page = self._api.get(
                self._path + "/incomplete-runs", limit=INCOMPLETE_PAGE, cursor=cursor
            )
            yield from page["incomplete"]
            cursor = page.get("next_cursor")
            if not cursor:
                return


class ExperimentRunner:
    def __init__(
        self,
        api: Api,
        provider: TracerProvider,
        experiment: dict[str, Any],
        task: Callable[..., Any],
        local_evaluators: list[tuple[str, Callable[..., Any]]],
        max_concurrency: int,
    ) -> None:
        self.api = api
        self.provider = provider
        self.tracer = provider.get_tracer("greenlang_studio.experiments")
        self.experiment = experiment
        self.task = task
        self.local_evaluators = local_evaluators
        self.max_concurrency = max(1, max_concurrency)
        self.path = f"{api.project_path}/experiments/{experiment['id']}"

    def _run_one(
        self, item: dict[str, Any], repetition: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The task on one item in a trace of its own; (the run to record, its local scores)."""
        run_id = uuid.uuid4().hex
        attributes = {
            "gls.span.type": "chain",
            "gls.experiment.id": self.experiment["id"],
            "gls.experiment.name": self.experiment["name"],
            "gls.experiment.run_id": run_id,
            "gls.experiment.repetition": repetition,
            "gls.dataset.name": self.experiment["dataset"],
            "gls.dataset.version": self.experiment["dataset_version"],
            "gls.dataset.item_id": item["id"],
            "input.value": _text(item["input"]),
        }
        output: Any = None
        error: str | None = None
        started = time.time()
        # a new root: the run's trace is its own, whatever the caller's context holds
        with self.tracer.start_as_current_span(
            f"experiment run: {self.experiment['name']}",
            context=otel_context.Context(),
            attributes=attributes,
        ) as span:
            try:
                output = _call_task(self.task, item)
                span.set_attribute("output.value", _text(output))
            except Exception as exc:  # the task's failure is the run's error, not ours
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, error[:500]))
            context = span.get_span_context()
        ended = time.time()
        try:
            json.dumps(output)
        except (TypeError, ValueError):
            output = str(output)  # what the task answered, as text, when not JSON
        run = {
            "id": run_id,
            "item_id": item["id"],
            "repetition": repetition,
            "output": output,
            "error": error,
            "trace_id": format(context.trace_id, "032x"),
            "span_id": format(context.span_id, "016x"),
            "started_at": _iso(started),
            "ended_at": _iso(ended),
        }
        scores = [] if error is not None else self._local_scores(run_id, item, output)
        return run, scores

    def _local_scores(self, run_id: str, item: dict[str, Any], output: Any) -> list[dict[str, Any]]:
        case = {
            "output": output,
            "expected": item.get("expected"),
            "input": item["input"],
            "metadata": item.get("metadata") or {},
        }
        scores = []
        for name, evaluator in self.local_evaluators:
            # each evaluator in a trace of its own: an LLM judge's call is seen there
            with self.tracer.start_as_current_span(
                f"evaluate: {name}",
                context=otel_context.Context(),
                attributes={
                    "gls.span.type": "evaluator",
                    "gls.experiment.id": self.experiment["id"],
                    "gls.experiment.run_id": run_id,
                    "gls.evaluator.name": name,
                },
            ) as span:
                try:
                    answer = resolved(call_evaluator(evaluator, case))
                    document = score_document(run_id, name, answer)
                except Exception as exc:  # an evaluator that fails scores nothing here
                    document = None
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, str(exc)[:500]))
                    log.exception("evaluator %s failed on item %s", name, item["id"])
                trace_id = format(span.get_span_context().trace_id, "032x")
            if document is not None:
                scores.append({**document, "trace_id": trace_id})
        return scores

    def _record(self, runs: list[dict[str, Any]], scores: list[dict[str, Any]]) -> None:
        if runs:
            self.api.post(self.path + "/runs", {"runs": runs})
        for start in range(0, len(scores), 1000):
            self.api.post(self.path + "/scores", {"scores": scores[start : start + 1000]})

    def run(self, pairs: Iterator[tuple[dict[str, Any], int]]) -> int:
        """Runs every pair, recording as they finish; answers how many ran."""
        ran = 0
        pending_runs: list[dict[str, Any]] = []
        pending_scores: list[dict[str, Any]] = []
        with ThreadPoolExecutor(self.max_concurrency) as pool:
            running: set[Future[tuple[dict[str, Any], list[dict[str, Any]]]]] = set()
            for item, repetition in pairs:
                if len(running) >= self.max_concurrency * 2:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        run, scores = future.result()
                        pending_runs.append(run)
                        pending_scores += scores
                        ran += 1
                    if len(pending_runs) >= RECORD_BATCH:
                        self._record(pending_runs, pending_scores)
                        pending_runs, pending_scores = [], []
                running.add(pool.submit(self._run_one, item, repetition))
            for future in running:
                run, scores = future.result()
                pending_runs.append(run)
                pending_scores += scores
                ran += 1
        self._record(pending_runs, pending_scores)
        self.provider.force_flush()
        return ran
