"""Chain runs API: /api/v1/projects/{project}/chain-runs... (api/openapi.yaml,
docs/chains.md); the project is in the path, as for chains and datasets.

The runner's dependencies are app keys the application fills: the chain store
(CHAIN_RESOLVER_KEY), the project's LLM providers (PROVIDER_CLIENTS_KEY) and
the operator's GreenLang agents (AGENT_RUNNER_KEY). A run that needs one the
app has not been given is answered 503 `chains are not configured`."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.chains.contracts import AgentRunner, ChainResolver, ProviderClients
from gls_engine.chains.definition import (
    ChainDefinition,
    ChainStep,
    GreenLangStep,
    LlmStep,
    parse_chain,
)
from gls_engine.chains.run_records import SOURCES
from gls_engine.chains.run_service import ChainRuns, RunRequest
from gls_engine.datasets import names
from gls_engine.errors import InvalidParameterError, RetryableError
from gls_engine.json_body import json_object

CHAIN_RESOLVER_KEY = web.AppKey[ChainResolver | None]("chain_resolver")
PROVIDER_CLIENTS_KEY = web.AppKey[ProviderClients | None]("chain_provider_clients")
AGENT_RUNNER_KEY = web.AppKey[AgentRunner | None]("chain_agent_runner")
CHAIN_RUNS_KEY = web.AppKey("chain_runs", ChainRuns)

BASE = "/api/v1/projects/{project}/chain-runs"
MAX_REPEAT = 20
MAX_LISTED = 200
BODY_FIELDS = {
    "definition",
    "chain",
    "version",
    "label",
    "inputs",
    "repeat",
    "wait",
    "source",
    "environment",
    "replay",
}
ENVIRONMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
RUN_ID = re.compile(r"[0-9a-f]{32}")


class ChainsNotConfigured(RetryableError):
    """What a run needs (the chain store, LLM providers, agents) is not set up."""


def _project(request: web.Request) -> str:
    return p.project_name(request.match_info["project"])


def _run_id(request: web.Request) -> str:
    value = request.match_info["run_id"]
    if not RUN_ID.fullmatch(value):
        raise InvalidParameterError("run id must be 32 lower-case hex digits")
    return value


def _needed(app: web.Application, key: web.AppKey[Any], what: str) -> Any:
    value = app.get(key)
    if value is None:
        raise ChainsNotConfigured(f"chains are not configured: no {what}", retry_after_s=60)
    return value


def check_configured(app: web.Application, definition: ChainDefinition) -> None:
    if any(isinstance(s, LlmStep) for s in definition.steps):
        _needed(app, PROVIDER_CLIENTS_KEY, "LLM providers")
    if any(isinstance(s, GreenLangStep) for s in definition.steps):
        _needed(app, AGENT_RUNNER_KEY, "GreenLang agents")
    if any(isinstance(s, ChainStep) for s in definition.steps):
        _needed(app, CHAIN_RESOLVER_KEY, "chain store")


def _optional_int(
    document: dict[str, Any], name: str, lo: int, hi: int, default: int | None
) -> int | None:
    value = document.get(name, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise InvalidParameterError(f"{name} must be an integer from {lo} to {hi}")
    return value


async def _run_request(request: web.Request, project: str, document: dict[str, Any]) -> RunRequest:
    unknown = sorted(set(document) - BODY_FIELDS)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field of a chain run request")
    app = request.app
    if ("definition" in document) == ("chain" in document):
        raise InvalidParameterError(
            "give definition (a chain to run as it is) or chain (a saved one's name)"
        )
    version = _optional_int(document, "version", 1, 2**31 - 1, None)
    label = document.get("label")
    if label is not None and not isinstance(label, str):
        raise InvalidParameterError("label must be a string")
    definition_json: dict[str, Any] | None = None
    if "definition" in document:
        if version is not None or label is not None:
            raise InvalidParameterError(
                "version and label name a saved chain's version; give chain"
            )
        agents: AgentRunner | None = app.get(AGENT_RUNNER_KEY)
        definition = parse_chain(
            document["definition"], enabled_agents=await agents.enabled() if agents else None
        )
        chain_name, chain_version = "playground", None
        definition_json = definition.to_json()  # canonical, as a saved version is
    else:
        if version is not None and label is not None:
            raise InvalidParameterError("give version or label, not both")
        name = document["chain"]
        if not isinstance(name, str) or not name:
            raise InvalidParameterError("chain must be a chain's name")
        resolver: ChainResolver = _needed(app, CHAIN_RESOLVER_KEY, "chain store")
        resolved = await resolver.resolve(project, name, version=version, label=label)
        definition, chain_name, chain_version = (
            resolved.definition,
            resolved.name,
            resolved.version,
        )
    check_configured(app, definition)
    inputs = document.get("inputs", {})
    if not isinstance(inputs, dict):
        raise InvalidParameterError("inputs must be a JSON object")
    source = document.get("source", "api")
    if source not in SOURCES:
        raise InvalidParameterError(f"source must be one of {', '.join(SOURCES)}")
    environment = document.get("environment", "gls-playground")
    if not isinstance(environment, str) or not ENVIRONMENT.fullmatch(environment):
        raise InvalidParameterError(f"environment must match {ENVIRONMENT.pattern}")
    replay = document.get("replay") or {}
    if not isinstance(replay, dict):
        raise InvalidParameterError("replay must be an object of step path -> recorded output")
    return RunRequest(
        project=project,
        definition=definition,
        chain_name=chain_name,
        chain_version=chain_version,
        definition_json=definition_json,
        inputs=inputs,
        source=source,
        environment=environment,
        repeat=_optional_int(document, "repeat", 1, MAX_REPEAT, 1) or 1,
        replay=replay,
    )


async def start_runs(request: web.Request) -> web.Response:
    project = _project(request)
    document = await json_object(request)
    wait = document.get("wait", False)
    if not isinstance(wait, bool):
        raise InvalidParameterError("wait must be true or false")
    runs = request.app[CHAIN_RUNS_KEY]
    ids = await runs.start(await _run_request(request, project, document))
    if not wait:
        return json_response(
            {
                "runs": [
                    {
                        "id": i,
                        "status": "queued",
                        "events": f"{BASE.format(project=project)}/{i}/events",
                    }
                    for i in ids
                ]
            },
            status=202,
        )
    await runs.wait(ids)
    return json_response({"runs": [await runs.records.get(project, i) for i in ids]})


async def list_runs(request: web.Request) -> web.Response:
    query = request.query
    chain = query.get("chain") or None
    source = p.choice("source", query["source"], SOURCES) if "source" in query else None
    limit = p.integer("limit", query["limit"], 1, MAX_LISTED) if "limit" in query else 50
    page = await request.app[CHAIN_RUNS_KEY].records.list(
        _project(request),
        chain=chain,
        source=source,
        limit=limit,
        cursor=query.get("cursor") or None,
    )
    return json_response(page)


async def get_run(request: web.Request) -> web.Response:
    return json_response(
        await request.app[CHAIN_RUNS_KEY].records.get(_project(request), _run_id(request))
    )


async def cancel_run(request: web.Request) -> web.Response:
    return json_response(
        await request.app[CHAIN_RUNS_KEY].cancel(_project(request), _run_id(request))
    )


async def save_test(request: web.Request) -> web.Response:
    project, run_id = _project(request), _run_id(request)
    document = await json_object(request)
    unknown = sorted(set(document) - {"dataset"})
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field (give dataset)")
    dataset = names.dataset_name(document.get("dataset"), "dataset")
    version = await request.app[CHAIN_RUNS_KEY].save_test(project, run_id, dataset)
    return json_response(version, status=201)


async def run_events(request: web.Request) -> web.StreamResponse:
    """The run's events as JSON text messages: those so far, then live ones, then
    the socket closes after `run_finished`. A run that ended long ago (or in an
    earlier process) answers one `run_finished` from its record."""
    project, run_id = _project(request), _run_id(request)
    runs = request.app[CHAIN_RUNS_KEY]
    record = await runs.records.get(project, run_id)  # 404 before the upgrade
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    stream = runs.streams.get(run_id)

    async def pump() -> None:
        if stream is None:
            await ws.send_str(
                orjson.dumps(
                    {
                        "type": "run_finished",
                        "run_id": run_id,
                        "status": record["status"],
                        "output": record["output"],
                        "error": record["error"],
                        "error_step": record["error_step"],
                        "trace_id": record["trace_id"],
                        "steps": record["steps"],
                        "totals": record["totals"],
                    }
                ).decode()
            )
        else:
            async for event in stream.subscribe():
                await ws.send_str(orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS).decode())
        await ws.close()

    sender = asyncio.create_task(pump())
    try:
        async for msg in ws:  # the client only pings or closes; anything else is ignored
            if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
    finally:
        if not sender.done():
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
    return ws


def add_routes(app: web.Application) -> None:
    # any segment but "replay", so POST chain-runs/replay's resource alone answers its path
    one = BASE + "/{run_id:(?!replay$)[^/]+}"
    app.router.add_post(BASE, start_runs)
    app.router.add_get(BASE, list_runs)
    app.router.add_get(one, get_run)
    app.router.add_post(one + "/cancel", cancel_run)
    app.router.add_get(one + "/events", run_events)
    app.router.add_post(one + "/save-test", save_test)
