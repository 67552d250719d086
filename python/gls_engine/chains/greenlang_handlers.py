"""GreenLang API: `GET /api/v1/greenlang/agents` (the agents the operator enabled,
with their input fields) and `POST /api/v1/chains/import/greenlang` (a GreenLang
workflow YAML -> a checked chain definition; saving it is the chain store's).
docs/chains.md, api/openapi.yaml."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gls_engine.api_errors import json_response
from gls_engine.chains.app_keys import ENABLED_AGENTS_KEY
from gls_engine.chains.greenlang_on_demand import GreenLangAgentsOnDemand
from gls_engine.chains.greenlang_workflow import MAX_WORKFLOW_BYTES, import_workflow
from gls_engine.config import Settings
from gls_engine.errors import (
    InvalidParameterError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from gls_engine.json_body import json_object

GREENLANG_AGENTS_KEY = web.AppKey("greenlang_agents", GreenLangAgentsOnDemand)
YAML_TYPES = ("text/yaml", "application/x-yaml", "application/yaml")


def greenlang_context(
    settings: Callable[[web.Application], Settings],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context: the registry from the settings; its threads stopped at the end."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        agents = await GreenLangAgentsOnDemand.start(settings(app))
        app[GREENLANG_AGENTS_KEY] = agents
        app[ENABLED_AGENTS_KEY] = agents.enabled
        try:
            yield
        finally:
            agents.close()

    return context


async def list_agents(request: web.Request) -> web.Response:
    return json_response({"agents": await request.app[GREENLANG_AGENTS_KEY].describe()})


async def _workflow_text(request: web.Request) -> str:
    if request.content_type == "application/json":
        document = await json_object(request, MAX_WORKFLOW_BYTES + 1024)
        text = document.get("yaml")
        if not isinstance(text, str):
            raise InvalidParameterError("yaml must be the workflow's YAML text")
        return text
    if request.content_type not in YAML_TYPES:
        raise UnsupportedMediaTypeError(
            f"the body must be the workflow as {', '.join(YAML_TYPES)} or JSON {{yaml}}"
        )
    if (request.content_length or 0) > MAX_WORKFLOW_BYTES:
        raise PayloadTooLargeError(f"the workflow is over {MAX_WORKFLOW_BYTES} bytes")
    body = bytearray()
    while chunk := await request.content.read(MAX_WORKFLOW_BYTES + 1 - len(body)):
        body += chunk
        if len(body) > MAX_WORKFLOW_BYTES:
            raise PayloadTooLargeError(f"the workflow is over {MAX_WORKFLOW_BYTES} bytes")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameterError("the workflow is not UTF-8 text") from None


async def import_greenlang_workflow(request: web.Request) -> web.Response:
    text = await _workflow_text(request)
    agents = request.app[GREENLANG_AGENTS_KEY]
    return json_response(import_workflow(text, await agents.enabled()))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/greenlang/agents", list_agents)
    app.router.add_post("/api/v1/chains/import/greenlang", import_greenlang_workflow)
