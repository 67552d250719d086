"""The Python SDK (sdk/python, installed by scripts/install.sh) against real Studios:
datasets made and read, run_experiment with built-in and Python evaluators and
repetitions (each run its own trace with the experiment's attributes, an LLM call
inside it priced and its carbon counted), a cut experiment resumed running only
what failed, two variants compared, feedback scores on a production trace; the
same on PostgreSQL metadata."""

from __future__ import annotations

import asyncio
import csv
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from greenlang_studio import Client, EvaluationResult, StudioError

from conftest import Studio
from otlp_helpers import wait_for_trace

pytest_plugins = ["sdk_studios"]  # sdk_studio, sdk_studio_on_postgres

CAPITALS = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Peru": "Lima",
    "Kenya": "Nairobi",
    "Chile": "Santiago",
    "Norway": "Oslo",
}


def capitals_dataset(client: Client, name: str) -> None:
    dataset = client.create_dataset(name, description="capitals")
    dataset.add_items(
        [
            {"id": country.lower(), "input": {"country": country}, "expected": city}
            for country, city in CAPITALS.items()
        ]
    )


def llm_task(client: Client, answer: Any, model: str = "gpt-4o-mini", tokens: int = 100) -> Any:
    """A task whose model call is a child span of the run (GenAI attributes: priced)."""

    def task(question: dict[str, str]) -> str:
        with client.tracer.start_as_current_span(
            f"chat {model}",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": tokens,
                "gen_ai.usage.output_tokens": 10,
            },
        ):
            return answer(question["country"])

    return task


def settled_results(experiment: Any, runs: int) -> list[dict[str, Any]]:
    """The results once every run's trace has arrived (the exporter batches)."""
    deadline = time.monotonic() + 60
    while True:
        results = list(experiment.results(page_size=4))
        if len(results) == runs and all(r["cost_usd"] for r in results):
            return results
        assert time.monotonic() < deadline, results[:2]
        time.sleep(0.2)


def test_run_experiment_traces_scores_and_keeps_every_repetition(sdk_studio: Studio) -> None:
    client = Client(sdk_studio.api, project="sdk-run")
    capitals_dataset(client, "capitals")
    dataset = client.get_dataset("capitals")
    assert dataset.latest_version == 1
    items = list(dataset.items())
    assert sorted(i["id"] for i in items) == sorted(c.lower() for c in CAPITALS)

    def starts_upper(output: str, expected: str) -> EvaluationResult:
        # a judge's model call, traced in the evaluator's own trace
        with client.tracer.start_as_current_span(
            "chat judge",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 50,
                "gen_ai.usage.output_tokens": 5,
            },
        ):
            return EvaluationResult(
                score=float(output[:1].isupper()), explanation=f"{output!r} vs {expected!r}"
            )

    experiment = client.run_experiment(
        dataset,
        llm_task(client, lambda country: CAPITALS[country] if country != "Peru" else "lima"),
        evaluators=["exact_match", ("string_similarity", {"threshold": 0.5}), starts_upper],
        repetitions=2,
        max_concurrency=3,
        name="baseline",
        metadata={"model": "gpt-4o-mini", "prompt": "v1"},
    )
    summary = experiment.experiment
    assert summary["status"] == "completed" and summary["runs"]["succeeded"] == 12
    assert summary["metadata"] == {"model": "gpt-4o-mini", "prompt": "v1"}

    results = settled_results(experiment, 12)
    assert sorted((r["item_id"], r["repetition"]) for r in results) == sorted(
        (c.lower(), rep) for c in CAPITALS for rep in (1, 2)
    )
    assert len({r["trace_id"] for r in results}) == 12  # a trace per run
    for result in results:
        names = {s["name"]: s for s in result["scores"]}
        assert set(names) == {"exact_match", "string_similarity", "starts_upper"}
        peru = result["item_id"] == "peru"
        assert names["exact_match"]["value"] is (not peru)
        assert names["starts_upper"]["value"] == (0.0 if peru else 1.0)
        assert names["starts_upper"]["explanation"].endswith(f"vs '{result['item']['expected']}'")
        judge_trace = names["starts_upper"]["trace_id"]
        assert judge_trace not in (None, result["trace_id"])
        assert names["starts_upper"]["trace_url"] == f"/#/sdk-run/trace/{judge_trace}"
        assert names["starts_upper"]["judge_trace_id"] == judge_trace
        assert names["exact_match"]["trace_id"] is None
        assert result["total_tokens"] == 110 and result["carbon_g"] > 0
        assert result["models"] == ["gpt-4o-mini"]

    judged = next(s for s in results[0]["scores"] if s["name"] == "starts_upper")
    judge = wait_for_trace(sdk_studio.api, "sdk-run", judged["trace_id"], spans=2)
    # the stored score keeps it too: the run's trace's scores link it
    on_trace = requests.get(
        f"{sdk_studio.api}/api/v1/projects/sdk-run/traces/{results[0]['trace_id']}/scores",
        timeout=30,
    ).json()["scores"]
    assert {s["name"]: s["judge_trace_id"] for s in on_trace}["starts_upper"] == judged["trace_id"]
    assert {s["name"] for s in judge["spans"]} == {"evaluate: starts_upper", "chat judge"}
    assert judge["totals"]["cost"]["total_usd"] > 0  # what judging cost
    trace = wait_for_trace(sdk_studio.api, "sdk-run", results[0]["trace_id"], spans=2)
    root = next(s for s in trace["spans"] if s["span_id"] == results[0]["span_id"])
    attributes = root["attributes"]
    assert attributes["gls.experiment.id"] == experiment.id
    assert attributes["gls.experiment.run_id"] == results[0]["id"]
    assert attributes["gls.dataset.item_id"] == results[0]["item_id"]
    assert str(attributes["gls.experiment.repetition"]) == str(results[0]["repetition"])

    aggregates = experiment.aggregates()
    assert aggregates["scores"]["exact_match"]["mean"] == pytest.approx(10 / 12)
    assert aggregates["totals"]["total_tokens"] == 12 * 110
    assert [e["id"] for e in dataset.experiments()] == [experiment.id]

    # a new version, a tag on the old one, the diff; an experiment on the tag
    dataset.tag("frozen", 1)
    version = dataset.change(patch=[{"id": "peru", "expected": "lima"}], delete=["chile"])
    assert version["version"] == 2 == dataset.latest_version
    changes = {c["id"]: c["change"] for c in dataset.diff(1, 2)}
    assert changes == {"peru": "changed", "chile": "removed"}
    frozen = client.run_experiment(
        dataset, lambda question: CAPITALS[question["country"]], ["exact_match"], version="frozen"
    )
    assert frozen.experiment["dataset_version"] == 1 and frozen.experiment["item_count"] == 6
    client.close()


def test_a_csv_upload_then_an_experiment_over_it(sdk_studio: Studio, tmp_path: Path) -> None:
    client = Client(sdk_studio.api, project="sdk-upload")
    dataset = client.create_dataset("questions")
    questions = tmp_path / "questions.csv"
    with questions.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "input", "expected", "topic"])
        for i in range(50):
            writer.writerow([f"q{i:02d}", f"What is {i} + {i}?", str(2 * i), "arithmetic"])
    job = dataset.upload(questions, id_column="id", metadata_columns=["topic"])
    assert job["state"] == "succeeded" and job["version"] == 1 == dataset.latest_version
    first = next(dataset.items())
    assert first["expected"] == "0" and first["metadata"] == {"topic": "arithmetic"}

    def solve(question: str) -> str:
        return str(2 * int(question.split()[2]))

    experiment = client.run_experiment(dataset, solve, ["exact_match"])
    assert experiment.aggregates()["scores"]["exact_match"]["mean"] == 1.0

    broken = tmp_path / "broken.csv"
    broken.write_text("id,question\nb1,fine\nb1,duplicate id\n")
    with pytest.raises(StudioError) as failed:
        dataset.upload(broken, id_column="id")
    assert "row" in failed.value.message
    client.close()


def test_a_cut_experiment_resumes_only_what_failed(sdk_studio: Studio) -> None:
    client = Client(sdk_studio.api, project="sdk-resume")
    capitals_dataset(client, "capitals")
    calls: list[str] = []
    lock = threading.Lock()

    def flaky(question: dict[str, str]) -> str:
        with lock:
            calls.append(question["country"])
            country = question["country"]
            # Peru fails every time, Chile only the first time (one of its repetitions)
            failing = country == "Peru" or (country == "Chile" and calls.count("Chile") == 1)
        if failing:
            raise ConnectionError("provider unavailable")
        return CAPITALS[question["country"]]

    experiment = client.run_experiment("capitals", flaky, ["exact_match"], repetitions=2)
    assert experiment.experiment["status"] == "completed_with_errors"
    assert experiment.experiment["runs"]["failed"] == 3
    failed = [r for r in experiment.results() if r["error"]]
    assert {r["item_id"] for r in failed} == {"peru", "chile"}
    assert all("ConnectionError: provider unavailable" in r["error"] for r in failed)

    calls.clear()
    resumed = client.resume_experiment(
        experiment.id, lambda q: CAPITALS[q["country"]] if not calls.append(q["country"]) else None
    )
    assert sorted(calls) == ["Chile", "Peru", "Peru"]  # only the failed pairs ran
    assert resumed.experiment["status"] == "completed"
    assert resumed.aggregates()["scores"]["exact_match"]["mean"] == 1.0
    client.close()


def test_async_tasks_and_evaluators_are_awaited(sdk_studio: Studio) -> None:
    client = Client(sdk_studio.api, project="sdk-async")
    capitals_dataset(client, "capitals")

    async def task(question: dict[str, str]) -> str:
        await asyncio.sleep(0)
        return CAPITALS[question["country"]]

    async def long_name(output: str) -> bool:
        await asyncio.sleep(0)
        return len(output) > 5

    experiment = client.run_experiment("capitals", task, [long_name], max_concurrency=2)
    results = list(experiment.results())
    assert sorted(r["output"] for r in results) == sorted(CAPITALS.values())
    assert {r["output"]: r["scores"][0]["value"] for r in results}["Nairobi"] is True
    assert {r["output"]: r["scores"][0]["value"] for r in results}["Lima"] is False
    client.close()


def test_two_variants_compared_and_feedback_scored(sdk_studio: Studio) -> None:
    client = Client(sdk_studio.api, project="sdk-compare")
    dataset = client.create_dataset("arith")
    dataset.add_items(
        [
            {"id": f"a{i:02d}", "input": {"a": i, "b": i + 1}, "expected": str(2 * i + 1)}
            for i in range(20)
        ]
    )
    weak = client.run_experiment(
        "arith",
        lambda q: str(q["a"] + q["b"]) if q["a"] % 4 == 0 else "?",
        ["exact_match"],
        name="weak",
    )
    strong = client.run_experiment(
        "arith", lambda q: str(q["a"] + q["b"]), ["exact_match"], name="strong"
    )
    comparison = client.compare([weak.id, strong.id], limit=20)
    exact = next(m for m in comparison["tests"][0]["metrics"] if m["name"] == "exact_match")
    assert exact["n"] == 20 and exact["verdict"] == "better" and exact["improvements"] == 15
    assert exact["t_test_p"] < 0.001
    assert len(comparison["items"]) == 20

    # feedback on a production trace
    trace_id = next(iter(strong.results()))["trace_id"]
    wait_for_trace(sdk_studio.api, "sdk-compare", trace_id)
    client.score(trace_id, "thumbs", True, comment="helpful")
    stored = requests.get(
        f"{sdk_studio.api}/api/v1/projects/sdk-compare/traces/{trace_id}/scores", timeout=30
    ).json()
    # the run's trace holds its experiment score and the feedback
    assert sorted((s["name"], s["value"], s["comment"]) for s in stored["scores"]) == [
        ("exact_match", True, None),
        ("thumbs", True, "helpful"),
    ]

    with pytest.raises(StudioError) as refused:
        client.run_experiment("arith", str, repetitions=0)
    assert refused.value.status == 400 and "repetitions" in refused.value.message
    client.close()


def test_the_sdk_on_postgresql_metadata(sdk_studio_on_postgres: Studio) -> None:
    client = Client(sdk_studio_on_postgres.api, project="sdk-pg")
    capitals_dataset(client, "capitals")
    experiment = client.run_experiment(
        "capitals",
        llm_task(client, lambda country: CAPITALS[country]),
        ["exact_match"],
        repetitions=2,
    )
    results = settled_results(experiment, 12)
    assert all(s["value"] is True for r in results for s in r["scores"])
    assert experiment.aggregates()["totals"]["cost_usd"] > 0
    client.close()
