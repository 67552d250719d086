"""The trace list as CSV rows: one per trace summary, in the list's order.

RFC 4180 with a header row and CRLF line ends (the csv module quotes commas,
quotes and line breaks); a text cell a spreadsheet would run as a formula is
prefixed with a quote, as the cost export does; numbers in fixed point.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from gls_engine.csv_cells import number_cell, text_cell

TRACE_CSV_COLUMNS = (
    "trace_id",
    "start_time",
    "name",
    "service",
    "status",
    "duration_ms",
    "spans",
    "errors",
    "llm_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "unpriced_llm_calls",
    "energy_kwh",
    "carbon_g",
    "data_quality",
    "user_id",
    "session_id",
    "environment",
    "chain",
    "agent",
    "models",
    "tags",
)


def _iso(ns: int) -> str:
    moment = datetime.fromtimestamp(ns // 10**9, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ns % 10**9:09d}Z"


def _number(value: float | int | None) -> str:
    return "" if value is None else number_cell(value)


def csv_cells(summary: dict[str, Any]) -> list[str]:
    """A trace summary (as the list serves it) in TRACE_CSV_COLUMNS order."""
    texts = {
        "trace_id": summary["trace_id"],
        "start_time": _iso(summary["start_time_unix_nano"]),
        "name": summary["name"],
        "service": summary["service_name"],
        "status": summary["status"],
        "user_id": summary["user_id"],
        "session_id": summary["session_id"],
        "environment": summary["environment"],
        "chain": summary["chain"],
        "agent": summary["agent"],
        "models": " ".join(summary["models"]),
        "tags": " ".join(summary["tags"]),
    }
    numbers = {
        "duration_ms": summary["duration_ms"],
        "spans": summary["span_count"],
        "errors": summary["error_count"],
        "llm_calls": summary["llm_call_count"],
        "input_tokens": summary["input_tokens"],
        "output_tokens": summary["output_tokens"],
        "total_tokens": summary["total_tokens"],
        "cost_usd": summary["cost"]["total_usd"],
        "unpriced_llm_calls": summary["cost"]["unpriced_llm_calls"],
        "energy_kwh": summary["carbon"]["energy_kwh"],
        "carbon_g": summary["carbon"]["carbon_g"],
        "data_quality": summary["data_quality"],
    }
    return [text_cell(texts[c]) if c in texts else _number(numbers[c]) for c in TRACE_CSV_COLUMNS]


def csv_text(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()
