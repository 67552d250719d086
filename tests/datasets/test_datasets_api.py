"""The datasets API on a real Studio, on SQLite and PostgreSQL metadata, every
answer checked against api/openapi.yaml: datasets created, listed, edited and
deleted; items added, patched, re-split and deleted, each change a version;
old versions read as they were; tags set and moved with their history; diffs
paged; exports in CSV, JSON Lines and Parquet uploaded again as the same items;
items made from spans the OpenTelemetry SDK sent; bad requests 4xx naming
the parameter."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any
from urllib.parse import quote

import orjson
import pyarrow.parquet as pq
import pytest
import requests
from dataset_requests import checked
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from conftest import Studio
from otlp_helpers import wait_for_trace

pytest_plugins = ["dataset_backends"]  # backend_studio

PROJECT = "ds-api"
BASE = f"/api/v1/projects/{PROJECT}/datasets"


def path(dataset: str, tail: str = "") -> str:
    return f"{BASE}/{quote(dataset, safe='')}{tail}"


def all_items(studio: Studio, dataset: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = checked("GET", studio.api, path(dataset, "/items"), 200, params=query).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def wait_for_job(studio: Studio, job: dict) -> dict:
    deadline = time.monotonic() + 120
    while True:
        answer = checked(
            "GET", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{job['id']}", 200
        ).json()
        if answer["state"] not in ("queued", "running"):
            return answer
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)


def test_a_dataset_lives_through_versions(backend_studio: Studio) -> None:
    api = backend_studio.api
    name = "QA set: <b>v1<b> ü &amp; co?"
    created = checked(
        "POST", api, BASE, 201, json_body={"name": name, "description": "d", "metadata": {"o": 1}}
    ).json()
    assert created["latest_version"] is None and created["item_count"] == 0
    v1 = checked(
        "POST",
        api,
        path(name, "/items"),
        201,
        json_body={
            "description": "first",
            "items": [
                {"id": "q1", "input": {"question": "2+2?"}, "expected": "4", "split": "train"},
                {"id": "q2", "input": "capital of France", "expected": {"city": "Paris"}},
                {"id": "q3", "input": [1, 2], "metadata": {"source": "hand"}, "split": "test"},
            ],
        },
    ).json()
    assert (v1["version"], v1["item_count"], v1["added"]) == (1, 3, 3)
    assert v1["split_counts"] == [
        {"split": "test", "item_count": 1},
        {"split": "train", "item_count": 1},
        {"split": None, "item_count": 1},
    ]
    v2 = checked(
        "PATCH", api, path(name, "/items/q1"), 200, json_body={"split": "test", "expected": "four"}
    ).json()
    assert (v2["version"], v2["changed"], v2["item_count"]) == (2, 1, 3)
    assert v2["split_counts"] == [  # q1 moved from train to test
        {"split": "test", "item_count": 2},
        {"split": None, "item_count": 1},
    ]
    v3 = checked("DELETE", api, path(name, "/items/q2"), 200).json()
    assert (v3["version"], v3["removed"], v3["item_count"]) == (3, 1, 2)
    assert v3["split_counts"] == [{"split": "test", "item_count": 2}]  # q2 had none
    v4 = checked(
        "POST",
        api,
        path(name, "/versions"),
        201,
        json_body={
            "description": "mixed",
            "add": [{"id": "q4", "input": "new"}],
            "patch": [{"id": "q3", "split": None}],
            "delete": ["q1"],
        },
    ).json()
    assert (v4["added"], v4["changed"], v4["removed"], v4["item_count"]) == (1, 1, 1, 2)
    assert v4["split_counts"] == [{"split": None, "item_count": 2}]
    for number, counts in ((1, v1["split_counts"]), (2, v2["split_counts"])):
        read = checked("GET", api, path(name, f"/versions/{number}"), 200).json()
        assert read["split_counts"] == counts

    one = all_items(backend_studio, name, version=1)
    assert [(i["id"], i["split"], i["expected"]) for i in one] == [
        ("q1", "train", "4"),
        ("q2", None, {"city": "Paris"}),
        ("q3", "test", None),
    ]
    assert [i["id"] for i in all_items(backend_studio, name, version=2, split="test")] == [
        "q1",
        "q3",
    ]
    assert [i["id"] for i in all_items(backend_studio, name)] == ["q3", "q4"]
    assert all_items(backend_studio, name, split="test") == []
    found = all_items(backend_studio, name, version=2, search="PARIS")  # expected
    assert [i["id"] for i in found] == ["q2"]
    found = all_items(backend_studio, name, version=2, search="Capital OF")  # input
    assert [i["id"] for i in found] == ["q2"]
    found = all_items(backend_studio, name, version=2, search='"SOURCE":"hand"')  # metadata
    assert [i["id"] for i in found] == ["q3"]
    found = all_items(backend_studio, name, version=2, search="2+2")  # no trigram: a window
    assert [i["id"] for i in found] == ["q1"]
    assert all_items(backend_studio, name, version=2, search="four", split="test")[0]["id"] == "q1"
    item = checked("GET", api, path(name, "/items/q1"), 200, params={"version": 2}).json()
    assert item["revision"] == {"version": 2, "kind": "patch"} and item["expected"] == "four"
    checked("GET", api, path(name, "/items/q1"), 404)  # deleted in version 4

    versions = checked("GET", api, path(name, "/versions"), 200).json()["versions"]
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert [v["description"] for v in versions] == ["mixed", "deleted item q2", "", "first"]

    # tags: set, moved (recorded), read by, removed
    checked("PUT", api, path(name, "/tags/prod"), 200, json_body={"version": 1})
    checked("PUT", api, path(name, "/tags/prod"), 200, json_body={"version": 3})
    tags = checked("GET", api, path(name, "/tags"), 200).json()["tags"]
    assert [(t["name"], t["version"]) for t in tags] == [("prod", 3)]
    assert [(m["from_version"], m["to_version"]) for m in tags[0]["history"]] == [(None, 1), (1, 3)]
    assert [i["id"] for i in all_items(backend_studio, name, tag="prod")] == ["q1", "q3"]
    assert checked("GET", api, path(name, "/versions/prod"), 200).json()["tags"] == ["prod"]
    diff = checked(
        "GET", api, path(name, "/diff"), 200, params={"from": "prod", "to": "latest"}
    ).json()
    assert {c["id"]: c["change"] for c in diff["changes"]} == {
        "q1": "removed",
        "q3": "changed",
        "q4": "added",
    }
    checked("DELETE", api, path(name, "/tags/prod"), 204)
    history = checked("GET", api, path(name, "/tags"), 200).json()["tags"]
    assert history == []
    checked("GET", api, path(name, "/items"), 404, params={"tag": "prod"})

    listed = checked("GET", api, BASE, 200).json()["datasets"]
    assert [(d["name"], d["latest_version"], d["item_count"]) for d in listed] == [(name, 4, 2)]
    edited = checked(
        "PATCH", api, path(name), 200, json_body={"name": "renamed", "description": None}
    ).json()
    assert (edited["name"], edited["description"], edited["latest_version"]) == ("renamed", "", 4)
    checked("GET", api, path(name), 404)
    checked("DELETE", api, path("renamed"), 204)
    checked("GET", api, path("renamed"), 404)
    assert checked("GET", api, BASE, 200).json()["datasets"] == []


def test_a_diff_is_paged(backend_studio: Studio) -> None:
    api = backend_studio.api
    checked("POST", api, BASE, 201, json_body={"name": "paged diff"})
    items = [{"id": f"i{n:02d}", "input": n} for n in range(30)]
    checked("POST", api, path("paged diff", "/items"), 201, json_body={"items": items})
    checked(
        "POST",
        api,
        path("paged diff", "/versions"),
        201,
        json_body={"patch": [{"id": f"i{n:02d}", "expected": n} for n in range(0, 30, 3)]},
    )
    changes: list[dict] = []
    cursor = None
    pages = 0
    while True:
        params = {"from": 1, "to": 2, "limit": 4, **({"cursor": cursor} if cursor else {})}
        page = checked("GET", api, path("paged diff", "/diff"), 200, params=params).json()
        changes += page["changes"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [c["id"] for c in changes] == [f"i{n:02d}" for n in range(0, 30, 3)]
    assert all(
        c["change"] == "changed" and c["after"]["expected"] == c["before"]["input"] for c in changes
    )
    whole = checked(
        "GET", api, path("paged diff", "/diff"), 200, params={"from": 2, "to": 1}
    ).json()
    assert len(whole["changes"]) == 10 and whole["changes"][0]["before"]["expected"] == 0


def exported(studio: Studio, dataset: str, file_format: str) -> requests.Response:
    return checked("GET", studio.api, path(dataset, "/export"), 200, params={"format": file_format})


@pytest.mark.parametrize("file_format", ["csv", "jsonl", "parquet"])
def test_an_export_uploads_again_as_the_same_items(
    backend_studio: Studio, file_format: str
) -> None:
    api = backend_studio.api
    source, copy = f"export {file_format}", f"copy {file_format}"
    checked("POST", api, BASE, 201, json_body={"name": source})
    checked("POST", api, BASE, 201, json_body={"name": copy})
    items = [
        {"id": "=cmd", "input": {"q": 'a, "quoted"\nline'}, "expected": "x", "split": "train"},
        {"id": "n2", "input": "plain", "expected": {"k": [1, 2.5, None]}, "metadata": {"m": "ü"}},
        {"id": "n3", "input": 42, "expected": None, "split": "-test"},
    ]
    checked("POST", api, path(source, "/items"), 201, json_body={"items": items})
    resp = exported(backend_studio, source, file_format)
    assert resp.headers["X-GLS-Dataset-Version"] == "1"
    assert f"{quote(source)}-v1.{file_format}" in resp.headers["Content-Disposition"]
    body = resp.content
    if file_format == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert rows[0]["id"] == "'=cmd" and rows[2]["split"] == "'-test"  # no formulas
        # the quotes kept the ids safe in a spreadsheet; give the ids back for the round trip
        body = body.replace(b"'=cmd", b"=cmd").replace(b"'-test", b"-test")
    elif file_format == "parquet":
        assert pq.read_table(io.BytesIO(body)).num_rows == 3
    else:
        assert [orjson.loads(line)["id"] for line in body.splitlines()] == ["=cmd", "n2", "n3"]
    params = {"format": file_format}
    if file_format != "jsonl":
        params["json_columns"] = "input,expected,metadata"
    job = checked(
        "POST",
        api,
        path(copy, "/uploads"),
        202,
        data=body,
        content_type="application/octet-stream",
        params=params,
    ).json()
    assert wait_for_job(backend_studio, job)["state"] == "succeeded"
    again = all_items(backend_studio, copy)
    keys = ("id", "input", "expected", "metadata", "split")
    want = [{k: item.get(k, {} if k == "metadata" else None) for k in keys} for item in items]
    assert [{k: i[k] for k in keys} for i in again] == want


def test_items_from_spans_keep_their_source(backend_studio: Studio) -> None:
    api = backend_studio.api
    provider = TracerProvider(resource=Resource.create({"gls.project": PROJECT}))
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=backend_studio.otlp_http))
    )
    tracer = provider.get_tracer("datasets-test")
    with tracer.start_as_current_span("agent") as root:
        root.set_attribute("input.value", json.dumps({"question": "weather in Oslo?"}))
        root.set_attribute("output.value", "rain")
        with tracer.start_as_current_span("llm") as llm:
            llm.set_attribute("input.value", "<script>alert(1)</script>")
            llm.set_attribute("output.value", "{not json")
            llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            llm_id = format(llm.get_span_context().span_id, "016x")
    provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    root_id = format(root.get_span_context().span_id, "016x")
    wait_for_trace(api, PROJECT, trace_id, spans=2)

    checked("POST", api, BASE, 201, json_body={"name": "from spans"})
    version = checked(
        "POST",
        api,
        path("from spans", "/from-spans"),
        201,
        json_body={
            "spans": [{"trace_id": trace_id}, {"trace_id": trace_id, "span_id": llm_id}],
            "split": "prod",
            "description": "picked in the trace view",
        },
    ).json()
    assert (version["version"], version["added"]) == (1, 2)
    items = all_items(backend_studio, "from spans")
    by_span = {i["source_span_id"]: i for i in items}
    assert set(by_span) == {root_id, llm_id}
    assert by_span[root_id]["input"] == {"question": "weather in Oslo?"}
    assert by_span[root_id]["expected"] == "rain"
    assert by_span[llm_id]["input"] == "<script>alert(1)</script>"  # text, as sent
    assert by_span[llm_id]["expected"] == "{not json"
    assert by_span[llm_id]["metadata"]["gen_ai.request.model"] == "gpt-4o-mini"
    assert by_span[llm_id]["metadata"]["span_name"] == "llm"
    assert {i["source_trace_id"] for i in items} == {trace_id} and {i["split"] for i in items} == {
        "prod"
    }

    missing = {"spans": [{"trace_id": "ab" * 16}]}
    resp = checked("POST", api, path("from spans", "/from-spans"), 404, json_body=missing)
    assert "spans[0]" in resp.json()["error"]["message"]
    bad = {"spans": [{"trace_id": trace_id, "span_id": "xyz"}]}
    resp = checked(
        "POST",
        api,
        path("from spans", "/from-spans"),
        400,
        json_body=bad,
        validate_request=False,
    )
    assert (
        "spans[0]" in resp.json()["error"]["message"]
        and "span_id" in resp.json()["error"]["message"]
    )
    assert len(all_items(backend_studio, "from spans")) == 2


def test_search_is_case_insensitive_in_any_script(backend_studio: Studio) -> None:
    api = backend_studio.api
    name = "search cases"
    checked("POST", api, BASE, 201, json_body={"name": name})
    items = [
        {"id": "de", "input": "Grüße aus MÜNCHEN", "metadata": {"Stadt": "München"}},
        {"id": "el", "input": {"q": "ΑΘΗΝΑ"}, "expected": "Athens"},
        {"id": "plain", "input": "munchen without umlaut", "split": "x"},
    ]
    for n in range(120):  # matches past a page of 50
        items.append({"id": f"n{n:03d}", "input": f"filler {n}", "expected": "Needle"})
    checked("POST", api, path(name, "/items"), 201, json_body={"items": items})
    assert [i["id"] for i in all_items(backend_studio, name, search="münchen")] == ["de"]
    assert [i["id"] for i in all_items(backend_studio, name, search="stadt")] == ["de"]
    assert [i["id"] for i in all_items(backend_studio, name, search="αθηνα")] == ["el"]
    assert [i["id"] for i in all_items(backend_studio, name, search="MUNCHEN")] == ["plain"]
    page = checked(
        "GET", api, path(name, "/items"), 200, params={"search": "neeDLE", "limit": 50}
    ).json()
    assert len(page["items"]) == 50 and page["searched_to_end"] is False
    assert len(all_items(backend_studio, name, search="neeDLE")) == 120
    assert all_items(backend_studio, name, search="no such text") == []
    assert all_items(backend_studio, name, search="%") == []  # wildcards are text


@pytest.mark.parametrize(
    ("method", "tail", "body", "params", "status", "words"),
    [
        ("POST", "", {"name": ""}, None, 400, ["name"]),
        ("POST", "", {"name": "a/b"}, None, 400, ["name", "'/'"]),
        ("POST", "", {"name": ".."}, None, 400, ["name", "'..'"]),
        ("POST", "", {"name": "x", "colour": 1}, None, 400, ["colour"]),
        ("POST", "", {"name": "x", "metadata": [1]}, None, 400, ["metadata", "object"]),
        ("POST", "/errs/items", {"items": [{"expected": 1}]}, None, 400, ["items[0].input"]),
        ("POST", "/errs/items", {"items": [{"input": None}]}, None, 400, ["items[0].input"]),
        (
            "POST",
            "/errs/items",
            {"items": [{"input": 1, "split": 5}]},
            None,
            400,
            ["items[0].split"],
        ),
        (
            "POST",
            "/errs/items",
            {"items": [{"input": "x" * 1_100_000}]},
            None,
            400,
            ["items[0].input", "limit"],
        ),
        (
            "POST",
            "/errs/items",
            {"items": [{"id": "e1", "input": 1}]},
            None,
            409,
            ["'e1'", "already"],
        ),
        ("POST", "/errs/items", {"items": []}, None, 400, ["empty"]),
        (
            "POST",
            "/errs/versions",
            {"patch": [{"id": "e1"}]},
            None,
            400,
            ["patch[0]", "changes nothing"],
        ),
        ("POST", "/errs/versions", {"delete": ["nope"]}, None, 404, ["'nope'"]),
        ("PATCH", "/errs/items/nope", {"split": "x"}, None, 404, ["'nope'"]),
        ("GET", "/errs/items", None, {"version": "9"}, 404, ["version 9"]),
        ("GET", "/errs/items", None, {"version": "x"}, 400, ["version"]),
        ("GET", "/errs/items", None, {"version": "1", "tag": "a"}, 400, ["version", "tag"]),
        ("GET", "/errs/items", None, {"tag": "no such"}, 400, ["tag"]),
        ("GET", "/errs/items", None, {"limit": "0"}, 400, ["limit"]),
        ("GET", "/errs/items", None, {"cursor": "!!"}, 400, ["cursor"]),
        ("GET", "/errs/items", None, {"search": "x" * 257}, 400, ["search", "256"]),
        ("GET", "/errs/items", None, {"split": "s" * 129}, 400, ["split"]),
        ("GET", "/errs/diff", None, {"from": "1"}, 400, ["to"]),
        ("GET", "/errs/export", None, {"format": "xlsx"}, 400, ["format"]),
        ("PUT", "/errs/tags/123", {"version": 1}, None, 400, ["tag"]),
        ("PUT", "/errs/tags/ok", {"version": 7}, None, 404, ["version 7"]),
        ("PUT", "/errs/tags/ok", {"version": "1"}, None, 400, ["version"]),
        ("GET", "/nothing/items", None, None, 404, ["'nothing'"]),
    ],
)
def test_bad_requests_name_what_is_wrong(
    backend_studio: Studio,
    method: str,
    tail: str,
    body: Any,
    params: dict | None,
    status: int,
    words: list[str],
) -> None:
    api = backend_studio.api
    if requests.get(api + path("errs"), timeout=30).status_code == 404:
        checked("POST", api, BASE, 201, json_body={"name": "errs"})
        checked(
            "POST",
            api,
            path("errs", "/items"),
            201,
            json_body={"items": [{"id": "e1", "input": 1}]},
        )
    resp = checked(
        method, api, BASE + tail, status, json_body=body, params=params, validate_request=False
    )
    message = resp.json()["error"]["message"]
    for word in words:
        assert word in message, message
    assert checked("GET", api, path("errs"), 200).json()["latest_version"] == 1


def test_bodies_must_be_json_objects(backend_studio: Studio) -> None:
    api = backend_studio.api
    checked(
        "POST", api, BASE, 415, data=b"name=x", content_type="text/plain", validate_request=False
    )
    checked(
        "POST", api, BASE, 400, data=b"{", content_type="application/json", validate_request=False
    )
    checked(
        "POST", api, BASE, 400, data=b"[1]", content_type="application/json", validate_request=False
    )
    deep = b"[" * 100 + b"]" * 100
    resp = checked(
        "POST",
        api,
        BASE,
        400,
        data=b'{"name": "d", "metadata": {"a": ' + deep + b"}}",
        content_type="application/json",
        validate_request=False,
    )
    assert "deeper" in resp.json()["error"]["message"]
