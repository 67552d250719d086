"""The live WebSocket pushes new trace summaries of a project to its subscribers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import jsonschema
import orjson
import pytest
from genai_prices import Usage, calc_price

from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

SCHEMA = orjson.loads(
    (Path(__file__).resolve().parents[2] / "api" / "live-messages.schema.json").read_bytes()
)


async def _receive_until(ws, predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        msg = await ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
        jsonschema.validate(msg, SCHEMA)
        if predicate(msg):
            return msg


async def test_live_trace_summaries(studio) -> None:
    project = "live"
    async with aiohttp.ClientSession() as session:
        async with (
            session.ws_connect(f"{studio.api}/api/v1/projects/{project}/live") as ws,
            session.ws_connect(f"{studio.api}/api/v1/projects/live-other/live") as other,
        ):
            assert (await ws.receive_json(timeout=5)) == {"type": "subscribed", "project": project}
            assert (await other.receive_json(timeout=5))["type"] == "subscribed"
            tid, root = new_trace_id(), new_span_id()
            spans = [
                make_span(tid, root, name="root", status_code=2),
                make_span(
                    tid,
                    parent=root,
                    name="child",
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.request.model": "gpt-4o",
                        "gen_ai.provider.name": "openai",
                        "gen_ai.usage.input_tokens": 7,
                        "gen_ai.usage.output_tokens": 3,
                    },
                ),
                make_span(
                    tid,
                    parent=root,
                    name="unknown",
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.request.model": "no-such-model",
                        "gen_ai.usage.input_tokens": 1,
                        "gen_ai.usage.output_tokens": 1,
                    },
                ),
            ]
            loop = asyncio.get_running_loop()
            resp = await loop.run_in_executor(
                None,
                lambda: post_protobuf(
                    studio.otlp_http, make_request(spans), {"X-GLS-Project": project}
                ),
            )
            assert resp.status_code == 200
            acked = time.monotonic()
            # The design promises delivery within a second of the 2xx; the test
            # only checks that it arrives (timing is for the benches).
            msg = await _receive_until(ws, lambda m: m["type"] == "traces", timeout=30)
            print(f"live update {time.monotonic() - acked:.3f}s after the 2xx")
            assert msg["project"] == project
            [summary] = msg["traces"]
            assert summary["trace_id"] == tid.hex()
            assert summary["name"] == "root" and summary["has_root"] is True
            assert summary["span_count"] == 3 and summary["error_count"] == 1
            assert summary["total_tokens"] == 12
            # gpt-4o at its genai-prices price; the unknown model counted, not priced as 0
            at = datetime.now(UTC)
            price = calc_price(
                Usage(input_tokens=7, output_tokens=3),
                model_ref="gpt-4o",
                provider_id="openai",
                genai_request_timestamp=at,
            ).total_price
            assert summary["cost_usd"] == pytest.approx(float(price), rel=1e-9)
            assert summary["unpriced_llm_calls"] == 1
            assert summary["carbon_g"] > 0
            # The other project's subscriber got nothing.
            try:
                extra = await other.receive_json(timeout=0.5)
            except TimeoutError:
                extra = None
            assert extra is None
