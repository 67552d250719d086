"""A run's figures read back from its stored trace: each step span's tokens, cost,
energy and carbon (with their ranges) as the ingest pipeline computed them
(prices, the power model, the zone's intensity), by the trace's id through
TraceQueries (one primary-key lookup), and the run's totals over every span.

The store keeps energy in kWh; a run's steps are small, so they are answered
in Wh."""

from __future__ import annotations

from typing import Any, Protocol

from gls_engine.chains.run_context import FIGURE_NAMES, StepRecord, summed_figures
from gls_engine.query.traces import TraceQueries

FIGURE_COLUMNS = (
    "lower(hex(span_id)) AS span_hex, toUnixTimestamp64Nano(start_time) AS start_ns,"
    " input_tokens, output_tokens, cost_usd, energy_kwh, energy_kwh_min, energy_kwh_max,"
    " carbon_g, carbon_g_min, carbon_g_max"
)


class SpanFigures(Protocol):
    async def span_figures(self, project: str, trace_id: str) -> dict[str, dict[str, Any]]:
        """span id (hex) -> its figures, for the trace's stored spans."""
        ...


def _wh(kwh: Any) -> float | None:
    return None if kwh is None else float(kwh) * 1000


class StoredSpanFigures:
    def __init__(self, queries: TraceQueries) -> None:
        self._queries = queries

    async def span_figures(self, project: str, trace_id: str) -> dict[str, dict[str, Any]]:
        rows = await self._queries.trace_rows(project, trace_id, columns=FIGURE_COLUMNS)
        return {
            row["span_hex"]: {
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
                "cost_usd": row["cost_usd"],
                "energy_wh": _wh(row["energy_kwh"]),
                "energy_wh_min": _wh(row["energy_kwh_min"]),
                "energy_wh_max": _wh(row["energy_kwh_max"]),
                "carbon_g": row["carbon_g"],
                "carbon_g_min": row["carbon_g_min"],
                "carbon_g_max": row["carbon_g_max"],
            }
            for row in rows
        }


def fill_step_figures(steps: list[StepRecord], figures: dict[str, dict[str, Any]]) -> None:
    for step in steps:
        found = figures.get(step.span_id or "")
        if found:
            for name in FIGURE_NAMES:
                setattr(step, name, found[name])


def totals(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Sums over the trace's spans; a figure no span knows stays None."""
    return {"spans": len(figures), **summed_figures(figures.values())}
