"""A trace's footer figures, summed on the server from the spans it serves.

The same rules as the trace list's summary (migration 0011): an LLM call is a
span of type llm or embedding; sums are of what is known and say how many
spans are missing from them; data quality is passed checks over applicable
checks of all spans, counted in bits (docs/span-schema.md, "Data quality").

The figures are summed over columns (one list per stored column, a span per
position, in start order), which the trace outline reads as they are; the full
trace's span answers are turned into those columns first, so both sum alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

LLM_SPAN_TYPES = ("llm", "embedding")
UNPRICED = "unpriced"
TOKEN_KINDS = ("input", "output", "cached", "reasoning", "total")
RANGES = ("energy_kwh", "carbon_g", "embodied_carbon_g")

# The columns the totals read: the store's column names, but cost_status as
# its name (traces.COST_STATUS), not its stored code.
TOTALS_COLUMNS = (
    "span_type",
    "cost_status",
    "cost_usd",
    "llm_cost_usd",
    "quality_passed",
    "quality_checks",
    *(f"{kind}_tokens" for kind in TOKEN_KINDS),
    *(f"{name}{part}" for name in RANGES for part in ("", "_min", "_max")),
)

SpanColumns = Mapping[str, Sequence[Any]]


def _known(values: Sequence[Any]) -> int:
    return sum(v for v in values if v is not None)


def _range_sum(columns: SpanColumns, name: str) -> dict[str, float] | None:
    """value, min and max summed over the spans that have the figure; None when none has."""
    values = columns[name]
    has = [i for i, v in enumerate(values) if v is not None]
    if not has:
        return None
    return {
        "value": sum(values[i] for i in has),
        "min": sum(columns[f"{name}_min"][i] for i in has),
        "max": sum(columns[f"{name}_max"][i] for i in has),
    }


def trace_totals(spans: list[dict[str, Any]], duration_ms: float) -> dict[str, Any]:
    """The totals of span answers (the full trace's)."""
    columns: dict[str, list[Any]] = {
        "span_type": [s["span_type"] for s in spans],
        "cost_status": [s["cost"]["status"] for s in spans],
        "cost_usd": [s["cost"]["total_usd"] for s in spans],
        "llm_cost_usd": [s["cost"]["llm_usd"] for s in spans],
        "quality_passed": [s["data_quality"]["passed"] for s in spans],
        "quality_checks": [s["data_quality"]["checks"] for s in spans],
    }
    for kind in TOKEN_KINDS:
        columns[f"{kind}_tokens"] = [s["usage"][f"{kind}_tokens"] for s in spans]
    for name in RANGES:
        figures = [s["carbon"][name] for s in spans]
        columns[name] = [None if f is None else f["value"] for f in figures]
        for part in ("min", "max"):
            columns[f"{name}_{part}"] = [None if f is None else f[part] for f in figures]
    return column_totals(columns, duration_ms)


def column_totals(columns: SpanColumns, duration_ms: float) -> dict[str, Any]:
    """The totals of spans given as TOTALS_COLUMNS."""
    llm = [i for i, kind in enumerate(columns["span_type"]) if kind in LLM_SPAN_TYPES]
    # Over every span, as the list's summary counts them (only LLM calls go unpriced).
    unpriced = sum(1 for status in columns["cost_status"] if status == UNPRICED)
    passed = sum(bits.bit_count() for bits in columns["quality_passed"])
    checks = sum(bits.bit_count() for bits in columns["quality_checks"])
    total_tokens = columns["total_tokens"]
    return {
        "duration_ms": duration_ms,
        "llm_calls": len(llm),
        "tokens": {
            **{kind: _known(columns[f"{kind}_tokens"]) for kind in TOKEN_KINDS},
            "spans_without_counts": sum(1 for i in llm if total_tokens[i] is None),
        },
        "cost": {
            "total_usd": sum(v or 0.0 for v in columns["cost_usd"]),
            "llm_usd": sum(v or 0.0 for v in columns["llm_cost_usd"]),
            "unpriced_llm_calls": unpriced,
            # "known" only when every LLM call was priced: a sum missing some
            # calls is a lower bound, which the UI shows as unknown.
            "known": unpriced == 0,
        },
        **{name: _range_sum(columns, name) for name in RANGES},
        "spans_without_energy": sum(1 for v in columns["energy_kwh"] if v is None),
        "data_quality": {
            "score": passed / checks if checks else None,
            "passed_checks": passed,
            "applicable_checks": checks,
        },
    }
