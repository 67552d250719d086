"""The pool: at most max_concurrent runs at once, max_queued waiting, refused
past that; a run's timeout (timed_out) and cancel (cancelled), running or
queued, with the runner's trace still kept."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from chains.run_fixtures import KeptTraces, LocalProviders

from gls_engine.chains.definition import parse_chain
from gls_engine.chains.run_context import RunControl
from gls_engine.chains.run_pool import ChainRunPool, PoolSettings
from gls_engine.chains.runner import ChainRunner
from gls_engine.errors import RefusedError

from support.openai_compatible_server import OpenAICompatibleServer

SLOW = parse_chain(
    {
        "steps": [
            {
                "id": "ask",
                "type": "llm",
                "provider": "local",
                "model": "m",
                "messages": [{"role": "user", "content": "go"}],
            }
        ]
    }
)


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as s:
        s.on(content="slow " * 200, chunk_chars=5, chunk_delay_s=0.05)
        yield s


async def test_runs_are_bounded_and_past_the_queue_refused() -> None:
    pool = ChainRunPool(PoolSettings(max_concurrent=2, max_queued=3, timeout_s=30))
    running = 0
    most = 0
    release = asyncio.Event()

    async def work(control: RunControl) -> str:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1
        return control.run_id

    async def never(control: RunControl) -> None:
        raise AssertionError("no run was cancelled")

    tasks = [pool.submit(f"r{i}", work, never) for i in range(5)]
    await asyncio.sleep(0.05)
    assert (pool.running, pool.queued) == (2, 3)
    with pytest.raises(RefusedError, match="too many chain runs: 2 running, 3 queued") as refused:
        pool.submit("r5", work, never)
    assert refused.value.retry_after_s >= 1
    release.set()
    assert await asyncio.gather(*tasks) == [f"r{i}" for i in range(5)]
    assert most == 2 and (pool.running, pool.queued) == (0, 0)


async def test_a_queued_run_cancelled_never_starts() -> None:
    pool = ChainRunPool(PoolSettings(max_concurrent=1, max_queued=1, timeout_s=30))
    release = asyncio.Event()
    started: list[str] = []
    never_started: list[tuple[str, str | None]] = []

    async def work(control: RunControl) -> None:
        started.append(control.run_id)
        await release.wait()

    async def never(control: RunControl) -> None:
        never_started.append((control.run_id, control.stop_reason))

    first = pool.submit("first", work, never)
    second = pool.submit("second", work, never)
    await asyncio.sleep(0.02)
    assert pool.cancel("second") and not pool.cancel("unknown")
    await second
    release.set()
    await first
    assert started == ["first"] and never_started == [("second", "cancelled")]


async def run_in_pool(
    server: OpenAICompatibleServer, settings: PoolSettings, cancel_after_s: float | None
) -> tuple[Any, KeptTraces]:
    providers = LocalProviders(server)
    traces = KeptTraces()
    runner = ChainRunner(
        resolver=None, providers=providers, agents=None, traces=traces, figures=None
    )
    pool = ChainRunPool(settings)

    async def work(control: RunControl) -> Any:
        return await runner.run(SLOW, {}, project="p", chain_name="slow", control=control)

    async def never(control: RunControl) -> None:
        raise AssertionError("the run started")

    task = pool.submit("run-1", work, never)
    if cancel_after_s is not None:
        await asyncio.sleep(cancel_after_s)
        assert pool.cancel("run-1")
    result = await task
    await providers.close()
    return result, traces


async def test_a_run_past_its_timeout_is_timed_out_with_its_trace(server) -> None:
    result, traces = await run_in_pool(server, PoolSettings(1, 1, timeout_s=0.3), None)
    assert (result.status, result.error) == ("timed_out", "the run timed out")
    assert result.steps[0].status == "cancelled"
    assert result.steps[0].error == "the run was timed out"
    [trace] = traces.traces
    step = next(s for s in trace.spans if s.name == "chat m")
    assert step.status_code == 2 and step.ended


async def test_a_running_run_cancelled(server) -> None:
    result, traces = await run_in_pool(server, PoolSettings(1, 1, timeout_s=30), 0.3)
    assert (result.status, result.error_step) == ("cancelled", "ask")
    assert len(traces.traces) == 1
