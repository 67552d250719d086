"""The memory limiter: purges above one threshold, refuses above the other while
spans are pending, and a Studio over its limit answers 429 with Retry-After and
loses nothing it acknowledged."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import requests

from gls_engine.ingest.memory_limiter import MIB, MemoryLimiter, rss_bytes
from gls_engine.metrics import Counters

from conftest import make_studio
from otlp_helpers import api_get, make_request, make_span, new_trace_id, post_protobuf


def _limiter(readings: list[int], limit_mib=100, purge_mib=50, pending=None):
    purges: list[float] = []

    async def purge() -> None:
        purges.append(time.monotonic())

    values = iter(readings)
    limiter = MemoryLimiter(
        limit_mib,
        purge_mib,
        10,
        Counters(),
        purge,
        (lambda: pending[0]) if pending else (lambda: 0),
        lambda: next(values),
    )
    return limiter, purges


def test_rss_is_read_from_proc() -> None:
    assert rss_bytes() > 10 * MIB


def test_below_both_thresholds_nothing_happens() -> None:
    limiter, purges = _limiter([10 * MIB])
    asyncio.run(limiter.check())
    assert purges == [] and not limiter.over_limit
    assert not limiter.refuses(pending_spans=1000)


def test_a_purge_that_brings_memory_under_the_limit_avoids_refusing() -> None:
    limiter, purges = _limiter([120 * MIB, 80 * MIB])  # before and after the purge
    asyncio.run(limiter.check())
    assert len(purges) == 1
    assert not limiter.over_limit and limiter.last_rss == 80 * MIB


def test_over_the_limit_refuses_only_while_spans_are_pending() -> None:
    limiter, purges = _limiter([150 * MIB, 140 * MIB, 60 * MIB])
    asyncio.run(limiter.check())
    assert len(purges) == 1 and limiter.over_limit
    assert limiter.refuses(pending_spans=500)
    # Nothing pending: refusing would not free anything, so data is admitted.
    assert not limiter.refuses(pending_spans=0)
    asyncio.run(limiter.check())  # 60 MiB: under the limit (no purge: it fell by itself)
    assert len(purges) == 1 and limiter.last_rss == 60 * MIB
    assert not limiter.over_limit and not limiter.refuses(pending_spans=500)


def test_a_purge_that_did_not_help_is_not_repeated_until_memory_grows() -> None:
    # Idle after a large ingest: caches keep the RSS above the purge mark.
    limiter, purges = _limiter([70 * MIB, 68 * MIB, 69 * MIB, 68 * MIB, 140 * MIB, 60 * MIB])
    asyncio.run(limiter.check())  # 70 -> purge -> 68: still above
    asyncio.run(limiter.check())  # 69: no purge (no growth, within the back-off)
    asyncio.run(limiter.check())  # 68: none either
    assert len(purges) == 1
    asyncio.run(limiter.check())  # 140: grew by more than 64 MiB -> purge -> 60
    assert len(purges) == 2 and limiter.last_rss == 60 * MIB


def test_under_load_every_check_purges() -> None:
    pending = [500]
    limiter, purges = _limiter([70 * MIB, 68 * MIB, 69 * MIB, 68 * MIB], pending=pending)
    asyncio.run(limiter.check())
    asyncio.run(limiter.check())
    assert len(purges) == 2


def test_zero_turns_the_limiter_off() -> None:
    limiter, _ = _limiter([], limit_mib=0, purge_mib=0)
    assert not limiter.enabled


def test_a_studio_over_its_memory_limit_answers_429_and_stores_what_it_acknowledged(
    tmp_path,
) -> None:
    # A 1 MiB limit: the Studio is always over it. The first request is admitted
    # (nothing pending) and waits 2 s for its batch; requests arriving meanwhile
    # are refused with Retry-After, and stored once retried.
    studio = make_studio(
        tmp_path,
        "--memory-limit-mib",
        "1",
        "--memory-check-interval-ms",
        "20",
        "--batch-max-wait-ms",
        "2000",
        "--no-batch-commit-when-idle",
        "--retry-after-s",
        "1",
    ).start()
    try:
        bodies = [
            make_request([make_span(new_trace_id()) for _ in range(50)]).SerializeToString()
            for _ in range(3)
        ]

        def send(body: bytes, delay: float) -> requests.Response:
            time.sleep(delay)
            return post_protobuf(studio.otlp_http, body, {"X-GLS-Project": "memory"})

        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            first = pool.submit(send, bodies[0], 0)
            later = [pool.submit(send, b, 0.5) for b in bodies[1:]]
            responses = [first.result(), *(f.result() for f in later)]
        assert responses[0].status_code == 200
        for r in responses[1:]:
            assert r.status_code == 429, r.status_code
            assert r.headers["Retry-After"] == "1"
        status = api_get(studio.api, "/api/v1/status")
        assert status["memory"]["refusing"] is True
        assert status["memory"]["limit_bytes"] == MIB
        # The exporter's retry, with nothing pending any more, is admitted.
        for body in bodies[1:]:
            assert send(body, 0).status_code == 200
        traces = api_get(studio.api, "/api/v1/projects/memory/traces", limit=1000)["traces"]
        assert len(traces) == 150
    finally:
        studio.stop()
