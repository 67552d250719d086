"""Whole API answers shared by identical requests that accept older answers.

The read gate shares the queries; with a thousand people on one page, turning
the same rows into the same JSON a thousand times was then most of the event
loop's time. A JSON read handler marked `@shared_response` (its answer depends
only on its URL and the stored spans) gives every identical request that
accepts it (`Cache-Control: max-age`, `X-GLS-Min-Generation`: the web UI's
reads) the same bytes:

- a request joins a running computation only if what the first asker accepts
  is at least as fresh as what it needs itself;
- a finished answer counts as old as the oldest data it was built from (the
  read gate notes each shared query answer used, READ_PROVENANCE), and is
  reused under the same rules as any shared answer (shared_answers.py).

Requests that say nothing about freshness (API clients, the SDK) are never
answered from here: they see every acknowledged span at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from gls_engine.metrics import Counters
from gls_engine.shared_answers import (
    READ_FRESHNESS,
    READ_PROVENANCE,
    Answer,
    Freshness,
    SharedAnswers,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BYTES = 64 << 20
MAX_ENTRY_BYTES = 4 << 20


@dataclass(frozen=True)
class _Rendered:
    status: int
    body: bytes
    content_type: str


class SharedResponses:
    def __init__(self, generation: Callable[[], int], counters: Counters | None = None) -> None:
        self._generation = generation
        self._counters = counters
        self._answers: SharedAnswers[_Rendered] = SharedAnswers(
            lambda r: len(r.body), MAX_BYTES, MAX_ENTRY_BYTES
        )

    async def respond(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        wants = READ_FRESHNESS.get()
        if wants is None or request.method != "GET":
            return await handler(request)
        key = request.path_qs
        known = self._answers.usable(key, self._generation())
        if known is not None and _joinable(known, wants):
            self._count("responses_shared")
            return _response(await asyncio.shield(known.future))
        answer = self._answers.begin(key, self._generation())
        answer.accepts = wants
        answer.future = asyncio.ensure_future(self._render(handler, request, answer))
        self._answers.track(key, answer)
        return _response(await asyncio.shield(answer.future))

    async def _render(
        self, handler: Handler, request: web.Request, answer: Answer[_Rendered]
    ) -> _Rendered:
        provenance: list[tuple[int, float]] = []
        READ_PROVENANCE.set(provenance)  # this task's own context
        response = await handler(request)
        if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            raise TypeError(f"{request.path}: a shared response must be a web.Response of bytes")
        # as old as the oldest answer it was built from
        for generation, started in provenance:
            answer.generation = min(answer.generation, generation)
            answer.started = min(answer.started, started)
        return _Rendered(response.status, response.body, response.content_type)

    def _count(self, name: str) -> None:
        if self._counters is not None:
            self._counters.add(name, 1)


def _joinable(answer: Answer[_Rendered], wants: Freshness) -> bool:
    if answer.future.done():
        return True  # its generation and start are its data's (set by _render)
    first = answer.accepts
    return (
        first is not None
        and first.max_age_s <= wants.max_age_s
        and first.min_generation >= wants.min_generation
    )


def _response(rendered: _Rendered) -> web.Response:
    return web.Response(
        status=rendered.status, body=rendered.body, content_type=rendered.content_type
    )


SHARED_RESPONSES_KEY = web.AppKey("shared_responses", SharedResponses)


def shared_response(handler: Handler) -> Handler:
    """Marks a JSON read handler whose answer depends only on its URL and the
    stored data (not on headers, cookies or settings)."""

    @functools.wraps(handler)
    async def shared(request: web.Request) -> web.StreamResponse:
        responses = request.app.get(SHARED_RESPONSES_KEY)
        if responses is None:
            return await handler(request)
        return await responses.respond(request, handler)

    return shared
