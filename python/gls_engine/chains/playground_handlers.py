"""Playground and replay API (api/openapi.yaml, docs/chains.md): `GET
/api/v1/projects/{project}/playground/from-span` opens a stored LLM span as an
LLM step (chains/span_to_step.py) for the playground to edit and run; `POST
/api/v1/projects/{project}/chain-runs/replay` starts a run rebuilt from a stored
trace (chains/trace_replay.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.chains.app_keys import LLM_PROVIDERS_KEY
from gls_engine.chains.llm_providers import provider_name
from gls_engine.chains.run_handlers import BASE as RUNS_BASE
from gls_engine.chains.run_handlers import CHAIN_RESOLVER_KEY, CHAIN_RUNS_KEY, check_configured
from gls_engine.chains.run_service import RunRequest
from gls_engine.chains.runner import DEFAULT_ENVIRONMENT
from gls_engine.chains.span_to_step import step_from_span
from gls_engine.chains.trace_replay import parse_replay_request, replay_plan
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.json_body import json_object
from gls_engine.query.handlers import QUERIES_KEY

BASE = "/api/v1/projects/{project}/playground"
REPLAY_FIELDS = {"trace_id", "until_span_id", "inputs_override", "outputs", "provider", "wait"}


def _required(request: web.Request, name: str) -> str:
    value = request.query.get(name)
    if not value:
        raise InvalidParameterError(f"{name} is required")
    return value


async def chosen_provider(app: web.Application, project: str, given: str | None) -> str | None:
    """The provider the caller named (it must exist in the project), else the first
    of the project's providers by name, else None (the caller picks one)."""
    providers = app.get(LLM_PROVIDERS_KEY)
    if given is not None:
        name = provider_name(given, "provider")
        if providers is None:
            raise NotFoundError(f"provider: no LLM provider {name!r} in project {project}")
        try:
            await providers.get(project, name)
        except NotFoundError as exc:
            raise NotFoundError(f"provider: {exc}") from None
        return name
    if providers is None:
        return None
    listed = await providers.list(project)
    return listed[0].name if listed else None


async def read_span(app: web.Application, project: str, trace_id: str, span_id: str) -> Any:
    span = await app[QUERIES_KEY].get_span(project, trace_id, span_id)
    if span is None:
        raise NotFoundError(
            f"span_id: span {span_id} not found in trace {trace_id} of project {project}"
        )
    return span


async def from_span(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(_required(request, "trace_id"))
    span_id = p.span_id(_required(request, "span_id"))
    provider = await chosen_provider(request.app, project, request.query.get("provider"))
    span = await read_span(request.app, project, trace_id, span_id)
    opened = step_from_span(span, provider=provider)
    return json_response(opened.to_json())


async def replay_trace(request: web.Request) -> web.Response:
    """A run rebuilt from a stored trace (chains/trace_replay.py), started as any
    run is (the pool, its record with source `replay`, its events)."""
    project = p.project_name(request.match_info["project"])
    document = await json_object(request)
    unknown = sorted(set(document) - REPLAY_FIELDS)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field of a replay request")
    wait = document.get("wait", False)
    if not isinstance(wait, bool):
        raise InvalidParameterError("wait must be true or false")
    asked = parse_replay_request(document)
    app = request.app
    trace = await app[QUERIES_KEY].get_trace(project, asked.trace_id)
    if trace is None:
        raise NotFoundError(f"trace_id: trace {asked.trace_id} not found in project {project}")
    runs = app[CHAIN_RUNS_KEY]

    async def run_of(run_id: str) -> dict[str, Any] | None:
        try:
            return await runs.records.get(project, run_id)
        except NotFoundError:
            return None

    if asked.provider is not None:
        await chosen_provider(app, project, asked.provider)  # 404 naming it
    plan = await replay_plan(
        trace["spans"],
        asked,
        project=project,
        run_of=run_of,
        resolver=app.get(CHAIN_RESOLVER_KEY),
        default_provider=await chosen_provider(app, project, None),
    )
    check_configured(app, plan.definition)
    ids = await runs.start(
        RunRequest(
            project=project,
            definition=plan.definition,
            chain_name=plan.chain_name,
            chain_version=plan.chain_version,
            definition_json=plan.definition_json,
            inputs=plan.inputs,
            source="replay",
            environment=DEFAULT_ENVIRONMENT,
            replay=plan.replay,
            gate=plan.gate,
        )
    )
    summary = plan.summary(asked.trace_id)
    if not wait:
        queued = [{"id": i, "status": "queued", "events": f"{RUNS_BASE}/{i}/events"} for i in ids]
        return json_response({"runs": queued, "replay": summary}, status=202)
    await runs.wait(ids)
    finished = [await runs.records.get(project, i) for i in ids]
    return json_response({"runs": finished, "replay": summary})


def add_routes(app: web.Application) -> None:
    app.router.add_get(BASE + "/from-span", from_span)
    app.router.add_post(RUNS_BASE + "/replay", replay_trace)
