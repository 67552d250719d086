"""An experiment's results, a page at a time: each run with its item (input,
expected), output and its diff against the expected, the trace's latency, tokens,
cost, energy and carbon, every score with its explanation and its judge's trace,
and the trace link.

A page costs three reads: the runs and their items (metadata store), the traces'
figures and the runs' scores (one ClickHouse query each, by the page's traces).
"""

from __future__ import annotations

from typing import Any

from gls_engine import request_params as p
from gls_engine.experiments.catalog import find_experiment
from gls_engine.experiments.experiment_scores import scores_by_run
from gls_engine.experiments.output_diff import output_diff
from gls_engine.experiments.run_metrics import run_metrics
from gls_engine.experiments.run_rows import runs_with_items
from gls_engine.experiments.runs import run_json
from gls_engine.experiments.trace_figures import trace_figures
from gls_engine.metadata.store import MetadataStore
from gls_engine.storage import SpanStore

MAX_PAGE = 200


def trace_link(project: str, trace_id: str | None) -> str | None:
    return None if trace_id is None else f"/#/{project}/trace/{trace_id}"


def _with_trace(project: str, score: dict[str, Any], sent_trace: str | None) -> dict[str, Any]:
    """A score with its evaluator's trace: the Studio's judge's own (judge_trace_id),
    or the one the client sent with its score."""
    trace_id = score["judge_trace_id"] or sent_trace
    return {
        **score,
        "judge_trace_id": trace_id,
        "trace_id": trace_id,
        "trace_url": trace_link(project, trace_id),
    }


async def results_page(
    metadata: MetadataStore,
    spans: SpanStore,
    project: str,
    experiment_id: str,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    after = tuple(p.decode_cursor(cursor, (int, int))) if cursor else None
    async with metadata.sessions() as session:
        experiment = await find_experiment(session, project, experiment_id)
        rows = await runs_with_items(session, experiment, after, limit)
    trace_ids = [run.trace_id for run, _ in rows if run.trace_id]
    figures = await trace_figures(spans, project, trace_ids)
    scores = await scores_by_run(spans, project, [experiment.id], trace_ids + ["0" * 32])
    results = []
    for run, item in rows:
        answer = run_json(run, item["id"])
        results.append(
            {
                **answer,
                "item": item,
                "diff": None
                if run.error is not None
                else output_diff(item["expected"], run.output),
                **run_metrics(run, figures.get(run.trace_id or "")),
                "scores": [
                    _with_trace(project, score, (run.evaluator_traces or {}).get(score["name"]))
                    for score in scores.get(run.id, [])
                ],
                "trace_url": trace_link(project, run.trace_id),
            }
        )
    next_cursor = None
    if len(rows) == limit:
        last = rows[-1][0]
        next_cursor = p.encode_cursor([last.item_id, last.repetition])
    return {"experiment_id": experiment.id, "results": results, "next_cursor": next_cursor}
