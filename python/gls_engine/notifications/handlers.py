"""GET /api/v1/notifications?project=...&start=&end="""

from __future__ import annotations

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import InvalidParameterError
from gls_engine.notifications.notifications import Notifications
from gls_engine.shared_responses import shared_response

NOTIFICATIONS_KEY = web.AppKey("notifications", Notifications)


@shared_response
async def notifications(request: web.Request) -> web.Response:
    if "project" not in request.query:
        raise InvalidParameterError("project is required")
    project = p.project_name(request.query["project"])
    start, end = p.time_range(request.query, default_days=1)
    answer = await request.app[NOTIFICATIONS_KEY].for_period(project, start, end)
    return json_response(answer)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/notifications", notifications)
