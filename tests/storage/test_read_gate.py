"""The read gate (storage/read_gate.py): identical reads share one execution,
answers are reused only while as fresh as the request accepts, a full queue
refuses at once, and a failure or a caller going away harms nobody else."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from gls_engine.errors import RefusedError
from gls_engine.metrics import Counters
from gls_engine.shared_answers import (
    MAX_AGE_LIMIT_S,
    READ_FRESHNESS,
    Freshness,
    freshness_from_headers,
)
from gls_engine.storage.read_gate import ReadGate


class Engine:
    """Runs 'queries' on the pool: counts executions, can hold them until released."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = threading.Event()
        self.release.set()
        self.fail: Exception | None = None
        self.lock = threading.Lock()

    def __call__(self, sql: str, params: dict, fmt: str = "JSONEachRow") -> bytes:
        with self.lock:
            self.runs += 1
            run = self.runs
        self.release.wait(10)
        if self.fail is not None:
            raise self.fail
        return f'{{"sql": "{sql}", "run": {run}}}\n'.encode()


@pytest.fixture()
def pool():
    with concurrent.futures.ThreadPoolExecutor(2) as p:
        yield p


def test_identical_reads_at_once_share_one_execution(pool) -> None:
    async def go():
        gate, engine = ReadGate(pool, Counters(), 64), Engine()
        engine.release.clear()
        reads = [asyncio.create_task(gate.read("q", {"a": 1}, engine)) for _ in range(20)]
        other = asyncio.create_task(gate.read("q", {"a": 2}, engine))
        await asyncio.sleep(0.05)
        engine.release.set()
        answers = await asyncio.gather(*reads)
        await other
        return engine.runs, answers

    runs, answers = asyncio.run(go())
    assert runs == 2  # one per distinct (sql, params)
    assert len(set(answers)) == 1


def test_by_default_an_answer_is_reused_only_until_the_next_write(pool) -> None:
    async def go():
        gate, engine = ReadGate(pool, Counters(), 64), Engine()
        first = await gate.read("q", {}, engine)
        again = await gate.read("q", {}, engine)
        gate.wrote()
        after_write = await gate.read("q", {}, engine)
        return engine.runs, first, again, after_write

    runs, first, again, after_write = asyncio.run(go())
    assert again == first
    assert after_write != first and runs == 2


def test_a_write_while_a_read_runs_is_not_missed_by_later_callers(pool) -> None:
    """A read that started before a write cannot show it: a caller arriving after
    the write (a client whose ingest was acknowledged) gets a new execution."""

    async def go():
        gate, engine = ReadGate(pool, Counters(), 64), Engine()
        engine.release.clear()
        early = asyncio.create_task(gate.read("q", {}, engine))
        await asyncio.sleep(0.05)
        gate.wrote()
        late = asyncio.create_task(gate.read("q", {}, engine))
        await asyncio.sleep(0.05)
        engine.release.set()
        return engine.runs, await early, await late

    runs, early, late = asyncio.run(go())
    assert runs == 2 and early != late


def test_a_request_accepting_older_answers_reuses_them_within_its_bounds(pool) -> None:
    async def go():
        gate, engine = ReadGate(pool, Counters(), 64), Engine()
        first = await gate.read("q", {}, engine)
        generation_of_first = gate.generation
        gate.wrote()
        gate.wrote()
        READ_FRESHNESS.set(Freshness(max_age_s=5, min_generation=generation_of_first))
        reused = await gate.read("q", {}, engine)
        READ_FRESHNESS.set(Freshness(max_age_s=5, min_generation=gate.generation))
        newer = await gate.read("q", {}, engine)  # asks for the writes since
        READ_FRESHNESS.set(Freshness(max_age_s=0, min_generation=0))
        await asyncio.sleep(0.01)
        too_old = await gate.read("q", {}, engine)
        return engine.runs, first, reused, newer, too_old

    runs, first, reused, newer, too_old = asyncio.run(go())
    assert reused == first
    assert newer != first and too_old != newer and runs == 3


def test_a_full_queue_refuses_at_once_and_counts_it(pool) -> None:
    async def go():
        counters = Counters()
        gate, engine = ReadGate(pool, counters, max_queued=3), Engine()
        engine.release.clear()
        running = [asyncio.create_task(gate.read(f"q{i}", {}, engine)) for i in range(2)]
        await asyncio.sleep(0.1)  # these 2 run on the pool's 2 threads
        running += [asyncio.create_task(gate.read(f"q{i}", {}, engine)) for i in range(2, 5)]
        await asyncio.sleep(0.1)  # these 3 wait
        with pytest.raises(RefusedError) as refused:
            await gate.read("q-new", {}, engine)
        # the same read as a waiting one joins it: it adds nothing to the queue
        joined = asyncio.create_task(gate.read("q4", {}, engine))
        # the Studio's own reads (status, retention) are never refused
        own = asyncio.create_task(gate.read("q-own", {}, engine, refusable=False))
        engine.release.set()
        await asyncio.gather(*running, joined, own)
        after = await gate.read("q-new", {}, engine)  # room again
        return refused.value, counters.snapshot(), after, own.result()

    refused, counts, after, own = asyncio.run(go())
    assert b"q-own" in own
    assert refused.retry_after_s == 1 and "3 reads waiting" in str(refused)
    assert counts["reads_refused"] == 1 and counts["reads_shared"] >= 1
    assert b"q-new" in after


def test_a_failed_read_fails_its_joiners_and_is_not_kept(pool) -> None:
    async def go():
        gate, engine = ReadGate(pool, Counters(), 64), Engine()
        engine.release.clear()
        engine.fail = RuntimeError("disk on fire")
        reads = [asyncio.create_task(gate.read("q", {}, engine)) for _ in range(3)]
        await asyncio.sleep(0.05)
        engine.release.set()
        results = await asyncio.gather(*reads, return_exceptions=True)
        engine.fail = None
        later = await gate.read("q", {}, engine)
        return engine.runs, results, later

    runs, results, later = asyncio.run(go())
    assert all(isinstance(r, RuntimeError) for r in results)
    assert runs == 2 and b'"run": 2' in later


def test_a_caller_going_away_does_not_cancel_the_read_for_the_others(pool) -> None:
    async def go():
        gate, engine = ReadGate(pool, Counters(), 64), Engine()
        engine.release.clear()
        leaver = asyncio.create_task(gate.read("q", {}, engine))
        stayer = asyncio.create_task(gate.read("q", {}, engine))
        await asyncio.sleep(0.05)
        leaver.cancel()
        engine.release.set()
        return engine.runs, await stayer, leaver

    runs, answer, leaver = asyncio.run(go())
    assert runs == 1 and b'"run": 1' in answer and leaver.cancelled()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Cache-Control": "max-age=2"}, Freshness(2.0, 0)),
        (
            {"Cache-Control": "no-cache, max-age=3", "X-GLS-Min-Generation": "17"},
            Freshness(3.0, 17),
        ),
        ({"Cache-Control": "max-age=3600"}, Freshness(MAX_AGE_LIMIT_S, 0)),
        ({"Cache-Control": "max-age=soon"}, None),
        ({"Cache-Control": "max-age=-1"}, None),
        ({"Cache-Control": "max-age=2", "X-GLS-Min-Generation": "x"}, None),
        ({"X-GLS-Min-Generation": "5"}, None),
    ],
)
def test_freshness_read_from_headers(headers, expected) -> None:
    assert freshness_from_headers(headers) == expected


def test_an_acknowledged_span_is_read_back_at_once_under_repeated_identical_reads(studio) -> None:
    """Through a real Studio: the same list read again and again (answers shared
    and reused) still shows each trace as soon as its export was acknowledged."""
    project = "read-gate"
    url = f"{studio.api}/api/v1/projects/{project}/traces"
    now_ms = int(time.time() * 1000)
    window = {"start": str(now_ms - 3_600_000), "end": str(now_ms + 3_600_000), "limit": "500"}
    provider = TracerProvider()
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
    # the simple processor exports as each span ends and waits for the Studio's answer,
    # which comes once the span is stored
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("read-gate-test")
    stop = threading.Event()

    def hammer() -> None:  # the same read, over and over, meanwhile
        while not stop.is_set():
            requests.get(url, params=window, timeout=30)

    readers = [threading.Thread(target=hammer) for _ in range(3)]
    for r in readers:
        r.start()
    try:
        for i in range(8):
            with tracer.start_as_current_span(f"step {i}") as span:
                trace_id = format(span.get_span_context().trace_id, "032x")
            listed = requests.get(url, params=window, timeout=30).json()["traces"]
            assert trace_id in {t["trace_id"] for t in listed}, f"trace {i} not read back"
    finally:
        stop.set()
        for r in readers:
            r.join()
        provider.shutdown()
    counters = requests.get(f"{studio.api}/api/v1/status", timeout=30).json()["counters"]
    assert counters.get("reads_shared", 0) > 0  # the hammering did share reads
