"""Scores a client computed for an experiment's runs (the SDK's Python evaluators):
{"scores": [{"run_id", "name", "value", "data_type"?, "comment"?, "evaluator"?}]},
checked as every score is (scores/score_input.py), stored on the run's trace with
the experiment and run ids. A score's id is its run's and name's, so sending it
again replaces it."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from gls_engine import request_params as p
from gls_engine.errors import InvalidParameterError
from gls_engine.experiments.catalog import find_experiment
from gls_engine.experiments.run_scoring import NO_TRACE, score_id
from gls_engine.metadata.models.experiments import ExperimentRunRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.scores.score_input import (
    MAX_BATCH,
    MAX_COMMENT_CHARS,
    MAX_WHO_CHARS,
    check_name,
    check_value,
    infer_data_type,
    optional_text,
)
from gls_engine.scores.stored_score import DATA_TYPES, StoredScore

FIELDS = {"run_id", "name", "value", "data_type", "comment", "evaluator", "trace_id"}
# run id -> score name -> the evaluator's trace id
EvaluatorTraces = dict[str, dict[str, str]]


def _entry(index: int, entry: Any) -> dict[str, Any]:
    where = f"scores[{index}]."
    if not isinstance(entry, dict):
        raise InvalidParameterError(f"scores[{index}] must be a JSON object")
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise InvalidParameterError(f"{where}{unknown[0]} is not a field of an experiment score")
    run_id = entry.get("run_id")
    if not isinstance(run_id, str) or not run_id:
        raise InvalidParameterError(f"{where}run_id is required: a run of the experiment")
    name = check_name(where, entry.get("name"))
    if entry.get("value") is None:
        raise InvalidParameterError(f"{where}value is required")
    data_type = entry.get("data_type") or infer_data_type(entry["value"])
    if data_type not in DATA_TYPES:
        raise InvalidParameterError(f"{where}data_type must be one of {', '.join(DATA_TYPES)}")
    value, string_value = check_value(where, data_type, entry["value"])
    trace = entry.get("trace_id")
    if trace is not None:
        if not isinstance(trace, str):
            raise InvalidParameterError(f"{where}trace_id must be 32 hex characters")
        try:
            trace = p.trace_id(trace)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{where}{exc}") from None
    return {
        "trace_id": trace,
        "run_id": run_id,
        "name": name,
        "data_type": data_type,
        "value": value,
        "string_value": string_value,
        "comment": optional_text(where, "comment", entry.get("comment"), MAX_COMMENT_CHARS),
        "evaluator": optional_text(where, "evaluator", entry.get("evaluator"), MAX_WHO_CHARS),
    }


async def client_scores(
    metadata: MetadataStore, project: str, experiment_id: str, document: dict[str, Any]
) -> tuple[list[StoredScore], EvaluatorTraces]:
    """The scores to store, and the evaluators' traces some of them name."""
    if set(document) != {"scores"}:
        raise InvalidParameterError('the body is {"scores": [...]}')
    entries = document["scores"]
    if not isinstance(entries, list) or not entries:
        raise InvalidParameterError("scores must be a non-empty array")
    if len(entries) > MAX_BATCH:
        raise InvalidParameterError(f"scores has {len(entries)} items, more than {MAX_BATCH}")
    parsed = [_entry(i, entry) for i, entry in enumerate(entries)]
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(parsed):
        pair = (entry["run_id"], entry["name"])
        if pair in seen:
            raise InvalidParameterError(f"scores[{i}] repeats scores[{seen[pair]}]: run and name")
        seen[pair] = i
    async with metadata.sessions() as session:
        experiment = await find_experiment(session, project, experiment_id)
        traces = dict(
            (
                await session.execute(
                    select(ExperimentRunRow.id, ExperimentRunRow.trace_id).where(
                        ExperimentRunRow.experiment_id == experiment.id,
                        ExperimentRunRow.id.in_(sorted({e["run_id"] for e in parsed})),
                    )
                )
            ).all()
        )
    now = time.time_ns()
    scores = []
    for i, entry in enumerate(parsed):
        if entry["run_id"] not in traces:
            raise InvalidParameterError(
                f"scores[{i}].run_id {entry['run_id']!r} is not a run of experiment {experiment.id}"
            )
        scores.append(
            StoredScore(
                id=score_id(entry["run_id"], entry["name"]),
                trace_id=traces[entry["run_id"]] or NO_TRACE,
                span_id="",
                name=entry["name"],
                data_type=entry["data_type"],
                value=entry["value"],
                string_value=entry["string_value"],
                comment=entry["comment"],
                source="evaluator",
                evaluator=entry["evaluator"],
                author="",
                experiment_id=experiment.id,
                run_id=entry["run_id"],
                created_ns=now,
                updated_ns=now,
                # kept on the score too: the trace's scores panel links it as well
                judge_trace_id=entry["trace_id"] or "",
            )
        )
    evaluator_traces: EvaluatorTraces = {}
    for entry in parsed:
        if entry["trace_id"] is not None:
            evaluator_traces.setdefault(entry["run_id"], {})[entry["name"]] = entry["trace_id"]
    return scores, evaluator_traces


async def record_evaluator_traces(
    metadata: MetadataStore, experiment_id: str, traces: EvaluatorTraces
) -> None:
    """Merges score name -> evaluator trace into each run's evaluator_traces."""
    if not traces:
        return
    async with metadata.sessions() as session, session.begin():
        rows = await session.scalars(
            select(ExperimentRunRow).where(
                ExperimentRunRow.experiment_id == experiment_id,
                ExperimentRunRow.id.in_(sorted(traces)),
            )
        )
        for row in rows:
            row.evaluator_traces = {**(row.evaluator_traces or {}), **traces[row.id]}
