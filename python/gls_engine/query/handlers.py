"""HTTP handlers for reading traces (routes under /api/v1/projects/{project})."""

from __future__ import annotations

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import NotFoundError
from gls_engine.query.traces import TraceQueries

QUERIES_KEY = web.AppKey("trace_queries", TraceQueries)


async def list_projects(request: web.Request) -> web.Response:
    return json_response({"projects": await request.app[QUERIES_KEY].list_projects()})


async def list_traces(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response(await request.app[QUERIES_KEY].list_traces(project, request.query))


async def trace_facets(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response(await request.app[QUERIES_KEY].facets(project, request.query))


async def get_trace(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(request.match_info["trace_id"])
    window = p.trace_window(request.query)
    trace = await request.app[QUERIES_KEY].get_trace(project, trace_id, window)
    if trace is None:
        within = " between start and end" if window else ""
        raise NotFoundError(f"trace {trace_id} not found in project {project}{within}")
    return json_response(trace)


async def search_spans(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response(await request.app[QUERIES_KEY].search_spans(project, request.query))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/projects", list_projects)
    app.router.add_get("/api/v1/projects/{project}/traces", list_traces)
    app.router.add_get("/api/v1/projects/{project}/traces/facets", trace_facets)
    app.router.add_get("/api/v1/projects/{project}/traces/{trace_id}", get_trace)
    app.router.add_get("/api/v1/projects/{project}/spans", search_spans)
