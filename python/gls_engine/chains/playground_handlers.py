"""Playground API: `GET /api/v1/projects/{project}/playground/from-span` opens a
stored LLM span as an LLM step (chains/span_to_step.py) for the playground to
edit and run (api/openapi.yaml, docs/chains.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.chains.app_keys import LLM_PROVIDERS_KEY
from gls_engine.chains.llm_providers import provider_name
from gls_engine.chains.span_to_step import step_from_span
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.query.handlers import QUERIES_KEY

BASE = "/api/v1/projects/{project}/playground"


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


def add_routes(app: web.Application) -> None:
    app.router.add_get(BASE + "/from-span", from_span)
