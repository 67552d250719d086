"""An experiment's scores, read from the scores table by experiment id (and, for a
page of results, by the page's traces: the table's order starts with the trace,
so those reads are key ranges)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gls_engine.scores.score_store import SCORE_COLUMNS
from gls_engine.storage import SpanStore

# Most scores one experiment answers in aggregates and comparisons: 100k runs x 10.
MAX_SCORES = 1_000_000


def _score(row: dict[str, Any]) -> dict[str, Any]:
    data_type = row["data_type"]
    shown: Any = row["value"]
    if data_type == "categorical":
        shown = row["string_value"]
    elif data_type == "boolean":
        shown = row["string_value"] == "true"
    return {
        "id": row["id"],
        "name": row["name"],
        "data_type": data_type,
        "value": shown,
        "numeric_value": row["value"],
        "label": row["string_value"] or None,
        "explanation": row["comment"] or None,
        "source": row["source"],
        "evaluator": row["evaluator"] or None,
        "run_id": row["run_id"],
        "judge_trace_id": row["judge_trace_id"] or None,
    }


async def scores_by_run(
    store: SpanStore,
    project: str,
    experiment_ids: Sequence[str],
    trace_ids: Sequence[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """run id -> its scores (by name), of the experiments' runs (on `trace_ids` only
    when given)."""
    sql = (
        f"SELECT {SCORE_COLUMNS} FROM scores FINAL WHERE project = {{project:String}}"
        " AND experiment_id IN {experiments:Array(String)}"
    )
    params: dict[str, Any] = {"project": project, "experiments": list(experiment_ids)}
    if trace_ids is not None:
        sql += " AND trace_id IN (SELECT arrayJoin(arrayMap(t -> toFixedString(unhex(t), 16), {ids:Array(String)})))"
        params["ids"] = sorted(set(trace_ids))
    rows = await store.query_rows(f"{sql} ORDER BY run_id, name, id LIMIT {MAX_SCORES}", params)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["run_id"], []).append(_score(row))
    return out


async def score_values(
    store: SpanStore, project: str, experiment_id: str
) -> dict[str, list[tuple[str, float | None, str]]]:
    """run id -> (name, numeric value, label) of its scores: what aggregates and
    comparisons compute on, without building a whole score per row."""
    rows = await store.query_rows(
        "SELECT run_id, name, value, string_value FROM scores FINAL"
        " WHERE project = {project:String} AND experiment_id = {experiment:String}"
        f" ORDER BY run_id, name LIMIT {MAX_SCORES}",
        {"project": project, "experiment": experiment_id},
    )
    out: dict[str, list[tuple[str, float | None, str]]] = {}
    for row in rows:
        out.setdefault(row["run_id"], []).append((row["name"], row["value"], row["string_value"]))
    return out
