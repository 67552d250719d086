"""How fresh an answer an API request accepts, from its headers, for the reads
it makes (storage/read_gate.py): the standard `Cache-Control: max-age=N`, and
`X-GLS-Min-Generation` (a live update's generation). Without them an answer
is as new as the last write, as it always was.

API answers say `Cache-Control: no-store`: the browser's own cache would reuse
an answer for a request that accepts `max-age` without looking at the minimum
generation it also asks for (a refresh after a live update would miss it); the
Studio shares answers itself, by both rules (shared_answers.py)."""

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
    response = await handler(request)
    if request.path.startswith("/api/") and not response.prepared:
        response.headers.setdefault("Cache-Control", "no-store")
    return response
