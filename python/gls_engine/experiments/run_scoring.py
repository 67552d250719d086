"""The experiment's heuristic evaluators run on each recorded run that has an output
(its LLM judges: judge_scoring.py),
their scores stored in the scores table with the experiment and run ids (the trace
they attach to is the run's). A score's id is worked out from its run and name
(score_id), so scoring a run again overwrites its scores instead of adding more."""

from __future__ import annotations

import hashlib
from typing import Any

from gls_engine.evaluators.catalogue import build_evaluator
from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.score import Score
from gls_engine.scores.score_input import evaluator_score
from gls_engine.scores.stored_score import StoredScore

NO_TRACE = "0" * 32


def score_id(run_id: str, name: str) -> str:
    return hashlib.sha256(f"{run_id}\0{name}".encode()).hexdigest()[:40]


def stored_score(
    score: Score,
    *,
    score_id: str,
    name: str,
    evaluator: str,
    experiment_id: str,
    run_id: str,
    trace_id: str | None,
) -> StoredScore:
    return evaluator_score(
        score,
        score_id=score_id,
        name=name,
        evaluator=evaluator,
        trace_id=trace_id or NO_TRACE,
        experiment_id=experiment_id,
        run_id=run_id,
    )


def score_runs(
    experiment_id: str, evaluators: list[dict[str, Any]], runs: list[dict[str, Any]]
) -> tuple[list[StoredScore], list[dict[str, Any]]]:
    """(scores to store, errors: {run_id, name, error}) of every evaluator on every run
    without an error. `runs` holds id, output, trace_id and the item's input / expected /
    metadata. A score an evaluator could not compute is an error, not a stored score."""
    built = [
        (spec, build_evaluator(spec["evaluator"], spec["parameters"]))
        for spec in evaluators
        if spec.get("kind", "heuristic") == "heuristic"
    ]
    scores: list[StoredScore] = []
    errors: list[dict[str, Any]] = []
    for run in runs:
        if run["error"] is not None:
            continue
        case = EvalCase(
            output=run["output"],
            input=run["item"]["input"],
            expected=run["item"]["expected"],
            metadata=run["item"]["metadata"] or {},
        )
        for spec, evaluator in built:
            keep_score(scores, errors, evaluator.score(case), spec, run, experiment_id)
    return scores, errors


def keep_score(
    scores: list[StoredScore],
    errors: list[dict[str, Any]],
    score: Score,
    spec: dict[str, Any],
    run: dict[str, Any],
    experiment_id: str,
) -> None:
    """An evaluator's score of a run, kept to store, or its error to report."""
    if score.error is not None:
        error = {"run_id": run["id"], "name": spec["name"], "error": score.error}
        if score.judge_trace_id:
            error["judge_trace_id"] = score.judge_trace_id  # what the judge did, to see why
        errors.append(error)
        return
    scores.append(
        stored_score(
            score,
            score_id=score_id(run["id"], spec["name"]),
            name=spec["name"],
            evaluator=spec["evaluator"],
            experiment_id=experiment_id,
            run_id=run["id"],
            trace_id=run["trace_id"],
        )
    )
