"""Project settings API: GET/PUT /api/v1/projects/{project}/settings."""

from __future__ import annotations

import asyncio
from typing import Protocol

import orjson
from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import (
    InvalidParameterError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from gls_engine.metadata.project_settings import ProjectSettings, SettingsValidationError
from gls_engine.metadata.store import MetadataStore


class SettingsConsumer(Protocol):
    """What uses project settings (ingest enrichment): checks a document against
    its data before it is stored, then takes every project's settings after."""

    def validate(self, settings: ProjectSettings) -> None: ...

    def apply(self, all_settings: list[ProjectSettings]) -> None: ...


METADATA_KEY = web.AppKey("metadata", MetadataStore)
SETTINGS_CONSUMER_KEY = web.AppKey("settings_consumer", SettingsConsumer)

MAX_SETTINGS_BYTES = 256 * 1024


async def get_settings(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    for s in await request.app[METADATA_KEY].all_project_settings():
        if s.project == project:
            return json_response(s.to_json())
    return json_response(ProjectSettings(project=project).to_json())


async def put_settings(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError("settings must be sent as application/json")
    if (request.content_length or 0) > MAX_SETTINGS_BYTES:
        raise PayloadTooLargeError(f"settings over {MAX_SETTINGS_BYTES} bytes")
    body = await request.read()
    if len(body) > MAX_SETTINGS_BYTES:
        raise PayloadTooLargeError(f"settings over {MAX_SETTINGS_BYTES} bytes")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameterError(f"settings are not valid JSON: {exc}") from None
    store = request.app[METADATA_KEY]
    consumer = request.app.get(SETTINGS_CONSUMER_KEY)
    try:
        new = ProjectSettings.from_json(project, document)
        if consumer is not None:
            consumer.validate(new)  # e.g. a zone the carbon data does not know
    except SettingsValidationError as exc:
        raise InvalidParameterError(str(exc)) from None
    stored = await store.put_project_settings(new)
    if consumer is not None:
        # Rebuilding the prices and rules takes tens of ms: not on the event loop.
        everything = await store.all_project_settings()
        await asyncio.get_running_loop().run_in_executor(None, consumer.apply, everything)
    return json_response(stored.to_json())


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/projects/{project}/settings", get_settings)
    app.router.add_put("/api/v1/projects/{project}/settings", put_settings)
