"""Cost by the trace's chain from stored whole days (storage/day_answers.py): the
same figures as the traces themselves say, first aggregated, then reused, after a
late trace of a stored day, and after a restart.

Expected figures come from the trace list (each trace's chain, cost, tokens) over
the same window, summed here per chain.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from conftest import Studio, make_studio
from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "cost-days"
SECOND = 10**9
DAY = 86_400 * SECOND
NOW = time.time_ns() // (60 * SECOND) * 60 * SECOND
TODAY = NOW // DAY * DAY
WINDOW = {"start": str((NOW - 7 * DAY) // 10**6), "end": str((NOW + 60 * SECOND) // 10**6)}
COSTS = f"/api/v1/projects/{PROJECT}/analytics/costs"


def send_trace(studio: Studio, start_ns: int, chain: str, model: str, tokens: int) -> None:
    tid, root = new_trace_id(), new_span_id()
    spans = [
        make_span(
            tid,
            root,
            name=chain,
            start_ns=start_ns,
            duration_ns=5 * SECOND,
            attributes={"gls.chain": chain},
        ),
        make_span(
            tid,
            parent=root,
            name=f"chat {model}",
            start_ns=start_ns + SECOND,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": tokens,
                "gen_ai.usage.output_tokens": tokens // 10,
            },
        ),
    ]
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": PROJECT})
    assert resp.status_code == 200, resp.text


def reused(studio: Studio) -> float:
    text = requests.get(f"{studio.api}/metrics", timeout=30).text
    found = re.search(r'^gls_day_answers_reused\{kind="cost_by_chain"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def expected_by_chain(studio: Studio) -> dict[str, dict[str, float]]:
    listed = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces", **WINDOW, limit="1000")
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for t in listed["traces"]:
        chain = out[t["chain"]]
        chain["executions"] += 1
        chain["cost_usd"] += t["cost"]["total_usd"]
        chain["total_tokens"] += t["total_tokens"]
    return {k: dict(v) for k, v in out.items()}


def by_chain(body: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {
        c["chain"]: {k: c[k] for k in ("executions", "cost_usd", "total_tokens")}
        for c in body["by_chain"]
    }


def assert_close(got: dict[str, dict[str, float]], want: dict[str, dict[str, float]]) -> None:
    assert got.keys() == want.keys()
    for chain, figures in want.items():
        for key, value in figures.items():
            assert math.isclose(got[chain][key], value, rel_tol=1e-9), (chain, key)


def assert_same_groups(got: dict[str, Any], want: dict[str, Any]) -> None:
    """The same chains' series, step by step (sums to 1e-9: added in another order)."""
    assert [g["group"] for g in got["groups"]] == [g["group"] for g in want["groups"]]
    for g, w in zip(got["groups"], want["groups"], strict=True):
        assert [p["t"] for p in g["series"]] == [p["t"] for p in w["series"]]
        for p, q in zip(g["series"], w["series"], strict=True):
            for key, value in q.items():
                if isinstance(value, float):
                    assert math.isclose(p[key], value, rel_tol=1e-9, abs_tol=1e-15), key
                else:
                    assert p[key] == value, key


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    s = make_studio(tmp_path_factory.mktemp("cost-days")).start()
    for days_ago in range(1, 6):
        day = TODAY - days_ago * DAY
        for i, (chain, model) in enumerate(
            (("qa", "gpt-4o"), ("qa", "gpt-4o-mini"), ("rag", "gpt-4o"))
        ):
            send_trace(s, day + (8 + i) * 3600 * SECOND, chain, model, 1000 * days_ago + 10 * i)
    send_trace(s, NOW - 300 * SECOND, "rag", "gpt-4o-mini", 500)
    yield s
    s.stop()


def test_by_chain_and_its_series_equal_the_traces_then_are_reused(studio):
    want = expected_by_chain(studio)
    assert want["qa"]["executions"] == 10 and want["rag"]["executions"] == 6
    first = checked_get(studio.api, COSTS, **WINDOW, group_by="chain", step="3600")
    assert_close(by_chain(first), want)
    # the series adds up to the chain's figure
    for group in first["groups"]:
        total = sum(point["cost_usd"] for point in group["series"])
        assert math.isclose(total, want[group["group"]]["cost_usd"], rel_tol=1e-9)

    before = reused(studio)
    again = checked_get(studio.api, COSTS, **WINDOW, group_by="chain", step="3600")
    assert_same_groups(again, first)
    assert_close(by_chain(again), by_chain(first))
    assert reused(studio) - before >= 5
    # without a series: another stored answer, the same figures
    plain = checked_get(studio.api, COSTS, **WINDOW)
    assert_close(by_chain(plain), want)


def test_a_late_trace_of_a_stored_day_is_counted(studio):
    checked_get(studio.api, COSTS, **WINDOW)  # stored
    send_trace(studio, TODAY - 3 * DAY + 15 * 3600 * SECOND, "summarise", "gpt-4o", 2000)
    want = expected_by_chain(studio)
    assert want["summarise"]["executions"] == 1
    assert_close(by_chain(checked_get(studio.api, COSTS, **WINDOW)), want)


def test_stored_days_are_read_back_after_a_restart(studio):
    before = checked_get(studio.api, COSTS, **WINDOW, group_by="chain", step="3600")
    studio.stop()
    studio.start()
    count = reused(studio)
    after = checked_get(studio.api, COSTS, **WINDOW, group_by="chain", step="3600")
    assert_close(by_chain(after), by_chain(before))
    assert_same_groups(after, before)
    assert reused(studio) - count >= 5
