"""A run's event stream: a late subscriber gets what is kept, then live events,
and ends at run_finished; the buffer is bounded, a slow subscriber told how
many events it missed; finished streams are kept for the last runs only."""

from __future__ import annotations

import asyncio
from typing import Any

from gls_engine.chains.run_events import RunEvents, RunEventStreams


async def collect(events: RunEvents) -> list[dict[str, Any]]:
    return [event async for event in events.subscribe()]


async def test_a_late_subscriber_gets_the_events_so_far_then_live_ones() -> None:
    events = RunEvents("r", max_events=100)
    events.publish("run_started", chain="c")
    events.publish("token", text="a")
    early = asyncio.create_task(collect(events))
    await asyncio.sleep(0)
    late_before = asyncio.create_task(collect(events))
    await asyncio.sleep(0)
    events.publish("token", text="b")
    events.publish("run_finished", status="succeeded")
    events.publish("token", text="after the end")  # ignored
    for got in (await early, await late_before, await collect(events)):
        assert [(e["type"], e["seq"]) for e in got] == [
            ("run_started", 0),
            ("token", 1),
            ("token", 2),
            ("run_finished", 3),
        ]
        assert all(e["run_id"] == "r" for e in got)


async def test_the_buffer_is_bounded_and_a_lagging_subscriber_told() -> None:
    events = RunEvents("r", max_events=3)
    for i in range(10):
        events.publish("token", text=str(i))
    assert [e["text"] for e in events.snapshot()] == ["7", "8", "9"]
    reader = events.subscribe()
    assert (await anext(reader))["text"] == "7"
    for i in range(10, 15):  # the reader falls 4 behind what is kept
        events.publish("token", text=str(i))
    lagged = await anext(reader)
    assert lagged == {"type": "lagged", "run_id": "r", "dropped": 4}
    events.publish("run_finished", status="succeeded")  # drops "12" before it is read
    rest = [e async for e in reader]
    assert rest[0] == {"type": "lagged", "run_id": "r", "dropped": 1}
    assert [e.get("text", e["type"]) for e in rest[1:]] == ["13", "14", "run_finished"]


async def test_finished_streams_are_kept_for_the_last_runs_only() -> None:
    streams = RunEventStreams(keep_finished=2)
    for run_id in ("a", "b", "c"):
        streams.open(run_id)
    live = streams.open("d")
    for run_id in ("a", "b", "c"):
        streams.closed(run_id)
    assert streams.get("a") is None
    assert streams.get("b") is not None and streams.get("c") is not None
    assert streams.get("d") is live
