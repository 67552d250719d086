"""A chain task of an experiment, followed and steered (api/openapi.yaml,
docs/experiments.md): `GET .../experiments/{id}/task` (the stored task and this
process's progress), `POST .../task/cancel` (runs under way cancelled, left
unrecorded), `POST .../task/resume` (the missing and failed pairs run again).
The task itself starts with the experiment: `POST .../experiments` with `task`."""

from __future__ import annotations

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.chains.chain_experiments import ChainExperiments
from gls_engine.experiments.handlers import ONE

CHAIN_EXPERIMENTS_KEY = web.AppKey("chain_experiments", ChainExperiments)


def _ids(request: web.Request) -> tuple[str, str]:
    return p.project_name(request.match_info["project"]), request.match_info["experiment_id"]


async def get_task(request: web.Request) -> web.Response:
    return json_response(await request.app[CHAIN_EXPERIMENTS_KEY].task_of(*_ids(request)))


async def cancel_task(request: web.Request) -> web.Response:
    return json_response(await request.app[CHAIN_EXPERIMENTS_KEY].cancel(*_ids(request)))


async def resume_task(request: web.Request) -> web.Response:
    return json_response(
        await request.app[CHAIN_EXPERIMENTS_KEY].resume(*_ids(request)), status=202
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(ONE + "/task", get_task)
    app.router.add_post(ONE + "/task/cancel", cancel_task)
    app.router.add_post(ONE + "/task/resume", resume_task)
