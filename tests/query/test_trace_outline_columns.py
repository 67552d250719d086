"""A trace by columns (GET .../traces/{trace_id}/outline), what the trace view draws.

Each span's position in the columns, read back into a span, is the full trace's span
(same order, ids, parent, times, name, type, status, tokens, cost); roots, parent
marks, counts, totals and the metadata's distinct values are the full answer's.
Traces go in as OTLP protobuf: LLM calls with tokens, users, sessions, tags and a
failure; a span whose parent was never sent; two spans naming each other as parent;
a span sent twice.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "trace-outline-columns"
SECOND = 10**9


def _send(studio: Any, spans: list, service: str = "outline-columns") -> None:
    request = make_request(spans, resource={"service.name": service, "gls.project": PROJECT})
    assert post_protobuf(studio.otlp_http, request).status_code == 200


def _rich_trace(studio: Any) -> str:
    trace_id, root, llm, tool = new_trace_id(), new_span_id(), new_span_id(), new_span_id()
    start = time.time_ns() - 60 * SECOND
    llm_attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "user.id": "ada",
        "session.id": "s-1",
        "tag.tags": ["beta", "eu"],
    }
    spans = [
        make_span(
            trace_id,
            root,
            name="agent run",
            start_ns=start,
            duration_ns=9 * SECOND,
            attributes={"user.id": "ada", "gls.environment": "prod"},
        ),
        make_span(
            trace_id,
            llm,
            parent=root,
            name="chat",
            start_ns=start + SECOND,
            attributes=llm_attributes,
        ),
        make_span(
            trace_id,
            new_span_id(),
            parent=root,
            name="chat",
            start_ns=start + 2 * SECOND,
            attributes={
                **llm_attributes,
                "user.id": "bob",
                "tag.tags": ["eu", "gamma"],
                "gen_ai.request.model": "unknown-model-x",
            },
        ),
        make_span(
            trace_id,
            tool,
            parent=llm,
            name="lookup",
            start_ns=start + 3 * SECOND,
            status_code=2,
            status_message="no city",
        ),
        # a parent never sent
        make_span(
            trace_id,
            new_span_id(),
            parent=new_span_id(),
            name="late callback",
            start_ns=start + 4 * SECOND,
        ),
    ]
    _send(studio, spans)
    _send(studio, spans[3:4])  # the tool span stored twice: shown once
    return trace_id.hex()


def _loop_trace(studio: Any) -> str:
    """A root, and two spans naming each other as parent: one heads the loop."""
    trace_id, a, b = new_trace_id(), new_span_id(), new_span_id()
    start = time.time_ns() - 50 * SECOND
    _send(
        studio,
        [
            make_span(trace_id, name="root", start_ns=start),
            make_span(trace_id, a, parent=b, name="a", start_ns=start + SECOND),
            make_span(trace_id, b, parent=a, name="b", start_ns=start + 2 * SECOND),
        ],
        service="loops",
    )
    return trace_id.hex()


@pytest.fixture(scope="module")
def sent(studio) -> dict[str, str]:
    return {"rich": _rich_trace(studio), "loop": _loop_trace(studio)}


def _path(trace_id: str, outline: bool = True) -> str:
    return f"/api/v1/projects/{PROJECT}/traces/{trace_id}" + ("/outline" if outline else "")


def _decoded(outline: dict[str, Any]) -> list[dict[str, Any]]:
    """Each position of the columns as the fields of a full span it stands for."""
    c = outline["spans"]
    start = outline["start_time_unix_nano"]

    def text(column: str, i: int) -> str:
        return c[column]["values"][c[column]["codes"][i]]

    return [
        {
            "span_id": c["span_id"][i],
            "parent_span_id": None if c["parent"][i] < 0 else c["span_id"][c["parent"][i]],
            "parent_missing": i in c["parent_missing"],
            "parent_loop": i in c["parent_loop"],
            "start_time_unix_nano": start + c["start_offset_ns"][i],
            "duration_ms": c["duration_ns"][i] / 1e6,
            "name": text("name", i),
            "span_type": text("span_type", i),
            "status_code": c["status_code"][i],
            "total_tokens": c["total_tokens"][i],
            "cost_status": text("cost_status", i),
            "cost_usd": c["cost_usd"][i],
        }
        for i in range(outline["span_count"])
    ]


def _as_drawn(span: dict[str, Any]) -> dict[str, Any]:
    """The fields of a full span the outline carries (a missing parent is not a position)."""
    return {
        "span_id": span["span_id"],
        "parent_span_id": None if span["parent_missing"] else span["parent_span_id"],
        "parent_missing": span["parent_missing"],
        "parent_loop": span["parent_loop"],
        "start_time_unix_nano": span["start_time_unix_nano"],
        "duration_ms": span["duration_ms"],
        "name": span["name"],
        "span_type": span["span_type"],
        "status_code": span["status"]["code"],
        "total_tokens": span["usage"]["total_tokens"],
        "cost_status": span["cost"]["status"],
        "cost_usd": span["cost"]["total_usd"],
    }


def _distinct(values: list[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v]


@pytest.mark.parametrize("which", ["rich", "loop"])
def test_the_columns_are_the_full_traces_spans(studio, sent, which):
    full = checked_get(studio.api, _path(sent[which], outline=False))
    outline = checked_get(studio.api, _path(sent[which]))
    assert _decoded(outline) == [_as_drawn(s) for s in full["spans"]]
    assert all(
        len(v if isinstance(v, list) else v["codes"]) == outline["span_count"]
        for k, v in outline["spans"].items()
        if k not in ("parent_missing", "parent_loop")
    )
    same = (
        "trace_id",
        "project",
        "start_time_unix_nano",
        "end_time_unix_nano",
        "duration_ms",
        "span_count",
        "error_count",
        "totals",
    )
    assert {k: outline[k] for k in same} == {k: full[k] for k in same}
    assert [outline["spans"]["span_id"][i] for i in outline["roots"]] == full["root_span_ids"]
    spans = full["spans"]
    assert outline["metadata"] == {
        "users": _distinct([s["user_id"] for s in spans]),
        "sessions": _distinct([s["session_id"] for s in spans]),
        "environments": _distinct([s["environment"] for s in spans]),
        "services": _distinct([s["service_name"] for s in spans]),
        "tags": _distinct([t for s in spans for t in s["tags"]]),
    }


def test_the_rich_trace_as_sent(studio, sent):
    outline = checked_get(studio.api, _path(sent["rich"]))
    spans = {s["name"] + str(i): s for i, s in enumerate(_decoded(outline))}
    assert outline["span_count"] == 5  # the tool span sent twice is one
    assert outline["error_count"] == 1
    assert outline["totals"]["tokens"]["input"] == 240
    assert outline["totals"]["llm_calls"] == 2
    assert outline["totals"]["cost"]["unpriced_llm_calls"] == 1
    assert outline["metadata"]["users"] == ["ada", "bob"]
    assert outline["metadata"]["tags"] == ["beta", "eu", "gamma"]
    assert outline["metadata"]["environments"] == ["prod"]
    assert [s["name"] for s in spans.values()] == [
        "agent run",
        "chat",
        "chat",
        "lookup",
        "late callback",
    ]
    # a repeated name is sent once
    assert outline["spans"]["name"]["values"] == ["agent run", "chat", "lookup", "late callback"]
    assert [s["name"] for s in spans.values() if s["parent_missing"]] == ["late callback"]
    assert outline["spans"]["parent"][:4] == [-1, 0, 0, 1]
    assert outline["roots"] == [0, 4]


def test_a_loop_is_headed_by_one_span(studio, sent):
    outline = checked_get(studio.api, _path(sent["loop"]))
    names = [s["name"] for s in _decoded(outline)]
    assert [names[i] for i in outline["spans"]["parent_loop"]] == ["a"]
    assert [names[i] for i in outline["roots"]] == ["root", "a"]


def test_the_window_keeps_the_spans_starting_in_it(studio, sent):
    full = checked_get(studio.api, _path(sent["rich"], outline=False))
    lookup = next(s for s in full["spans"] if s["name"] == "lookup")
    ms = lookup["start_time_unix_nano"] // 10**6
    outline = checked_get(studio.api, _path(sent["rich"]), start=str(ms), end=str(ms))
    assert outline["spans"]["span_id"] == [lookup["span_id"]]
    # its parent is not among the spans read
    assert outline["spans"]["parent_missing"] == [0] and outline["roots"] == [0]
    assert outline["start_time_unix_nano"] == lookup["start_time_unix_nano"]
    error = checked_get(
        studio.api, _path(sent["rich"]), expect=404, start=str(ms + 10), end=str(ms + 20)
    )
    assert "between start and end" in error["error"]["message"]


def test_an_unknown_trace_is_a_404_and_a_bad_one_a_400(studio, sent):
    unknown = "0123456789abcdef0123456789abcdef"
    error = checked_get(studio.api, _path(unknown), expect=404)
    assert unknown in error["error"]["message"]
    resp = requests.get(studio.api + _path("0123"), timeout=30)
    assert resp.status_code == 400, resp.text
    assert "trace_id" in resp.json()["error"]["message"]
    resp = requests.get(studio.api + _path(sent["rich"]), params={"start": "1"}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert "start" in resp.json()["error"]["message"]
