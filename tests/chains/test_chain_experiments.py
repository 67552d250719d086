"""A saved chain version as an experiment's task, run by the Studio over a
dataset version: every item x repetition run through the chain runs' pool
against the local OpenAI-protocol server, recorded as the experiment's runs with
their traces and the experiment's evaluators' scores; failing items recorded as
failed while the others go on; cancelled and resumed; refused with the field
named and nothing written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from experiments.experiment_requests import call
from metadata.metadata_backends import METADATA_BACKENDS, new_metadata_url

from inprocess_studio import InProcessStudio
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    last_user_contains,
)

PROJECT = "chain-experiments"
BASE = f"/api/v1/projects/{PROJECT}"

CAPITALS = {
    "input_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}},
        "required": ["question"],
    },
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Capital of {{ question }}?"}],
        }
    ],
}
ITEMS = [
    {"id": "fr", "input": {"question": "France"}, "expected": "Paris"},
    {"id": "it", "input": {"question": "Italy"}, "expected": "Rome"},
    {"id": "boom", "input": {"question": "Atlantis"}, "expected": "?"},  # the provider fails
    {"id": "bad", "input": {"prompt": "no question"}, "expected": "?"},  # not the chain's inputs
]


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as s:
        s.on(last_user_contains("France"), content="Paris")
        s.on(last_user_contains("Italy"), content="Rome", delay_s=0.05)
        s.on(last_user_contains("Atlantis"), status=400, error_message="no such country")
        yield s


@pytest.fixture(scope="module", params=METADATA_BACKENDS)
def studio(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server: OpenAICompatibleServer,
) -> Iterator[InProcessStudio]:
    directory = tmp_path_factory.mktemp(f"chain-experiments-{request.param}")
    s = InProcessStudio(
        directory / "data", metadata_url=new_metadata_url(request.param, directory, request)
    ).start()
    call(
        "POST",
        s.api,
        f"{BASE}/llm-providers",
        201,
        json_body={"name": "local", "base_url": server.base_url, "api_key": TEST_API_KEY},
    )
    call(
        "POST", s.api, f"{BASE}/chains", 201, json_body={"name": "capitals", "definition": CAPITALS}
    )
    call("PUT", s.api, f"{BASE}/chains/capitals/labels/production", 200, json_body={"version": 1})
    call("POST", s.api, f"{BASE}/datasets", 201, json_body={"name": "countries"})
    call("POST", s.api, f"{BASE}/datasets/countries/items", 201, json_body={"items": ITEMS})
    # a dataset whose latest version has no items: one added, then deleted
    call("POST", s.api, f"{BASE}/datasets", 201, json_body={"name": "empty"})
    call("POST", s.api, f"{BASE}/datasets/empty/items", 201, json_body={"items": ITEMS[:1]})
    call("DELETE", s.api, f"{BASE}/datasets/empty/items/fr", 200)
    yield s
    s.stop()


def task_of(studio: InProcessStudio, experiment_id: str) -> dict[str, Any]:
    return call("GET", studio.api, f"{BASE}/experiments/{experiment_id}/task", 200)


def until_ended(studio: InProcessStudio, experiment_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task = task_of(studio, experiment_id)
        if task["progress"]["state"] != "running":
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.1)


def results(studio: InProcessStudio, experiment_id: str) -> list[dict[str, Any]]:
    return call(
        "GET",
        studio.api,
        f"{BASE}/experiments/{experiment_id}/results",
        200,
        params={"limit": 100},
    )["results"]


def start(studio: InProcessStudio, expect: int = 201, **fields: Any) -> Any:
    return call("POST", studio.api, f"{BASE}/experiments", expect, json_body=fields)


def test_a_chain_runs_on_every_item_and_repetition_with_traces_and_scores(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    created = start(
        studio,
        dataset="countries",
        name="capitals by label",
        repetitions=2,
        evaluators=["exact_match"],
        task={"chain": "capitals", "label": "production", "max_concurrency": 3},
    )
    assert created["task"]["state"] == "running"
    assert created["metadata"]["task"]["version"] == 1  # the label, pinned
    task = until_ended(studio, created["id"])
    assert task["progress"] == {
        "state": "finished",
        "started": 6,  # the item whose input is not the chain's never started a run
        "recorded": 8,
        "failed": 4,
        "error": None,
    }
    experiment = call("GET", studio.api, f"{BASE}/experiments/{created['id']}", 200)
    assert experiment["status"] == "completed_with_errors"
    assert experiment["runs"] == {"expected": 8, "succeeded": 4, "failed": 4, "missing": 0}
    by_item: dict[str, list[dict[str, Any]]] = {}
    for result in results(studio, created["id"]):
        by_item.setdefault(result["item_id"], []).append(result)
    assert sorted(by_item) == ["bad", "boom", "fr", "it"]
    for item, expected in (("fr", "Paris"), ("it", "Rome")):
        assert sorted(r["repetition"] for r in by_item[item]) == [1, 2]
        for run in by_item[item]:
            assert run["output"] == expected and run["error"] is None
            assert run["trace_id"] and run["trace_url"].endswith(run["trace_id"])
            assert [(s["name"], s["value"]) for s in run["scores"]] == [("exact_match", 1.0)]
            assert run["cost_usd"] > 0  # the trace's figures, read as the SDK's runs are
    for run in by_item["boom"]:
        assert run["error"].startswith("failed at step ask: the provider 'local' failed")
        assert run["trace_id"] and run["output"] is None
    for run in by_item["bad"]:
        assert run["error"].startswith("inputs: 'question' is a required property")
        assert run["trace_id"] is None
    # each run is a chain run of source experiment, with the experiment run's id
    chain_runs = call(
        "GET", studio.api, f"{BASE}/chain-runs", 200, params={"source": "experiment"}
    )["runs"]
    assert {r["id"] for r in chain_runs} >= {
        r["id"] for rs in by_item.values() for r in rs if r["trace_id"]
    }


def test_a_mapped_chain_experiment_compares_with_another(studio: InProcessStudio) -> None:
    first = start(
        studio, dataset="countries", evaluators=["exact_match"], task={"chain": "capitals"}
    )
    second = start(
        studio,
        dataset="countries",
        evaluators=["exact_match"],
        task={"chain": "capitals", "version": 1, "input_mapping": {"question": "expected"}},
    )
    until_ended(studio, first["id"])
    until_ended(studio, second["id"])
    outputs = {r["item_id"]: r["output"] for r in results(studio, second["id"])}
    # the mapping fed each item's expected answer as the question (the server echoes
    # what it does not know), so the item without a question ran too
    assert outputs == {i["id"]: f"Capital of {i['expected']}?" for i in ITEMS}
    compared = call(
        "GET",
        studio.api,
        f"{BASE}/experiments/compare",
        200,
        params={"experiments": f"{first['id']},{second['id']}"},
    )
    assert [e["id"] for e in compared["experiments"]] == [first["id"], second["id"]]


def test_a_running_task_cancels_and_resumes(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    call(
        "POST",
        studio.api,
        f"{BASE}/datasets",
        201,
        json_body={"name": "slow"},
    )
    call(
        "POST",
        studio.api,
        f"{BASE}/datasets/slow/items",
        201,
        json_body={
            "items": [
                {"id": "s1", "input": {"question": "Slow"}},
                {"id": "f1", "input": {"question": "France"}},
            ]
        },
    )

    def slow_requests() -> int:
        return sum("Slow" in r.last_user_message for r in list(server.requests))

    slow_before = slow_requests()
    server.on(last_user_contains("Slow"), content="Later", delay_s=30, times=1)
    created = start(studio, dataset="slow", task={"chain": "capitals", "max_concurrency": 1})
    deadline = time.monotonic() + 30
    # cancelled while the provider holds the slow answer (its one scripted use spent)
    while slow_requests() == slow_before:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = call("POST", studio.api, f"{BASE}/experiments/{created['id']}/task/cancel", 200)
    assert cancelled["progress"]["state"] == "cancelled"
    experiment = call("GET", studio.api, f"{BASE}/experiments/{created['id']}", 200)
    assert experiment["runs"]["missing"] == 2  # the cut run left unrecorded, f1 never ran
    call("POST", studio.api, f"{BASE}/experiments/{created['id']}/task/cancel", 409)
    # resumed, it runs what is missing (the slow answer was scripted once)
    resumed = call("POST", studio.api, f"{BASE}/experiments/{created['id']}/task/resume", 202)
    assert resumed["progress"]["state"] == "running"
    assert until_ended(studio, created["id"])["progress"]["recorded"] == 2
    experiment = call("GET", studio.api, f"{BASE}/experiments/{created['id']}", 200)
    assert experiment["status"] == "completed"
    outputs = {r["item_id"]: r["output"] for r in results(studio, created["id"])}
    assert outputs == {"s1": "Capital of Slow?", "f1": "Paris"}


def test_no_more_runs_than_max_concurrency_at_once(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    server.on(last_user_contains("Pause"), content="Paused.", delay_s=0.2)
    call("POST", studio.api, f"{BASE}/datasets", 201, json_body={"name": "pauses"})
    items = [{"id": f"p{i}", "input": {"question": f"Pause {i}"}} for i in range(6)]
    call("POST", studio.api, f"{BASE}/datasets/pauses/items", 201, json_body={"items": items})
    created = start(studio, dataset="pauses", task={"chain": "capitals", "max_concurrency": 2})
    assert until_ended(studio, created["id"])["progress"]["recorded"] == 6
    spans = [(r["started_at"], r["ended_at"]) for r in results(studio, created["id"])]
    at_once = max(sum(1 for s, e in spans if s <= at < e) for at, _ in spans)
    assert at_once == 2


def test_a_deleted_experiment_stops_its_task(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    server.on(last_user_contains("Pause"), content="Paused.", delay_s=0.2)
    call("POST", studio.api, f"{BASE}/datasets", 201, json_body={"name": "deleted"})
    items = [{"id": f"p{i}", "input": {"question": f"Pause {i}"}} for i in range(8)]
    call("POST", studio.api, f"{BASE}/datasets/deleted/items", 201, json_body={"items": items})

    def experiment_runs() -> int:
        listed = call(
            "GET",
            studio.api,
            f"{BASE}/chain-runs",
            200,
            params={"source": "experiment", "limit": 200},
        )
        return len(listed["runs"])

    before = experiment_runs()
    created = start(studio, dataset="deleted", task={"chain": "capitals", "max_concurrency": 1})
    call("DELETE", studio.api, f"{BASE}/experiments/{created['id']}", 204)
    time.sleep(8 * 0.2 + 1)  # what the 8 runs one after the other would take, and more
    assert experiment_runs() - before <= 2  # the run under way, at most one more
    call("GET", studio.api, f"{BASE}/experiments/{created['id']}/task", 404)


def test_bad_tasks_are_refused_naming_the_field_and_write_nothing(
    studio: InProcessStudio,
) -> None:
    before = call("GET", studio.api, f"{BASE}/experiments", 200)["experiments"]

    def refused(status: int, field: str, **fields: Any) -> None:
        answer = start(studio, status, **fields)
        assert answer["error"]["message"].startswith(field), answer

    refused(404, "task.chain", dataset="countries", task={"chain": "nope"})
    refused(404, "task.chain", dataset="countries", task={"chain": "capitals", "version": 9})
    refused(404, "task.chain", dataset="countries", task={"chain": "capitals", "label": "x"})
    refused(400, "task.chain", dataset="countries", task={})
    refused(400, "task.model", dataset="countries", task={"chain": "capitals", "model": "m"})
    refused(
        400,
        "task.input_mapping.q",
        dataset="countries",
        task={"chain": "capitals", "input_mapping": {"q": "input["}},
    )
    refused(
        400,
        "task.max_concurrency",
        dataset="countries",
        task={"chain": "capitals", "max_concurrency": 999},
    )
    refused(400, "dataset:", dataset="empty", task={"chain": "capitals"})
    refused(404, "dataset", dataset="missing", task={"chain": "capitals"})
    refused(
        400, "metadata.task", dataset="countries", metadata={"task": 1}, task={"chain": "capitals"}
    )
    assert call("GET", studio.api, f"{BASE}/experiments", 200)["experiments"] == before
    sdk_side = start(studio, dataset="countries")  # the SDK runs this one: no task here
    for method, path in (("GET", "task"), ("POST", "task/cancel"), ("POST", "task/resume")):
        missing = call(method, studio.api, f"{BASE}/experiments/{sdk_side['id']}/{path}", 404)
        assert "has no chain task" in missing["error"]["message"]
