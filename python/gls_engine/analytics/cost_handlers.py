"""HTTP handlers of the cost analysis and the token analyzer
(routes under /api/v1/projects/{project}/analytics)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.analytics.costs import (
    EXPORT_DEFAULT_ROWS,
    EXPORT_MAX_ROWS,
    CostQueries,
    CostRequest,
    export_csv,
)
from gls_engine.analytics.tokens import TokenQueries, TokenRequest
from gls_engine.analytics.window import Window, environment, group_by, window
from gls_engine.api_errors import json_response
from gls_engine.shared_responses import shared_response

COST_QUERIES_KEY = web.AppKey("cost_queries", CostQueries)
TOKEN_QUERIES_KEY = web.AppKey("token_queries", TokenQueries)

DEFAULT_ROWS = 50  # rows per breakdown
MAX_ROWS = 1000


def _limit(query: Mapping[str, str], default: int, most: int) -> int:
    return p.integer("limit", query["limit"], 1, most) if "limit" in query else default


def _cost_request(request: web.Request, default_limit: int, most: int) -> CostRequest:
    project = p.project_name(request.match_info["project"])
    query = request.query
    return CostRequest(
        project,
        window(query),
        group_by(query),
        _limit(query, default_limit, most),
        environment(query),
    )


@shared_response
async def costs(request: web.Request) -> web.Response:
    req = _cost_request(request, DEFAULT_ROWS, MAX_ROWS)
    return json_response(await request.app[COST_QUERIES_KEY].analysis(req))


def _day(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y%m%dT%H%MZ")


def _filename(project: str, w: Window) -> str:
    return f"costs-{project}-{_day(w.start_ns)}-{_day(w.end_ns)}.csv"


async def costs_export(request: web.Request) -> web.Response:
    req = _cost_request(request, EXPORT_DEFAULT_ROWS, EXPORT_MAX_ROWS)
    rows = await request.app[COST_QUERIES_KEY].export_rows(req)
    # Project names are [A-Za-z0-9._-]: safe in a quoted filename.
    return web.Response(
        text=export_csv(rows),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(req.project, req.window)}"'
        },
    )


@shared_response
async def tokens(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    query = request.query
    req = TokenRequest(
        project, window(query), _limit(query, DEFAULT_ROWS, MAX_ROWS), environment(query)
    )
    return json_response(await request.app[TOKEN_QUERIES_KEY].analysis(req))


def add_routes(app: web.Application) -> None:
    base = "/api/v1/projects/{project}/analytics"
    app.router.add_get(f"{base}/costs", costs)
    app.router.add_get(f"{base}/costs/export.csv", costs_export)
    app.router.add_get(f"{base}/tokens", tokens)
