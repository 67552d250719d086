"""The Studio's own traces as an application resource: a submitter on the
ingest pipeline, made once the pipeline runs (and gone before it drains)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from gls_engine.ingest.http_receiver import PIPELINE_KEY
from gls_engine.self_traces.submitter import SelfTraceSubmitter

SELF_TRACES_KEY = web.AppKey("self_traces", SelfTraceSubmitter)


async def self_traces_context(app: web.Application) -> AsyncIterator[None]:
    app[SELF_TRACES_KEY] = SelfTraceSubmitter(app[PIPELINE_KEY])
    yield
