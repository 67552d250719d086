"""The newest-first trace list reads growing windows below its upper bound and
skips the ones too narrow to fill a page (query/traces.py list_traces): pages of
a sparse filter, matches hours and days apart, come out whole and in order, page
after page, like the unfiltered order says.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "list-windows"
SECOND = 10**9
NOW = time.time_ns()
# seconds ago of the traces of chain "rare"; the others ("common") fill the gaps
RARE_AGO = [600, 660, 3 * 3600, 3 * 3600 + 60, 2 * 86400, 2 * 86400 + 60, 5 * 86400, 6 * 86400]
COMMON_AGO = [30 * i for i in range(1, 40)] + [86400 + 600 * i for i in range(20)]


def send(studio: Any, seconds_ago: list[int], chain: str) -> list[str]:
    """One single-span trace a time, all in one request (one insert, not one each)."""
    tids = [new_trace_id() for _ in seconds_ago]
    spans = [
        make_span(
            tid,
            new_span_id(),
            name=f"{chain} {ago}",
            start_ns=NOW - ago * SECOND,
            attributes={"gls.chain": chain},
        )
        for tid, ago in zip(tids, seconds_ago, strict=True)
    ]
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": PROJECT})
    assert resp.status_code == 200, resp.text
    return [tid.hex() for tid in tids]


@pytest.fixture(scope="module")
def sent(studio: Any) -> dict[str, list[str]]:
    rare = dict(zip(RARE_AGO, send(studio, RARE_AGO, "rare"), strict=True))
    send(studio, COMMON_AGO, "common")
    return {"rare": [rare[ago] for ago in sorted(RARE_AGO)]}  # newest first


def pages(studio: Any, **params: str) -> list[list[str]]:
    window = {"start": str((NOW - 7 * 86400 * SECOND) // 10**6), "end": str(NOW // 10**6 + 1)}
    out, cursor = [], None
    while True:
        query = {**window, **params, **({"cursor": cursor} if cursor else {})}
        body = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces", **query)
        out.append([t["trace_id"] for t in body["traces"]])
        cursor = body["next_cursor"]
        if not cursor:
            return out


@pytest.mark.parametrize("limit", ["1", "3", "5"])
def test_sparse_matches_page_in_order(studio, sent, limit):
    got = pages(studio, chain="rare", limit=limit)
    assert [t for page in got for t in page] == sent["rare"]
    assert all(len(page) == int(limit) for page in got[:-1])
