"""How fresh an answer an API request accepts, from its headers, for the reads
it makes (storage/read_gate.py): the standard `Cache-Control: max-age=N`, and
`X-GLS-Min-Generation` (a live update's generation). Without them an answer
is as new as the last write, as it always was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gls_engine.shared_answers import READ_FRESHNESS, freshness_from_headers


@web.middleware
async def read_freshness(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    # each request runs in its own task, so the value is this request's alone
    READ_FRESHNESS.set(freshness_from_headers(request.headers))
    return await handler(request)
