"""A trace's footer figures, summed on the server from the spans it serves.

The same rules as the trace list's summary (migration 0011): an LLM call is a
span of type llm or embedding; sums are of what is known and say how many
spans are missing from them; data quality is passed checks over applicable
checks of all spans, counted in bits (docs/span-schema.md, "Data quality").
"""

from __future__ import annotations

from typing import Any

LLM_SPAN_TYPES = ("llm", "embedding")
UNPRICED = "unpriced"


def _known(values: list[Any]) -> int:
    return sum(v for v in values if v is not None)


def _range_sum(spans: list[dict[str, Any]], name: str) -> dict[str, float] | None:
    """value, min and max summed over the spans that have the figure; None when none has."""
    ranges = [s["carbon"][name] for s in spans if s["carbon"][name] is not None]
    if not ranges:
        return None
    return {part: sum(r[part] for r in ranges) for part in ("value", "min", "max")}


def trace_totals(spans: list[dict[str, Any]], duration_ms: float) -> dict[str, Any]:
    llm_calls = [s for s in spans if s["span_type"] in LLM_SPAN_TYPES]
    # Over every span, as the list's summary counts them (only LLM calls go unpriced).
    unpriced = sum(1 for s in spans if s["cost"]["status"] == UNPRICED)
    passed = sum(s["data_quality"]["passed"].bit_count() for s in spans)
    checks = sum(s["data_quality"]["checks"].bit_count() for s in spans)

    def tokens(kind: str) -> int:
        return _known([s["usage"][f"{kind}_tokens"] for s in spans])

    return {
        "duration_ms": duration_ms,
        "llm_calls": len(llm_calls),
        "tokens": {
            "input": tokens("input"),
            "output": tokens("output"),
            "cached": tokens("cached"),
            "reasoning": tokens("reasoning"),
            "total": tokens("total"),
            "spans_without_counts": sum(1 for s in llm_calls if s["usage"]["total_tokens"] is None),
        },
        "cost": {
            "total_usd": sum(s["cost"]["total_usd"] or 0.0 for s in spans),
            "llm_usd": sum(s["cost"]["llm_usd"] or 0.0 for s in spans),
            "unpriced_llm_calls": unpriced,
            # "known" only when every LLM call was priced: a sum missing some
            # calls is a lower bound, which the UI shows as unknown.
            "known": unpriced == 0,
        },
        "energy_kwh": _range_sum(spans, "energy_kwh"),
        "carbon_g": _range_sum(spans, "carbon_g"),
        "embodied_carbon_g": _range_sum(spans, "embodied_carbon_g"),
        "spans_without_energy": sum(1 for s in spans if s["carbon"]["energy_kwh"] is None),
        "data_quality": {
            "score": passed / checks if checks else None,
            "passed_checks": passed,
            "applicable_checks": checks,
        },
    }
