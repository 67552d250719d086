"""HTTP handlers of the performance metrics (routes under /api/v1/projects/{project}/analytics)."""

from __future__ import annotations

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.analytics.metrics import MetricQueries, parse_request
from gls_engine.analytics.suggestions import Suggestions
from gls_engine.analytics.window import environment, window
from gls_engine.api_errors import json_response
from gls_engine.shared_responses import shared_response

METRICS_KEY = web.AppKey("metric_queries", MetricQueries)
SUGGESTIONS_KEY = web.AppKey("suggestions", Suggestions)


@shared_response
async def metrics(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    req = parse_request(project, request.query)
    return json_response(await request.app[METRICS_KEY].metric(req))


@shared_response
async def leaders(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    req = parse_request(project, request.query)
    min_count = p.integer("min_count", request.query.get("min_count", "1"), 1, 10**12)
    return json_response(await request.app[METRICS_KEY].leaders(req, min_count))


@shared_response
async def histogram(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    req = parse_request(project, request.query)
    bins = p.integer("bins", request.query.get("bins", "30"), 1, 200)
    group = request.query.get("group")
    return json_response(await request.app[METRICS_KEY].histogram(req, group, bins))


@shared_response
async def suggestions(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    w = window(request.query, default_days=7)
    min_calls = p.integer("min_calls", request.query.get("min_calls", "20"), 2, 10**9)
    env = environment(request.query)
    return json_response(await request.app[SUGGESTIONS_KEY].suggest(project, w, min_calls, env))


def add_routes(app: web.Application) -> None:
    base = "/api/v1/projects/{project}/analytics"
    app.router.add_get(f"{base}/metrics", metrics)
    app.router.add_get(f"{base}/leaders", leaders)
    app.router.add_get(f"{base}/histogram", histogram)
    app.router.add_get(f"{base}/suggestions", suggestions)
