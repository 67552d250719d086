"""Whole API answers shared by identical requests that accept older answers
(shared_responses.py), on a real aiohttp server in this process: who shares,
who never does, and how old a shared answer counts."""

from __future__ import annotations

import asyncio
import concurrent.futures

import aiohttp
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer

from gls_engine.api_errors import json_errors
from gls_engine.errors import InvalidParameterError
from gls_engine.metrics import Counters
from gls_engine.read_freshness import read_freshness
from gls_engine.shared_responses import SHARED_RESPONSES_KEY, SharedResponses, shared_response
from gls_engine.storage.read_gate import ReadGate

UI = {"Cache-Control": "max-age=5", "X-GLS-Min-Generation": "0"}


class World:
    """A server whose one handler counts its runs and waits to be released; it
    reads through a real read gate whose write generation the test moves."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.release.set()
        self.counters = Counters()
        self.pool = concurrent.futures.ThreadPoolExecutor(2)
        self.gate = ReadGate(self.pool, self.counters, 64)
        self.app = web.Application(middlewares=[json_errors, read_freshness])
        self.app[SHARED_RESPONSES_KEY] = SharedResponses(
            lambda: self.gate.generation, self.counters
        )
        self.app.router.add_get("/x", shared_response(self.handler))

    async def handler(self, request: web.Request) -> web.Response:
        self.runs += 1
        run = self.runs
        rows = await self.gate.read(
            "q", {}, lambda sql, params, fmt: str(self.gate.generation).encode()
        )
        await self.release.wait()
        if request.query.get("bad"):
            raise InvalidParameterError("bad is bad")
        return web.json_response({"run": run, "data_generation": int(rows)})


async def _serve(world: World):
    server = TestServer(world.app)
    await server.start_server()
    return server


async def _get(session, server, headers=None, path="/x"):
    async with session.get(server.make_url(path), headers=headers or {}) as resp:
        return resp.status, await resp.text()


def test_identical_ui_requests_share_one_answer_and_api_clients_never_do() -> None:
    async def go():
        world = World()
        server = await _serve(world)
        async with aiohttp.ClientSession() as session:
            world.release.clear()
            ui = [asyncio.create_task(_get(session, server, UI)) for _ in range(8)]
            await asyncio.sleep(0.1)
            world.release.set()
            ui_answers = await asyncio.gather(*ui)
            api_answers = [await _get(session, server) for _ in range(3)]
        await server.close()
        world.pool.shutdown()
        return world, ui_answers, api_answers

    world, ui_answers, api_answers = asyncio.run(go())
    assert {a for a in ui_answers} == {(200, '{"run": 1, "data_generation": 0}')}
    assert [a[1] for a in api_answers] == [
        '{"run": 2, "data_generation": 0}',
        '{"run": 3, "data_generation": 0}',
        '{"run": 4, "data_generation": 0}',
    ]
    assert world.counters.snapshot()["responses_shared"] == 7


def test_a_request_needing_newer_data_does_not_join_a_laxer_one() -> None:
    async def go():
        world = World()
        server = await _serve(world)
        async with aiohttp.ClientSession() as session:
            # a query answer of generation 0, then a batch stored as generation 1
            await world.gate.read("q", {}, lambda sql, params, fmt: b"0")
            world.gate.wrote()
            world.release.clear()
            # running, started at generation 1 but from the generation-0 query answer
            lax = asyncio.create_task(_get(session, server, UI))
            await asyncio.sleep(0.1)
            strict = asyncio.create_task(
                _get(session, server, {"Cache-Control": "max-age=5", "X-GLS-Min-Generation": "1"})
            )
            await asyncio.sleep(0.1)
            world.release.set()
            answers = await asyncio.gather(lax, strict)
        await server.close()
        world.pool.shutdown()
        return answers

    lax, strict = asyncio.run(go())
    assert lax[1] == '{"run": 1, "data_generation": 0}'
    assert strict[1] == '{"run": 2, "data_generation": 1}'


def test_an_answer_built_from_older_query_answers_counts_as_old_as_they_are() -> None:
    """The query answer of generation 0 is reused by a lax request after a write:
    the response it makes is of generation 0, so a request needing generation 1
    is not given it, though the response itself was made after the write."""

    async def go():
        world = World()
        server = await _serve(world)
        async with aiohttp.ClientSession() as session:
            # the query answered at generation 0, through an exact read of another page
            await world.gate.read("q", {}, lambda sql, params, fmt: b"0")
            world.gate.wrote()
            first = await _get(session, server, UI)  # reuses the gen-0 query answer
            needs_new = await _get(
                session, server, {"Cache-Control": "max-age=5", "X-GLS-Min-Generation": "1"}
            )
        await server.close()
        world.pool.shutdown()
        return first, needs_new

    first, needs_new = asyncio.run(go())
    assert first[1] == '{"run": 1, "data_generation": 0}'
    assert needs_new[1] == '{"run": 2, "data_generation": 1}'


def test_errors_are_shared_by_the_waiting_but_never_kept() -> None:
    async def go():
        world = World()
        server = await _serve(world)
        async with aiohttp.ClientSession() as session:
            world.release.clear()
            bad = [asyncio.create_task(_get(session, server, UI, "/x?bad=1")) for _ in range(3)]
            await asyncio.sleep(0.1)
            world.release.set()
            answers = await asyncio.gather(*bad)
            again = await _get(session, server, UI, "/x?bad=1")
        await server.close()
        world.pool.shutdown()
        return world.runs, answers, again

    runs, answers, again = asyncio.run(go())
    assert all(status == 400 for status, _ in answers) and again[0] == 400
    assert runs == 2  # the three waiting shared one run; the later one ran again


@pytest.mark.parametrize("path", ["/api/v1/projects/shared/traces", "/api/v1/projects"])
def test_the_studio_shares_ui_reads(studio, path) -> None:
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        bodies = list(
            pool.map(
                lambda _: requests.get(f"{studio.api}{path}", headers=UI, timeout=30).text,
                range(12),
            )
        )
    assert len(set(bodies)) == 1
    counters = requests.get(f"{studio.api}/api/v1/status", timeout=30).json()["counters"]
    assert counters.get("responses_shared", 0) > 0


def test_api_answers_are_not_kept_by_the_browser(studio) -> None:
    """The browser's cache would ignore the minimum generation a read asks for."""
    resp = requests.get(f"{studio.api}/api/v1/projects/shared/traces", headers=UI, timeout=30)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
