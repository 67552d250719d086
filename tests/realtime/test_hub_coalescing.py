"""The hub sends a project's batches of one interval as one message, each trace
once (realtime/hub.py): the first batch after a quiet interval at once."""

from __future__ import annotations

import asyncio

import orjson

from gls_engine.metrics import Counters
from gls_engine.realtime.hub import LiveHub, merge_summaries


def _summary(trace_id: str, **fields) -> dict:
    base = {
        "trace_id": trace_id,
        "name": "",
        "service_name": "",
        "root_span_type": "",
        "has_root": False,
        "start_time_unix_nano": 100,
        "end_time_unix_nano": 200,
        "span_count": 1,
        "error_count": 0,
        "total_tokens": 10,
        "cost_usd": 0.5,
        "unpriced_llm_calls": 0,
        "carbon_g": 1.0,
    }
    return {**base, **fields}


def _stored(hub: LiveHub, generation: int, traces: list[dict]) -> None:
    """A batch summarised, as the hub's summary thread hands it back."""
    done: asyncio.Future = asyncio.get_running_loop().create_future()
    done.set_result({"p": traces})
    hub._on_summaries(generation, done)


def test_batches_within_an_interval_go_out_together_each_trace_once() -> None:
    async def go():
        hub = LiveHub(Counters(), interval_s=0.3)
        sub = hub.subscribe("p")
        _stored(hub, 1, [_summary("a" * 32, has_root=True, name="root")])
        await asyncio.sleep(0.05)
        first = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
        _stored(hub, 2, [_summary("b" * 32)])
        _stored(hub, 3, [_summary("b" * 32, span_count=2, start_time_unix_nano=50)])
        await asyncio.sleep(0.05)
        early = sub.queue.qsize()  # the interval is not over
        await asyncio.sleep(0.4)
        later = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
        hub.close()
        return first, early, later

    first, early, later = asyncio.run(go())
    assert [orjson.loads(m)["generation"] for m in first] == [1]  # at once
    assert early == 0
    assert len(later) == 1
    message = orjson.loads(later[0])
    assert message["generation"] == 3  # the newest batch's
    (trace,) = message["traces"]
    assert trace["trace_id"] == "b" * 32 and trace["span_count"] == 3
    assert trace["start_time_unix_nano"] == 50


def test_merged_summaries_add_counts_and_keep_the_root() -> None:
    a = _summary("c" * 32, span_count=2, error_count=1, end_time_unix_nano=300)
    b = _summary(
        "c" * 32, has_root=True, name="agent run", service_name="svc", root_span_type="agent"
    )
    merged = merge_summaries(a, b)
    assert merged == {
        **a,
        "name": "agent run",
        "service_name": "svc",
        "root_span_type": "agent",
        "has_root": True,
        "span_count": 3,
        "error_count": 1,
        "total_tokens": 20,
        "cost_usd": 1.0,
        "carbon_g": 2.0,
        "end_time_unix_nano": 300,
    }
    assert merge_summaries(b, a)["name"] == "agent run"
