"""The experiments API on real Studios (SQLite and PostgreSQL metadata), every answer
checked against api/openapi.yaml: an experiment's life (runs recorded in batches,
failed and missing pairs resumed, results paged with diffs and scores, aggregates,
the dataset's list, delete), each run's cost and carbon read from the trace the
OpenTelemetry SDK sent, comparisons with their paired tests and marks, and bad
input refused naming the field with nothing written."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from experiment_requests import call
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from conftest import Studio
from otlp_helpers import new_trace_id

pytest_plugins = ["experiment_backends"]  # experiment_studio

PROJECT = "exp-api"
P = f"/api/v1/projects/{PROJECT}"


def make_dataset(studio: Studio, name: str, items: list[dict[str, Any]]) -> None:
    call("POST", studio.api, f"{P}/datasets", 201, json_body={"name": name})
    call("POST", studio.api, f"{P}/datasets/{name}/items", 201, json_body={"items": items})


def questions(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"q{i:02d}", "input": f"question {i}", "expected": f"answer {i}"} for i in range(n)
    ]


def create(studio: Studio, dataset: str, **fields: Any) -> dict[str, Any]:
    return call(
        "POST", studio.api, f"{P}/experiments", 201, json_body={"dataset": dataset, **fields}
    )


def record(studio: Studio, experiment_id: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    return call(
        "POST", studio.api, f"{P}/experiments/{experiment_id}/runs", 201, json_body={"runs": runs}
    )


def every_result(studio: Studio, experiment_id: str, limit: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = call(
            "GET", studio.api, f"{P}/experiments/{experiment_id}/results", 200, params=params
        )
        results += page["results"]
        cursor = page["next_cursor"]
        if cursor is None:
            return results


def test_an_experiment_is_recorded_resumed_and_read(experiment_studio: Studio) -> None:
    api = experiment_studio.api
    make_dataset(experiment_studio, "life", questions(6))
    experiment = create(
        experiment_studio,
        "life",
        name="variant A",
        metadata={"model": "gpt-4o-mini", "prompt": "v2"},
        repetitions=2,
        evaluators=[
            "exact_match",
            {"evaluator": "contains", "parameters": {"values": ["answer"]}, "name": "says answer"},
        ],
    )
    eid = experiment["id"]
    assert experiment["status"] == "pending" and experiment["runs"]["expected"] == 12
    assert experiment["dataset_version"] == 1 and experiment["metadata"]["prompt"] == "v2"

    # a first batch: items 0-2, both repetitions; q01 #2 fails; q02 answers wrong
    first = []
    for i in range(3):
        for rep in (1, 2):
            run: dict[str, Any] = {
                "item_id": f"q{i:02d}",
                "repetition": rep,
                "output": f"answer {i}",
            }
            if i == 2:
                run["output"] = f"reply {i}"
            if (i, rep) == (1, 2):
                run = {"item_id": "q01", "repetition": 2, "error": "TimeoutError: model"}
            first.append(run)
    recorded = record(experiment_studio, eid, first)
    assert len(recorded["runs"]) == 6
    assert len(recorded["scores"]) == 10  # 5 runs with an output x 2 evaluators
    got = call("GET", api, f"{P}/experiments/{eid}", 200)
    assert got["status"] == "running"
    assert got["runs"] == {"expected": 12, "succeeded": 5, "failed": 1, "missing": 6}

    incomplete = call(
        "GET", api, f"{P}/experiments/{eid}/incomplete-runs", 200, params={"limit": 4}
    )
    pairs = {(e["item"]["id"], r) for e in incomplete["incomplete"] for r in e["repetitions"]}
    assert pairs == {("q01", 2), ("q03", 1), ("q03", 2)}
    assert [e["failed"] for e in incomplete["incomplete"] if e["item"]["id"] == "q01"] == [[2]]
    rest = call(
        "GET",
        api,
        f"{P}/experiments/{eid}/incomplete-runs",
        200,
        params={"limit": 4, "cursor": incomplete["next_cursor"]},
    )
    assert {(e["item"]["id"], tuple(e["repetitions"])) for e in rest["incomplete"]} == {
        ("q04", (1, 2)),
        ("q05", (1, 2)),
    }
    assert rest["next_cursor"] is None

    # resumed: only the pairs still to run, the failed one replaced
    second = [
        {"item_id": item, "repetition": rep, "output": f"answer {int(item[1:])}"}
        for item, rep in [
            ("q01", 2),
            ("q03", 1),
            ("q03", 2),
            ("q04", 1),
            ("q04", 2),
            ("q05", 1),
            ("q05", 2),
        ]
    ]
    record(experiment_studio, eid, second)
    done = call("GET", api, f"{P}/experiments/{eid}", 200)
    assert done["status"] == "completed"
    assert done["runs"] == {"expected": 12, "succeeded": 12, "failed": 0, "missing": 0}
    empty = call("GET", api, f"{P}/experiments/{eid}/incomplete-runs", 200)
    assert empty["incomplete"] == []

    results = every_result(experiment_studio, eid, limit=5)
    assert [(r["item_id"], r["repetition"]) for r in results] == [
        (f"q{i:02d}", rep) for i in range(6) for rep in (1, 2)
    ]
    by_pair = {(r["item_id"], r["repetition"]): r for r in results}
    wrong = by_pair[("q02", 1)]
    assert wrong["item"]["expected"] == "answer 2" and wrong["item"]["input"] == "question 2"
    assert wrong["diff"]["kind"] == "text" and not wrong["diff"]["equal"]
    assert {"op": "delete", "text": "answer"} in wrong["diff"]["parts"]
    assert {"op": "insert", "text": "reply"} in wrong["diff"]["parts"]
    scores = {s["name"]: s["value"] for s in wrong["scores"]}
    assert scores == {"exact_match": False, "says answer": False}
    right = by_pair[("q01", 2)]  # the replaced run
    assert right["error"] is None and right["diff"]["equal"]
    assert {s["name"]: s["value"] for s in right["scores"]} == {
        "exact_match": True,
        "says answer": True,
    }
    assert right["trace_url"] is None

    aggregates = call("GET", api, f"{P}/experiments/{eid}/aggregates", 200)
    assert aggregates["runs"] == 12 and aggregates["errors"] == 0 and aggregates["items"] == 6
    exact = aggregates["scores"]["exact_match"]
    assert exact["count"] == 12 and exact["mean"] == pytest.approx(10 / 12)
    assert exact["min"] == 0 and exact["max"] == 1 and exact["labels"] == {"true": 10, "false": 2}

    listed = call("GET", api, f"{P}/experiments", 200, params={"dataset": "life"})
    assert [e["id"] for e in listed["experiments"]] == [eid]
    call("DELETE", api, f"{P}/experiments/{eid}", 204)
    call("GET", api, f"{P}/experiments/{eid}", 404)
    assert (
        call("GET", api, f"{P}/experiments", 200, params={"dataset": "life"})["experiments"] == []
    )


def test_each_run_has_its_traces_cost_and_carbon(experiment_studio: Studio) -> None:
    api = experiment_studio.api
    make_dataset(experiment_studio, "costed", questions(3))
    eid = create(experiment_studio, "costed")["id"]
    provider = TracerProvider(resource=Resource.create({"service.name": "exp-app"}))
    provider.add_span_processor(
        SimpleSpanProcessor(
            OTLPSpanExporter(
                endpoint=experiment_studio.otlp_http, headers={"X-GLS-Project": PROJECT}
            )
        )
    )
    tracer = provider.get_tracer("exp-test")
    runs = []
    for i in range(3):
        with tracer.start_as_current_span("run") as root:
            with tracer.start_as_current_span(
                "chat gpt-4o-mini",
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.system": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 100 * (i + 1),
                    "gen_ai.usage.output_tokens": 20,
                },
            ):
                pass
        context = root.get_span_context()
        runs.append(
            {
                "item_id": f"q{i:02d}",
                "output": f"answer {i}",
                "trace_id": format(context.trace_id, "032x"),
                "span_id": format(context.span_id, "016x"),
            }
        )
    provider.shutdown()
    record(experiment_studio, eid, runs)
    deadline = time.monotonic() + 60
    while True:
        results = every_result(experiment_studio, eid, limit=50)
        if all(r["cost_usd"] for r in results) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [r["total_tokens"] for r in results] == [120, 220, 320]
    assert all(r["cost_usd"] > 0 and r["carbon_g"] > 0 and r["energy_kwh"] > 0 for r in results)
    assert results[2]["cost_usd"] > results[0]["cost_usd"]
    assert all(r["models"] == ["gpt-4o-mini"] for r in results)
    assert results[0]["trace_url"] == f"/#/{PROJECT}/trace/{runs[0]['trace_id']}"
    aggregates = call("GET", api, f"{P}/experiments/{eid}/aggregates", 200)
    assert aggregates["totals"]["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in results))
    assert aggregates["totals"]["carbon_g"] == pytest.approx(sum(r["carbon_g"] for r in results))
    assert aggregates["totals"]["total_tokens"] == 660
    assert aggregates["metrics"]["total_tokens"]["p50"] == 220


def test_a_comparison_says_which_is_better_and_marks_each_item(experiment_studio: Studio) -> None:
    api = experiment_studio.api
    make_dataset(experiment_studio, "versus", questions(12))
    evaluators = ["exact_match"]
    baseline = create(experiment_studio, "versus", name="old prompt", evaluators=evaluators)["id"]
    candidate = create(experiment_studio, "versus", name="new prompt", evaluators=evaluators)["id"]

    def timed(i: int, seconds: float, output: str) -> dict[str, Any]:
        return {
            "item_id": f"q{i:02d}",
            "output": output,
            "started_at": "2026-01-01T00:00:00+00:00",
            "ended_at": f"2026-01-01T00:00:{seconds:06.3f}+00:00",
        }

    # the baseline answers 4 of 12 right in ~1 s; the candidate all 12, 2x slower
    record(
        experiment_studio,
        baseline,
        [timed(i, 1 + i / 100, f"answer {i}" if i < 4 else "no idea") for i in range(12)],
    )
    record(experiment_studio, candidate, [timed(i, 2 + i / 50, f"answer {i}") for i in range(12)])
    # a dataset's new version keeps its item ids: a third experiment on it compares too
    call("PATCH", api, f"{P}/datasets/versus/items/q00", 200, json_body={"expected": "ANSWER 0"})
    third = create(experiment_studio, "versus", evaluators=evaluators)
    assert third["dataset_version"] == 2
    record(experiment_studio, third["id"], [timed(i, 1, f"answer {i}") for i in range(12)])

    answer = call(
        "GET",
        api,
        f"{P}/experiments/compare",
        200,
        params={"experiments": f"{baseline},{candidate},{third['id']}", "limit": 5},
    )
    assert answer["baseline"] == baseline
    assert [e["id"] for e in answer["experiments"]] == [baseline, candidate, third["id"]]
    tests = {t["experiment_id"]: {m["name"]: m for m in t["metrics"]} for t in answer["tests"]}
    exact = tests[candidate]["exact_match"]
    assert exact["n"] == 12 and exact["mean_difference"] == pytest.approx(8 / 12)
    assert exact["significant"] and exact["verdict"] == "better"
    assert exact["t_test_p"] < 0.05 and exact["wilcoxon_p"] < 0.05
    assert exact["t_test_p"] <= exact["t_test_p_holm"] < 0.05
    assert exact["ci_low"] > 0 and exact["improvements"] == 8 and exact["regressions"] == 0
    latency = tests[candidate]["latency_ms"]
    assert latency["verdict"] == "worse" and latency["regressions"] == 12
    assert latency["mean_difference"] > 900
    assert tests[third["id"]]["exact_match"]["n"] == 12  # matched by id across versions

    items = answer["items"]
    assert [i["item_id"] for i in items] == ["q00", "q01", "q02", "q03", "q04"]
    q04 = items[4]
    assert [s["experiment_id"] for s in q04["sides"]] == [baseline, candidate, third["id"]]
    assert q04["sides"][0]["marks"] == {}
    assert q04["sides"][1]["marks"]["exact_match"] == "improvement"
    assert q04["sides"][1]["marks"]["latency_ms"] == "regression"
    assert q04["sides"][1]["runs"][0]["output"] == "answer 4"
    assert q04["expected"] == "answer 4"
    following = call(
        "GET",
        api,
        f"{P}/experiments/compare",
        200,
        params={
            "experiments": f"{baseline},{candidate}",
            "limit": 5,
            "cursor": answer["next_cursor"],
        },
    )
    assert [i["item_id"] for i in following["items"]] == ["q05", "q06", "q07", "q08", "q09"]


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    experiment_studio: Studio,
) -> None:
    api = experiment_studio.api
    make_dataset(experiment_studio, "strict", questions(2))
    make_dataset(experiment_studio, "other", questions(2))

    def refused(status: int, body: Any, field: str, path: str = f"{P}/experiments") -> None:
        resp = requests.post(api + path, json=body, timeout=60)
        assert resp.status_code == status, resp.text
        assert field in resp.json()["error"]["message"], resp.text

    refused(404, {"dataset": "absent"}, "dataset 'absent'")
    refused(404, {"dataset": "strict", "version": 7}, "version")
    refused(404, {"dataset": "strict", "version": "no-such-tag"}, "version")
    refused(400, {"dataset": "strict", "version": 0}, "version")
    refused(400, {"dataset": "strict", "version": [1]}, "version")
    refused(400, {"dataset": "strict", "repetitions": 0}, "repetitions")
    refused(400, {"dataset": "strict", "evaluators": ["no_such"]}, "evaluators[0].evaluator")
    refused(
        400,
        {
            "dataset": "strict",
            "evaluators": [{"evaluator": "regex", "parameters": {"pattern": 3}}],
        },
        "pattern",
    )
    refused(400, {"dataset": "strict", "colour": "red"}, "colour")
    assert (
        call("GET", api, f"{P}/experiments", 200, params={"dataset": "strict"})["experiments"] == []
    )

    eid = create(experiment_studio, "strict", repetitions=2)["id"]
    runs = f"{P}/experiments/{eid}/runs"
    good = {"item_id": "q00", "repetition": 1, "output": "answer 0"}
    refused(400, {"runs": [good, {"item_id": "q99"}]}, "runs[1].item_id", runs)
    refused(400, {"runs": [good, {"item_id": "q01", "repetition": 3}]}, "runs[1].repetition", runs)
    refused(400, {"runs": [good, dict(good)]}, "runs[1] repeats runs[0]", runs)
    refused(400, {"runs": [good, {"item_id": "q01", "trace_id": "xyz"}]}, "runs[1].trace_id", runs)
    refused(
        400,
        {
            "runs": [
                {
                    **good,
                    "ended_at": "2026-01-01T00:00:00+00:00",
                    "started_at": "2026-01-01T00:00:01+00:00",
                }
            ]
        },
        "runs[0].ended_at",
        runs,
    )
    got = call("GET", api, f"{P}/experiments/{eid}", 200)
    assert got["runs"]["succeeded"] + got["runs"]["failed"] == 0  # nothing half-written

    scores = f"{P}/experiments/{eid}/scores"
    refused(
        400, {"scores": [{"run_id": "nope", "name": "x", "value": 1}]}, "scores[0].run_id", scores
    )

    other = create(experiment_studio, "other")["id"]
    resp = requests.get(
        api + f"{P}/experiments/compare", params={"experiments": f"{eid},{other}"}, timeout=60
    )
    assert resp.status_code == 400 and "experiments" in resp.json()["error"]["message"]
    resp = requests.get(api + f"{P}/experiments/compare", params={"experiments": eid}, timeout=60)
    assert resp.status_code == 400 and "experiments" in resp.json()["error"]["message"]
    resp = requests.get(api + f"{P}/experiments/not-an-id", timeout=60)
    assert resp.status_code == 400 and "experiment_id" in resp.json()["error"]["message"]
    resp = requests.get(api + f"/api/v1/projects/elsewhere/experiments/{eid}", timeout=60)
    assert resp.status_code == 404

    # deleting a dataset deletes its experiments and their runs
    record(experiment_studio, other, [{"item_id": "q00", "output": "answer 0"}])
    call("DELETE", api, f"{P}/datasets/other", 204)
    call("GET", api, f"{P}/experiments/{other}", 404)


def test_deleting_an_experiment_or_its_dataset_deletes_its_scores(
    experiment_studio: Studio,
) -> None:
    """Scores live in ClickHouse, beside the runs' traces, out of reach of the
    metadata cascade: they go with their experiment, and with its dataset."""
    api = experiment_studio.api

    def scored_experiment(dataset: str) -> list[str]:
        make_dataset(experiment_studio, dataset, questions(2))
        eid = create(experiment_studio, dataset, evaluators=["exact_match"])["id"]
        traces = [new_trace_id().hex() for _ in range(2)]
        runs = [
            {"item_id": f"q{i:02d}", "output": f"answer {i}", "trace_id": traces[i]}
            for i in range(2)
        ]
        assert len(record(experiment_studio, eid, runs)["scores"]) == 2
        for trace in traces:
            scores = call("GET", api, f"{P}/traces/{trace}/scores", 200)["scores"]
            assert [s["name"] for s in scores] == ["exact_match"]
        return [eid, *traces]

    eid, *traces = scored_experiment("scored")
    call("DELETE", api, f"{P}/experiments/{eid}", 204)
    call("GET", api, f"{P}/experiments/{eid}", 404)
    for trace in traces:
        assert call("GET", api, f"{P}/traces/{trace}/scores", 200)["scores"] == []
    call("DELETE", api, f"{P}/experiments/{eid}", 404)

    _, *traces = scored_experiment("scored-dataset")
    call("DELETE", api, f"{P}/datasets/scored-dataset", 204)
    for trace in traces:
        assert call("GET", api, f"{P}/traces/{trace}/scores", 200)["scores"] == []
