"""A trace in outline, by columns: what the trace view draws of every span (its tree,
waterfall, graph, header and footer), compact enough to open 10,000 spans at once.

One statement reads the trace's spans by columns (one list per column), so no
dict per span is built: a 10,000-span trace is
~1 MB instead of the 7 MB of the outline's span objects (GET .../traces/{id}
?spans=outline), which stays for other callers. Each span is a position in the
columns, in start order; parents and roots are positions too; the repeated strings
(names, types, cost statuses) are sent once each with a code per span. Totals are
summed on the server (trace_totals.column_totals) from the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gls_engine.query.trace_totals import TOTALS_COLUMNS, column_totals
from gls_engine.query.traces import COST_STATUS, ZERO_SPAN
from gls_engine.storage import SpanStore
from gls_engine.storage.base import TRACE_LOOKUP_TUNING

# Each stored span once (a span stored twice, its parts not merged yet, keeps its
# earliest copy, as the full trace does), every column an array of one row.
_SPAN_COLUMNS = {
    "start_ns": "toUnixTimestamp64Nano(start_time)",
    "span_id": "lower(hex(span_id))",
    "parent_id": f"if(parent_span_id = {ZERO_SPAN}, '', lower(hex(parent_span_id)))",
    "end_ns": "toUnixTimestamp64Nano(end_time)",
    "duration_ns": "duration_ns",
    "name": "name",
    "status_code": "status_code",
    "service_name": "service_name",
    "user_id": "user_id",
    "session_id": "session_id",
    "environment": "environment",
    "tags": "tags",
    "cost_code": "cost_status",
    **{c: c for c in TOTALS_COLUMNS if c != "cost_status"},
}
_NAMES = list(_SPAN_COLUMNS)

# One row per span in (start, span id) order, the full trace's, each span once (a
# span stored twice, its parts not merged yet, keeps its earliest copy), read by
# columns (store.query_columns, ClickHouse's JSONColumns): orjson then makes a list
# per column, not a dict per span to be turned into columns in Python (py-spy: that
# was most of a 10,000-span request). At 10M spans it took a 10-span trace from
# 31 to 11 ms p50 against one row of arrays put in order by arraySort.
OUTLINE_COLUMNS_SQL = (
    f"SELECT {', '.join(f'{sql} AS {name}' for name, sql in _SPAN_COLUMNS.items())}"
    " FROM spans WHERE project = {project:String} AND trace_id = unhex({trace:String})"
    " {window}"
    " ORDER BY start_ns, span_id LIMIT 1 BY span_id"
)
_WINDOW = (
    "AND start_time >= fromUnixTimestamp64Nano({first:Int64})"
    " AND start_time <= fromUnixTimestamp64Nano({last:Int64})"
)


async def trace_outline(
    store: SpanStore, project: str, trace_id: str, window: tuple[int, int] | None = None
) -> dict[str, Any] | None:
    """The trace's outline (api/openapi.yaml TraceOutline); with `window` = (first,
    last) ns, only spans starting in it; None when it has no span (there)."""
    params: dict[str, Any] = {"project": project, "trace": trace_id}
    if window is not None:
        params["first"], params["last"] = window
    sql = OUTLINE_COLUMNS_SQL.replace("{window}", _WINDOW if window else "")
    columns = await store.query_columns(sql, params, tuning=TRACE_LOOKUP_TUNING)
    if not columns or not columns["span_id"]:
        return None
    columns["cost_status"] = [COST_STATUS.get(code, "unknown") for code in columns["cost_code"]]
    start, end = columns["start_ns"][0], max(columns["end_ns"])
    duration_ms = (end - start) / 1e6
    parents, roots, missing, loops = _parents(columns["span_id"], columns["parent_id"])
    return {
        "trace_id": trace_id,
        "project": project,
        "start_time_unix_nano": start,
        "end_time_unix_nano": end,
        "duration_ms": duration_ms,
        "span_count": len(columns["span_id"]),
        "error_count": sum(1 for code in columns["status_code"] if code == 2),
        "roots": roots,
        "totals": column_totals(columns, duration_ms),
        "metadata": {
            "users": _distinct(columns["user_id"]),
            "sessions": _distinct(columns["session_id"]),
            "environments": _distinct(columns["environment"]),
            "services": _distinct(columns["service_name"]),
            "tags": _distinct(tag for tags in columns["tags"] for tag in tags),
        },
        "spans": {
            "span_id": columns["span_id"],
            "parent": parents,
            "parent_missing": missing,
            "parent_loop": loops,
            "start_offset_ns": [ns - start for ns in columns["start_ns"]],
            "duration_ns": columns["duration_ns"],
            "name": _coded(columns["name"]),
            "span_type": _coded(columns["span_type"]),
            "status_code": columns["status_code"],
            "total_tokens": columns["total_tokens"],
            "cost_status": _coded(columns["cost_status"]),
            "cost_usd": columns["cost_usd"],
        },
    }


def _distinct(values: Any) -> list[str]:
    """Distinct non-empty values in first-seen order."""
    return [v for v in dict.fromkeys(values) if v]


def _coded(values: Sequence[str]) -> dict[str, list[Any]]:
    """Each distinct string once (`values`) and each span's position in them (`codes`)."""
    positions: dict[str, int] = {}
    codes = [positions.setdefault(v, len(positions)) for v in values]
    return {"values": list(positions), "codes": codes}


def _parents(
    span_ids: Sequence[str], parent_ids: Sequence[str]
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Each span's parent position (-1: none, or not stored); the roots (spans without
    a stored parent, then one span of each loop of parent links no root leads to,
    as the full trace's root_span_ids); the positions of spans whose parent is not
    stored, and of the spans marked parent_loop."""
    position = {span_id: i for i, span_id in enumerate(span_ids)}
    parents = [position.get(parent, -1) if parent else -1 for parent in parent_ids]
    missing = [i for i, parent in enumerate(parent_ids) if parent and parents[i] < 0]
    roots = [i for i, parent in enumerate(parents) if parent < 0]
    children: dict[int, list[int]] = {}
    for i, parent in enumerate(parents):
        if parent >= 0:
            children.setdefault(parent, []).append(i)
    reached = [False] * len(span_ids)

    def reach(start: int) -> None:
        todo = [start]
        while todo:
            i = todo.pop()
            if not reached[i]:
                reached[i] = True
                todo.extend(children.get(i, ()))

    for root in roots:
        reach(root)
    # senders choose the ids: spans can name each other (or themselves) as parent
    loops = []
    for i in range(len(span_ids)):
        if not reached[i]:
            loops.append(i)
            roots.append(i)
            reach(i)
    return parents, roots, missing, loops
