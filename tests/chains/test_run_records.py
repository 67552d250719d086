"""Chain run records on SQLite and a real PostgreSQL: created queued, made
running, written whole at the end; listed newest first by chain and source
in pages; runs a stopped Studio left unfinished failed at start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from metadata.metadata_backends import metadata_url  # noqa: F401

from gls_engine.chains.run_context import RunResult, StepRecord, now_utc
from gls_engine.chains.run_records import ChainRunRecords, new_run_id
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.metadata.store import MetadataStore


@pytest.fixture
async def records(metadata_url: str) -> AsyncIterator[ChainRunRecords]:  # noqa: F811
    store = MetadataStore(metadata_url)
    await store.open()
    yield ChainRunRecords(store)
    await store.close()


async def create(records: ChainRunRecords, project: str = "p", **kw: object) -> str:
    run_id = new_run_id()
    await records.create(
        project,
        run_id,
        chain_name=kw.get("chain"),  # type: ignore[arg-type]
        chain_version=kw.get("version"),  # type: ignore[arg-type]
        definition=kw.get("definition"),  # type: ignore[arg-type]
        source=str(kw.get("source", "api")),
        inputs={"question": "q"},
        environment="gls-playground",
    )
    return run_id


async def test_a_run_from_queued_to_its_end(records: ChainRunRecords) -> None:
    run_id = await create(records, definition={"steps": []})
    queued = await records.get("p", run_id)
    assert queued["status"] == "queued" and queued["steps"] == [] and queued["chain"] is None
    assert queued["definition"] == {"steps": []}
    started = now_utc()
    await records.mark_running(run_id, started)
    assert (await records.get("p", run_id))["status"] == "running"
    step = StepRecord("ask", "more/ask", "llm", status="succeeded", span_id="ab" * 8)
    step.cost_usd, step.input_tokens, step.carbon_g = 0.002, 12, 0.5
    other = StepRecord("t", "t", "transform", status="succeeded", cost_usd=0.001)
    await records.finish(
        RunResult(
            run_id=run_id,
            status="failed",
            output=None,
            error="it broke",
            error_step="/".join(["deep"] * 20),
            steps=[step, other],
            logs=[{"level": "info", "message": "hi", "step": None, "time_ms": 1.0}],
            trace_id="cd" * 16,
            trace_stored=True,
            started_at=started,
            ended_at=started + timedelta(milliseconds=250),
            totals={},
        )
    )
    ended = await records.get("p", run_id)
    assert (ended["status"], ended["error"], ended["trace_id"]) == ("failed", "it broke", "cd" * 16)
    assert ended["error_step"] == ("/".join(["deep"] * 20))[-64:]
    assert ended["steps"][0]["path"] == "more/ask" and ended["logs"][0]["message"] == "hi"
    assert ended["latency_ms"] == 250.0
    assert ended["totals"]["cost_usd"] == pytest.approx(0.003)
    assert ended["totals"]["input_tokens"] == 12 and ended["totals"]["energy_wh"] is None
    with pytest.raises(NotFoundError):
        await records.get("other-project", run_id)
    # a cancel that lost the race with the run's end leaves the end as it was
    await records.finish_unstarted(run_id, "cancelled", "the run was cancelled")
    assert (await records.get("p", run_id))["status"] == "failed"
    queued_id = await create(records)
    await records.finish_unstarted(queued_id, "cancelled", "the run was cancelled")
    assert (await records.get("p", queued_id))["status"] == "cancelled"


async def test_listing_by_chain_and_source_in_pages(records: ChainRunRecords) -> None:
    ids = []
    for i in range(5):
        ids.append(await create(records, chain="c" if i % 2 else "d", source="playground"))
        await asyncio.sleep(0.002)  # distinct creation times
    await create(records, chain="c", source="experiment")
    await create(records, project="q", chain="c", source="playground")
    page = await records.list("p", source="playground", limit=2)
    assert [r["id"] for r in page["runs"]] == [ids[4], ids[3]]
    assert "logs" not in page["runs"][0]
    rest = await records.list("p", source="playground", limit=2, cursor=page["next_cursor"])
    last = await records.list("p", source="playground", limit=2, cursor=rest["next_cursor"])
    assert [r["id"] for r in rest["runs"] + last["runs"]] == [ids[2], ids[1], ids[0]]
    assert last["next_cursor"] is None
    by_chain = await records.list("p", chain="c", source="playground")
    assert [r["id"] for r in by_chain["runs"]] == [ids[3], ids[1]]
    with pytest.raises(InvalidParameterError, match="cursor is not valid"):
        await records.list("p", cursor="bm90IGEgY3Vyc29y")


async def test_runs_left_unfinished_are_failed_at_start(records: ChainRunRecords) -> None:
    queued = await create(records)
    running = await create(records)
    await records.mark_running(running, now_utc())
    assert await records.abandon_unfinished() == 2
    for run_id in (queued, running):
        run = await records.get("p", run_id)
        assert run["status"] == "failed"
        assert run["error"] == "the Studio stopped before the run ended"
