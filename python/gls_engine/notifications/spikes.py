"""Error-rate and cost spikes: a period of a project against the period before it.

One statement over trace_summaries (traces grouped by id, as the trace list
counts them) gives both periods' traces, failed traces and known cost per
chain; the project's figures are their sums (each trace has one chain). The
project, then each named chain, is judged; a spike is a rise that is both
relative and large enough to matter:

- error rate (failed traces / traces): at least MIN_ERRORS failed traces, and
  the rate at least twice the previous one and 5 points above it;
  critical from a 25 % rate.
- cost (known cost of the traces): at least 1.5 times the previous period's
  and at least MIN_COST_RISE_USD more; critical from 3 times.
"""

from __future__ import annotations

from typing import Any

from gls_engine.storage import SpanStore

MIN_ERRORS = 3
ERROR_RATE_FACTOR, ERROR_RATE_POINTS, CRITICAL_ERROR_RATE = 2.0, 0.05, 0.25
COST_FACTOR, CRITICAL_COST_FACTOR, MIN_COST_RISE_USD = 1.5, 3.0, 0.01
MOST_CHAIN_ITEMS = 5  # per kind, the largest first
FIGURES = ("traces", "failed", "cost", "previous_traces", "previous_failed", "previous_cost")

PERIODS_SQL = """
    SELECT
        trace_chain AS chain,
        countIf(start_ns >= {start:Int64}) AS traces,
        countIf(start_ns >= {start:Int64} AND trace_errors > 0) AS failed,
        sumIf(trace_cost, start_ns >= {start:Int64}) AS cost,
        countIf(start_ns < {start:Int64}) AS previous_traces,
        countIf(start_ns < {start:Int64} AND trace_errors > 0) AS previous_failed,
        sumIf(trace_cost, start_ns < {start:Int64}) AS previous_cost
    FROM (
        SELECT toUnixTimestamp64Nano(min(start_time)) AS start_ns,
            sum(error_count) AS trace_errors, sum(cost_usd) AS trace_cost,
            max(chain) AS trace_chain
        FROM trace_summaries
        WHERE project = {project:String}
            AND day >= toDate(fromUnixTimestamp64Nano({previous:Int64}))
            AND day <= toDate(fromUnixTimestamp64Nano({end:Int64})) + 1
        GROUP BY trace_id
        HAVING start_ns >= {previous:Int64} AND start_ns < {end:Int64}
    )
    GROUP BY chain
"""


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def _window_query(start_ns: int, end_ns: int) -> dict[str, str]:
    """The trace list's time parameters (epoch ms) for the period."""
    return {"start": str(start_ns // 10**6), "end": str(-(-end_ns // 10**6))}


def _where(chain: str | None) -> str:
    return f" in chain {chain}" if chain else ""


def _scope(start_ns: int, end_ns: int, chain: str | None) -> dict[str, str]:
    query = _window_query(start_ns, end_ns)
    return {**query, "chain": chain} if chain else query


def error_rate_item(
    row: dict[str, Any], start_ns: int, end_ns: int, chain: str | None = None
) -> dict[str, Any] | None:
    traces, failed = row["traces"], row["failed"]
    if not traces or failed < MIN_ERRORS:
        return None
    rate = failed / traces
    before = row["previous_failed"] / row["previous_traces"] if row["previous_traces"] else 0.0
    if rate < before * ERROR_RATE_FACTOR or rate < before + ERROR_RATE_POINTS:
        return None
    return {
        "kind": "error_rate_spike",
        "severity": "critical" if rate >= CRITICAL_ERROR_RATE else "warning",
        "message": (
            f"Error rate{_where(chain)} {_percent(rate)} ({failed:,} of {traces:,} traces failed),"
            f" up from {_percent(before)} in the previous period"
        ),
        "value": rate,
        "previous_value": before,
        "scope": "project",
        "traces_query": {**_scope(start_ns, end_ns, chain), "status": "error"},
    }


def cost_item(
    row: dict[str, Any], start_ns: int, end_ns: int, chain: str | None = None
) -> dict[str, Any] | None:
    cost, before = row["cost"], row["previous_cost"]
    if cost < before * COST_FACTOR or cost - before < MIN_COST_RISE_USD:
        return None
    rise = f"{cost / before:.1f} times" if before else "up from nothing in"
    return {
        "kind": "cost_spike",
        "severity": "critical" if before and cost >= before * CRITICAL_COST_FACTOR else "warning",
        "message": (
            f"Cost{_where(chain)} ${cost:,.2f}, {rise} the previous period's ${before:,.2f}"
        ),
        "value": cost,
        "previous_value": before,
        "scope": "project",
        "traces_query": {**_scope(start_ns, end_ns, chain), "sort": "cost", "order": "desc"},
    }


async def spike_items(
    store: SpanStore, project: str, start_ns: int, end_ns: int
) -> list[dict[str, Any]]:
    previous_ns = start_ns - (end_ns - start_ns)
    params = {"project": project, "start": start_ns, "end": end_ns, "previous": previous_ns}
    by_chain = await store.query_rows(PERIODS_SQL, params)
    whole = {figure: sum(row[figure] for row in by_chain) for figure in FIGURES}
    items = []
    for judge in (error_rate_item, cost_item):
        found = judge(whole, start_ns, end_ns)
        if found is not None:
            items.append({**found, "chain": None})
        in_chains = [
            {**item, "chain": row["chain"]}
            for row in by_chain
            if row["chain"] and (item := judge(row, start_ns, end_ns, row["chain"])) is not None
        ]
        in_chains.sort(key=lambda item: item["value"] - item["previous_value"], reverse=True)
        items += in_chains[:MOST_CHAIN_ITEMS]
    return items
