"""Facets from stored whole days (storage/day_answers.py) equal the facets aggregated
whole, through every way a stored day can go stale: a late trace of a past day,
a late span of a trace that crossed midnight, a restart (answers read back from
ClickHouse).

The aggregated answer is the same request with a filter every trace passes
(min_duration_ms=0), which takes the other path (facets.py `_filtered`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from conftest import Studio, make_studio
from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "facet-days"
BASE = f"/api/v1/projects/{PROJECT}/traces/facets"
SECOND = 10**9
DAY = 86_400 * SECOND
NOW = time.time_ns()
TODAY = NOW // DAY * DAY
# The window: 7 days back from a minute ahead, so five whole days lie inside it.
WINDOW = {"start": str((NOW - 7 * DAY) // 10**6), "end": str((NOW + 60 * SECOND) // 10**6)}


def send_trace(
    studio: Studio,
    start_ns: int,
    env: str,
    user: str,
    model: str | None,
    error: bool = False,
    trace_id: bytes | None = None,
    root: bool = True,
) -> bytes:
    """A root span (or, with root=False, one more child of `trace_id`) and an LLM child."""
    tid = trace_id or new_trace_id()
    root_id = new_span_id()
    spans = []
    if root:
        spans.append(
            make_span(
                tid,
                root_id,
                name="answer",
                start_ns=start_ns,
                duration_ns=20 * SECOND,
                attributes={"user.id": user, "gls.chain": "qa"},
                status_code=2 if error else 0,
            )
        )
    if model:
        spans.append(
            make_span(
                tid,
                parent=root_id if root else new_span_id(),
                name=f"chat {model}",
                start_ns=start_ns + SECOND,
                attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": model},
            )
        )
    resource = {"service.name": "svc", "deployment.environment.name": env}
    resp = post_protobuf(
        studio.otlp_http, make_request(spans, resource), {"X-GLS-Project": PROJECT}
    )
    assert resp.status_code == 200, resp.text
    return tid


def counter(studio: Studio, name: str) -> float:
    text = requests.get(f"{studio.api}/metrics", timeout=30).text
    found = re.search(rf'^gls_{name}\{{kind="facets"\}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def both_ways(studio: Studio) -> tuple[dict[str, Any], dict[str, Any]]:
    by_days = checked_get(studio.api, BASE, **WINDOW)
    aggregated = checked_get(studio.api, BASE, **WINDOW, min_duration_ms="0")
    return by_days, aggregated


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {f["value"]: f["count"] for f in items}


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    s = make_studio(tmp_path_factory.mktemp("facet-days")).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sent(studio: Studio) -> dict[str, bytes]:
    """Two traces a day over five past days and today; one crossing midnight."""
    for days_ago in range(1, 6):
        day = TODAY - days_ago * DAY
        send_trace(studio, day + 6 * 3600 * SECOND, "prod", f"user{days_ago}", "gpt-4o")
        send_trace(studio, day + 7 * 3600 * SECOND, "dev", "alice", None, error=days_ago == 2)
    send_trace(studio, NOW - 120 * SECOND, "prod", "alice", "gpt-4o-mini")
    # root at 23:59:50 three days ago; a child 20 s later, past midnight
    midnight = TODAY - 2 * DAY
    crossing = send_trace(studio, midnight - 10 * SECOND, "prod", "bob", "gpt-4o")
    send_trace(studio, midnight + 10 * SECOND, "prod", "", "claude", trace_id=crossing, root=False)
    return {"crossing": crossing}


def test_whole_days_are_stored_then_reused_and_equal_the_aggregate(studio, sent):
    stored_before = counter(studio, "day_answers_stored")
    first, aggregated = both_ways(studio)
    assert first == aggregated
    assert first["total"] == 12
    assert counts(first["status"]) == {"ok": 11, "error": 1}
    assert counts(first["model"]) == {"gpt-4o": 6, "gpt-4o-mini": 1, "claude": 1}
    assert counts(first["environment"]) == {"prod": 7, "dev": 5}
    assert counter(studio, "day_answers_stored") - stored_before >= 5

    reused_before = counter(studio, "day_answers_reused")
    again, _ = both_ways(studio)
    assert again == first
    assert counter(studio, "day_answers_reused") - reused_before >= 5


def test_a_late_trace_of_a_stored_day_is_counted(studio, sent):
    both_ways(studio)  # the days stored
    send_trace(studio, TODAY - 4 * DAY + 9 * 3600 * SECOND, "staging", "carol", "o3")
    by_days, aggregated = both_ways(studio)
    assert by_days == aggregated
    assert counts(by_days["model"])["o3"] == 1
    assert counts(by_days["environment"])["staging"] == 1


def test_a_late_span_past_midnight_reaches_the_day_the_trace_started(studio, sent):
    both_ways(studio)
    # another child of the crossing trace, stored in the next day's rows
    midnight = TODAY - 2 * DAY
    send_trace(
        studio, midnight + 30 * SECOND, "prod", "", "mistral", trace_id=sent["crossing"], root=False
    )
    by_days, aggregated = both_ways(studio)
    assert by_days == aggregated
    assert counts(by_days["model"])["mistral"] == 1
    assert by_days["total"] == aggregated["total"]


def test_a_day_aggregated_alone_does_not_count_the_day_befores_traces(studio, sent):
    """A trace of the day before that runs past midnight is not the day's: with
    the day before stored and the day itself stale, the day is aggregated alone."""
    both_ways(studio)  # every day stored
    send_trace(studio, TODAY - 2 * DAY + 5 * 3600 * SECOND, "prod", "dave", "gpt-4o")
    by_days, aggregated = both_ways(studio)
    assert by_days == aggregated


def test_stored_days_are_read_back_after_a_restart(studio, sent):
    before, _ = both_ways(studio)
    studio.stop()
    studio.start()
    reused_before = counter(studio, "day_answers_reused")
    after = checked_get(studio.api, BASE, **WINDOW)
    assert after == before
    assert counter(studio, "day_answers_reused") - reused_before >= 5


def test_expected_counts_by_hand(studio, sent):
    """The answer, worked out from what the module sent (whatever ran before)."""
    by_days, _ = both_ways(studio)
    users = Counter({f"user{d}": 1 for d in range(1, 6)})
    users.update({"alice": 6, "bob": 1, "dave": 1})
    if "carol" in counts(by_days["user"]):
        users["carol"] = 1
    assert counts(by_days["user"]) == dict(users)


@pytest.mark.parametrize("disjunctive", ["false", "true"])
@pytest.mark.parametrize("envs", [["prod"], ["dev", "prod"]])
def test_the_environment_alone_is_answered_from_days_too(studio, sent, disjunctive, envs):
    """The shell's environment selector: the same answer as aggregated whole."""
    query = {**WINDOW, "environment": envs, "disjunctive": disjunctive}
    reused_before = counter(studio, "day_answers_reused")
    by_days = checked_get(studio.api, BASE, **query)
    aggregated = checked_get(studio.api, BASE, **query, min_duration_ms="0")
    assert by_days == aggregated
    again = checked_get(studio.api, BASE, **query)
    assert again == by_days
    assert counter(studio, "day_answers_reused") - reused_before >= 5
    if disjunctive == "true" and envs == ["prod"]:
        assert "dev" in counts(by_days["environment"])  # its own filter left out
    if disjunctive == "false":
        assert set(counts(by_days["environment"])) == set(envs)


def test_a_trace_past_two_midnights_counts_in_its_own_range(studio, sent):
    """A trace starting four days ago with rows on the next two days, its start
    day and yesterday made stale around two stored days: the ranges aggregated
    are its start day and yesterday onwards, and its rows on the day before
    yesterday (the later range's day before) must not hide it from the first.
    Its duration is not compared: a day's rows are read with the next day's
    only, so a trace running past two midnights is measured over two days."""
    both_ways(studio)
    start = TODAY - 3 * DAY - 10 * SECOND  # 23:59:50, four days ago
    long_trace = send_trace(studio, start, "prod", "erin", "gpt-4o")
    for later in (TODAY - 3 * DAY + 12 * 3600 * SECOND, TODAY - 2 * DAY + 10 * SECOND):
        send_trace(studio, later, "prod", "", "gpt-4.1", trace_id=long_trace, root=False)
    both_ways(studio)  # every day stored again
    send_trace(studio, TODAY - 4 * DAY + 8 * 3600 * SECOND, "prod", "frank", None)
    send_trace(studio, TODAY - DAY + 8 * 3600 * SECOND, "prod", "grace", None)
    by_days, aggregated = both_ways(studio)
    measured = ("duration_ns", "ranges")
    assert {k: v for k, v in by_days.items() if k not in measured} == {
        k: v for k, v in aggregated.items() if k not in measured
    }
    assert counts(by_days["user"])["erin"] == 1
