"""The metrics every run has, from its trace (trace_figures.py) or, before the
trace's spans arrive or without a trace, the run's own start and end."""

from __future__ import annotations

from typing import Any

# name -> whether a lower value is better (all of them: they are costs)
METRICS = ("latency_ms", "total_tokens", "cost_usd", "energy_kwh", "carbon_g")


def run_metrics(run: Any, figures: dict[str, Any] | None) -> dict[str, Any]:
    """`run`: a run's row or model (started_at, ended_at)."""
    latency = None
    if figures is not None:
        latency = figures["latency_ms"]
    elif run.started_at is not None and run.ended_at is not None:
        latency = (run.ended_at - run.started_at).total_seconds() * 1000
    figures = figures or {}
    return {
        "latency_ms": latency,
        "input_tokens": figures.get("input_tokens"),
        "output_tokens": figures.get("output_tokens"),
        "total_tokens": figures.get("total_tokens"),
        "cost_usd": figures.get("cost_usd"),
        "energy_kwh": figures.get("energy_kwh"),
        "carbon_g": figures.get("carbon_g"),
        "models": figures.get("models", []),
    }
