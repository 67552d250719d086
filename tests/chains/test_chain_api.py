"""The chains API through a real Studio served in this process (HTTP), every answer
checked against api/openapi.yaml: chains created, versioned, labelled, read by
label or number, deleted; each refusal a 4xx naming what was wrong, with the
chain tables as they were."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from inprocess_studio import InProcessStudio
from openapi_check import checked_request

P = "chain-api"
BASE = f"/api/v1/projects/{P}"
TABLES = ("chains", "chain_versions", "chain_labels", "chain_label_moves")


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("chain-api")).start()
    checked_request(
        "POST",
        s.api,
        BASE + "/llm-providers",
        201,
        json_body={"name": "local", "base_url": "http://127.0.0.1:9/v1"},
    )
    yield s
    s.stop()


def rows(studio: InProcessStudio) -> dict[str, int]:
    path = studio.settings.data_path / "metadata.sqlite3"
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def llm(step_id: str = "ask", provider: str = "local") -> dict[str, Any]:
    return {
        "id": step_id,
        "type": "llm",
        "provider": provider,
        "model": "m",
        "messages": [{"role": "user", "content": "{{ question }}"}],
    }


def definition(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "input_schema": {"type": "object", "properties": {"question": {"type": "string"}}},
        "steps": list(steps) or [llm()],
    }


def refused(
    studio: InProcessStudio,
    method: str,
    path: str,
    status: int,
    message: str,
    body: Any = None,
) -> None:
    before = rows(studio)
    resp = checked_request(method, studio.api, path, status, json_body=body)
    assert message in resp.json()["error"]["message"], resp.text
    assert rows(studio) == before


def test_a_chain_through_the_api(studio: InProcessStudio) -> None:
    api = studio.api
    checked = checked_request(
        "POST", api, BASE + "/chains/validate", 200, json_body={"definition": definition()}
    )
    assert checked.json()["definition"]["steps"][0]["tools"] == []

    created = checked_request(
        "POST",
        api,
        BASE + "/chains",
        201,
        json_body={"name": "qa", "description": "Q&A", "definition": definition(), "message": "v1"},
    ).json()
    assert (created["chain"], created["version"], created["message"]) == ("qa", 1, "v1")
    second = checked_request(
        "POST",
        api,
        BASE + "/chains/qa/versions",
        201,
        json_body={"definition": definition(llm("b"))},
    ).json()
    assert second["version"] == 2

    label = checked_request(
        "PUT", api, BASE + "/chains/qa/labels/production", 200, json_body={"version": 1}
    ).json()
    assert label["version"] == 1
    checked_request(
        "PUT", api, BASE + "/chains/qa/labels/production", 200, json_body={"version": 2}
    )

    listed = checked_request("GET", api, BASE + "/chains", 200).json()["chains"]
    assert [(c["name"], c["latest_version"], c["labels"]) for c in listed] == [
        ("qa", 2, {"production": 2})
    ]
    whole = checked_request("GET", api, BASE + "/chains/qa", 200).json()
    assert [v["number"] for v in whole["versions"]] == [2, 1]
    by_label = checked_request(
        "GET", api, BASE + "/chains/qa", 200, params={"label": "production"}
    ).json()
    assert by_label["version"] == 2 and by_label["labels"] == ["production"]
    by_number = checked_request("GET", api, BASE + "/chains/qa", 200, params={"version": 1}).json()
    assert by_number["definition"]["steps"][0]["id"] == "ask"
    assert checked_request("GET", api, BASE + "/chains/qa/versions/1", 200).json() == by_number

    history = checked_request("GET", api, BASE + "/chains/qa/labels/production/history", 200).json()
    assert [(m["from_version"], m["to_version"]) for m in history["moves"]] == [(None, 1), (1, 2)]
    checked_request("DELETE", api, BASE + "/chains/qa/labels/production", 204)
    checked_request("DELETE", api, BASE + "/chains/qa", 204)
    checked_request("GET", api, BASE + "/chains/qa", 404)
    assert rows(studio) == dict.fromkeys(TABLES, 0)


def test_refusals_name_what_was_wrong_and_write_nothing(studio: InProcessStudio) -> None:
    api = studio.api
    checked_request(
        "POST", api, BASE + "/chains", 201, json_body={"name": "leaf", "definition": definition()}
    )
    checked_request(
        "POST",
        api,
        BASE + "/chains",
        201,
        json_body={
            "name": "caller",
            "definition": definition({"id": "call", "type": "chain", "chain": "leaf"}),
        },
    )
    chains = BASE + "/chains"
    refused(
        studio,
        "POST",
        chains,
        400,
        "steps[0] (ask).provider: no LLM provider 'nope' in project chain-api",
        {"name": "x", "definition": definition(llm(provider="nope"))},
    )
    refused(
        studio,
        "POST",
        chains,
        400,
        "steps[0] (more).chain: no chain 'ghost' in project chain-api",
        {"name": "x", "definition": definition({"id": "more", "type": "chain", "chain": "ghost"})},
    )
    refused(
        studio,
        "POST",
        chains + "/validate",
        400,
        "steps[0] (more).label: chain 'leaf' has no label 'production'",
        {
            "definition": definition(
                {"id": "more", "type": "chain", "chain": "leaf", "label": "production"}
            )
        },
    )
    refused(
        studio,
        "POST",
        chains + "/leaf/versions",
        400,
        "steps[0] (back).chain: a cycle: leaf -> caller -> leaf",
        {"definition": definition({"id": "back", "type": "chain", "chain": "caller"})},
    )
    refused(
        studio,
        "POST",
        chains + "/validate",
        400,
        "a cycle: leaf -> caller -> leaf",
        {
            "name": "leaf",
            "definition": definition({"id": "back", "type": "chain", "chain": "caller"}),
        },
    )
    refused(
        studio,
        "POST",
        chains,
        400,
        "steps[0].type: unknown step type 'shell'",
        {"name": "x", "definition": {"steps": [{"id": "s", "type": "shell"}]}},
    )
    refused(studio, "POST", chains, 400, "definition is required", {"name": "x"})
    refused(
        studio,
        "POST",
        chains,
        400,
        "name must be a chain name",
        {"name": "-x", "definition": definition()},
    )
    refused(
        studio,
        "POST",
        chains,
        409,
        "already has a chain named 'leaf'",
        {"name": "leaf", "definition": definition()},
    )
    refused(
        studio, "PUT", chains + "/leaf/labels/Prod", 400, "label must be a label", {"version": 1}
    )
    refused(studio, "PUT", chains + "/leaf/labels/prod", 404, "has no version 7", {"version": 7})
    refused(
        studio,
        "PUT",
        chains + "/leaf/labels/prod",
        400,
        "version must be a version number",
        {"version": "1"},
    )
    refused(
        studio, "GET", chains + "/leaf?label=prod&version=1", 400, "give version or label, not both"
    )
    refused(
        studio,
        "POST",
        chains + "/ghost/versions",
        404,
        "no chain 'ghost'",
        {"definition": definition()},
    )

    # a label move that closes a cycle: caller@production <- leaf v2 -> caller@production
    checked_request("PUT", api, chains + "/caller/labels/production", 200, json_body={"version": 1})
    checked_request(
        "POST",
        api,
        chains + "/caller/versions",
        201,
        json_body={
            "definition": definition({"id": "call", "type": "chain", "chain": "leaf", "version": 1})
        },
    )
    checked_request("PUT", api, chains + "/caller/labels/production", 200, json_body={"version": 2})
    # leaf v2 calls caller@production (v2, which calls leaf v1 only): no cycle
    checked_request(
        "POST",
        api,
        chains + "/leaf/versions",
        201,
        json_body={
            "definition": definition(
                {"id": "call", "type": "chain", "chain": "caller", "label": "production"}
            )
        },
    )
    # back to v1 would close caller v1 -> leaf (latest: v2) -> caller@production (v1)
    refused(
        studio,
        "PUT",
        chains + "/caller/labels/production",
        400,
        "makes a sub-chain cycle: caller -> leaf -> caller",
        {"version": 1},
    )


def test_a_body_that_is_not_json_or_too_large(studio: InProcessStudio) -> None:
    resp = requests.post(
        studio.api + BASE + "/chains",
        data=b"name=x",
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    assert resp.status_code == 415
    big = {"name": "x", "definition": definition(), "description": "x" * (3 << 20)}
    resp = requests.post(studio.api + BASE + "/chains", json=big, timeout=30)
    assert resp.status_code == 413
