"""An experiment's scores follow the project's score rules: a name keeps one data
type and a score config bounds its values. The client's scores are refused whole
naming scores[i]; the built-in evaluators' scores, computed after the runs are
stored, are answered as score errors and not written, the runs kept."""

from __future__ import annotations

from experiment_requests import call

from conftest import Studio

PROJECT = "exp-rules"
P = f"/api/v1/projects/{PROJECT}"


def test_scores_follow_the_projects_types_and_configs(studio: Studio) -> None:
    api = studio.api
    call("POST", api, f"{P}/datasets", 201, json_body={"name": "d"})
    items = [{"id": f"i{n}", "input": n, "expected": str(n)} for n in range(3)]
    call("POST", api, f"{P}/datasets/d/items", 201, json_body={"items": items})
    call(
        "PUT",
        api,
        f"{P}/score-configs",
        200,
        json_body={"name": "quality", "data_type": "numeric", "min_value": 0, "max_value": 1},
    )
    # "quality" is numeric in this project: a boolean evaluator may not write it
    experiment = call(
        "POST",
        api,
        f"{P}/experiments",
        201,
        json_body={
            "dataset": "d",
            "evaluators": [{"evaluator": "exact_match", "name": "quality"}, "exact_match"],
        },
    )
    eid = experiment["id"]
    recorded = call(
        "POST",
        api,
        f"{P}/experiments/{eid}/runs",
        201,
        json_body={"runs": [{"item_id": f"i{n}", "output": str(n)} for n in range(3)]},
    )
    assert len(recorded["runs"]) == 3
    assert [s["name"] for s in recorded["scores"]] == ["exact_match"] * 3
    assert [e["name"] for e in recorded["score_errors"]] == ["quality"] * 3
    assert all("numeric" in e["error"] for e in recorded["score_errors"])

    run_id = recorded["runs"][0]["id"]
    refused = call(
        "POST",
        api,
        f"{P}/experiments/{eid}/scores",
        400,
        json_body={
            "scores": [
                {"run_id": run_id, "name": "quality", "value": 0.5},
                {"run_id": run_id, "name": "quality2", "value": 1},
                {"run_id": recorded["runs"][1]["id"], "name": "quality", "value": 1.5},
            ]
        },
    )
    assert refused["error"]["message"].startswith("scores[2].")
    stored = call(
        "POST",
        api,
        f"{P}/experiments/{eid}/scores",
        201,
        json_body={"scores": [{"run_id": run_id, "name": "quality", "value": 0.5}]},
    )
    assert stored == {"stored": 1}
    results = call("GET", api, f"{P}/experiments/{eid}/results", 200)["results"]
    first = {s["name"]: s["value"] for s in results[0]["scores"]}
    assert first == {"exact_match": True, "quality": 0.5}
    assert all("quality2" not in {s["name"] for s in r["scores"]} for r in results)
