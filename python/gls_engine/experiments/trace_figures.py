"""What each run's trace cost: latency, tokens, cost, energy and carbon, read from the
spans of the runs' traces in one query for a page (or an experiment) of runs.

The spans table is ordered by (project, trace_id, ...), so a list of trace ids is
a set of primary-key ranges, not a scan. Latency is the trace's span (first start
to last end); sums leave out what a span does not know (NULL tokens or energy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gls_engine.storage import SpanStore

FIGURES_SQL = (
    "SELECT lower(hex(trace_id)) AS trace_hex,"
    " (toUnixTimestamp64Nano(max(end_time)) - toUnixTimestamp64Nano(min(start_time))) / 1e6"
    " AS latency_ms,"
    " count() AS spans,"
    " sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,"
    " sum(total_tokens) AS total_tokens, sum(cost_usd) AS cost_usd,"
    " sum(energy_kwh) AS energy_kwh, sum(carbon_g) AS carbon_g,"
    " groupUniqArrayIf(model, model != '') AS models"
    " FROM spans WHERE project = {project:String}"
    " AND trace_id IN (SELECT arrayJoin(arrayMap(t -> toFixedString(unhex(t), 16), {ids:Array(String)})))"
    " GROUP BY trace_id"
)


async def trace_figures(
    store: SpanStore, project: str, trace_ids: Sequence[str | None]
) -> dict[str, dict[str, Any]]:
    """trace id -> its figures, for the ids whose spans have arrived."""
    ids = sorted({t for t in trace_ids if t})
    if not ids:
        return {}
    rows = await store.query_rows(FIGURES_SQL, {"project": project, "ids": ids})
    return {
        row["trace_hex"]: {
            "latency_ms": row["latency_ms"],
            "spans": int(row["spans"]),
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "total_tokens": row["total_tokens"],
            "cost_usd": row["cost_usd"],
            "energy_kwh": row["energy_kwh"],
            "carbon_g": row["carbon_g"],
            "models": sorted(row["models"]),
        }
        for row in rows
    }
