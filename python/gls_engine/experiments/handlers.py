"""Experiments API: /api/v1/projects/{project}/experiments... (api/openapi.yaml,
docs/experiments.md)."""

from __future__ import annotations

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.datasets import names
from gls_engine.errors import InvalidParameterError, RetryableError
from gls_engine.experiments import comparison, results
from gls_engine.experiments.definition import parse_definition
from gls_engine.experiments.request_body import json_object
from gls_engine.experiments.run_input import parse_runs
from gls_engine.experiments.service import Experiments
from gls_engine.experiments.tasks import ExperimentTasks

EXPERIMENTS_KEY = web.AppKey("experiments", Experiments)
# Who runs a `task` experiment (the chains' runner); unset: such a request is a 503.
EXPERIMENT_TASKS_KEY = web.AppKey[ExperimentTasks | None]("experiment_tasks")
BASE = "/api/v1/projects/{project}/experiments"
# any segment but "compare", so the comparison's resource alone answers its path
ONE = BASE + "/{experiment_id:(?!compare$)[^/]+}"
MAX_LISTED = 500
MAX_INCOMPLETE_PAGE = 1000


def _project(request: web.Request) -> str:
    return p.project_name(request.match_info["project"])


def _limit(request: web.Request, default: int, most: int) -> int:
    value = request.query.get("limit")
    return default if value is None else p.integer("limit", value, 1, most)


def _cursor(request: web.Request) -> str | None:
    return request.query.get("cursor") or None


async def create_experiment(request: web.Request) -> web.Response:
    project = _project(request)
    document = await json_object(request)
    task = document.pop("task", None)
    definition = parse_definition(document)
    if task is None:
        created = await request.app[EXPERIMENTS_KEY].create(project, definition)
    else:  # the server runs the task on every item (experiments/tasks.py)
        tasks = request.app.get(EXPERIMENT_TASKS_KEY)
        if tasks is None:
            raise RetryableError("experiment tasks are not configured", retry_after_s=60)
        created = await tasks.create(project, definition, task)
    return json_response(created, status=201)


async def list_experiments(request: web.Request) -> web.Response:
    project = _project(request)
    dataset = request.query.get("dataset")
    if dataset is not None:
        dataset = names.dataset_name(dataset, "dataset")
    listed = await request.app[EXPERIMENTS_KEY].list_experiments(
        project, dataset, _limit(request, 100, MAX_LISTED)
    )
    return json_response({"experiments": listed})


async def get_experiment(request: web.Request) -> web.Response:
    found = await request.app[EXPERIMENTS_KEY].get(
        _project(request), request.match_info["experiment_id"]
    )
    return json_response(found)


async def delete_experiment(request: web.Request) -> web.Response:
    await request.app[EXPERIMENTS_KEY].delete(
        _project(request), request.match_info["experiment_id"]
    )
    return web.Response(status=204)


async def record_runs(request: web.Request) -> web.Response:
    project = _project(request)
    experiment_id = request.match_info["experiment_id"]
    service = request.app[EXPERIMENTS_KEY]
    experiment = await service.get(project, experiment_id)  # 404 before reading the body
    runs = parse_runs(await json_object(request), experiment["repetitions"])
    return json_response(await service.record_runs(project, experiment_id, runs), status=201)


async def record_scores(request: web.Request) -> web.Response:
    project = _project(request)
    document = await json_object(request)
    stored = await request.app[EXPERIMENTS_KEY].record_scores(
        project, request.match_info["experiment_id"], document
    )
    return json_response(stored, status=201)


async def incomplete_runs(request: web.Request) -> web.Response:
    answer = await request.app[EXPERIMENTS_KEY].incomplete(
        _project(request),
        request.match_info["experiment_id"],
        _limit(request, 100, MAX_INCOMPLETE_PAGE),
        _cursor(request),
    )
    return json_response(answer)


async def experiment_results(request: web.Request) -> web.Response:
    answer = await request.app[EXPERIMENTS_KEY].results(
        _project(request),
        request.match_info["experiment_id"],
        _limit(request, 50, results.MAX_PAGE),
        _cursor(request),
    )
    return json_response(answer)


async def experiment_aggregates(request: web.Request) -> web.Response:
    answer = await request.app[EXPERIMENTS_KEY].aggregates(
        _project(request), request.match_info["experiment_id"]
    )
    return json_response(answer)


async def compare_experiments(request: web.Request) -> web.Response:
    named = request.query.getall("experiments", [])
    if not named:
        raise InvalidParameterError("experiments is required: 2 to 5 experiment ids")
    ids = comparison.experiment_ids_checked(named)
    answer = await request.app[EXPERIMENTS_KEY].compare(
        _project(request), ids, _limit(request, 50, comparison.MAX_PAGE), _cursor(request)
    )
    return json_response(answer)


def add_routes(app: web.Application) -> None:
    app.router.add_post(BASE, create_experiment)
    app.router.add_get(BASE, list_experiments)
    app.router.add_get(BASE + "/compare", compare_experiments)
    app.router.add_get(ONE, get_experiment)
    app.router.add_delete(ONE, delete_experiment)
    app.router.add_post(ONE + "/runs", record_runs)
    app.router.add_get(ONE + "/incomplete-runs", incomplete_runs)
    app.router.add_post(ONE + "/scores", record_scores)
    app.router.add_get(ONE + "/results", experiment_results)
    app.router.add_get(ONE + "/aggregates", experiment_aggregates)
