"""SQL for trace lists, one trace and span search (facets: facets.py).

Trace lists and facets read only `trace_summaries` (plus a bounded span
sub-query when filtering on attributes or metadata); opening a trace reads
`spans` by its primary key, the trace_id bloom filter ruling out every part
without the trace (migrations 0009, 0010).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from multidict import MultiMapping

from gls_engine import request_params as p
from gls_engine.query.attributes import (
    VERBATIM_INPUT_KEYS,
    VERBATIM_OUTPUT_KEYS,
    decode_attributes,
    key_values_to_python,
)
from gls_engine.query.trace_totals import trace_totals
from gls_engine.scores.score_filter import score_conditions
from gls_engine.scores.score_store import ScoreStore
from gls_engine.storage import SpanStore
from gls_engine.storage.base import TRACE_LOOKUP_TUNING
from gls_engine.storage.span_hours import span_hours_ns

ZERO_SPAN = "toFixedString(repeat('\\0', 8), 8)"

HOUR_NS = 3600 * 10**9
DAY_NS = 24 * HOUR_NS
EPOCH = dt.date(1970, 1, 1)
NEWEST_FIRST_WINDOWS_NS = (HOUR_NS, 6 * HOUR_NS, 24 * HOUR_NS, 96 * HOUR_NS)

TRACE_SORTS = {
    "start_time": "start_ns",
    "duration": "duration_ns",
    "tokens": "total_tokens",
    "spans": "span_count",
    "errors": "error_count",
    "cost": "cost_usd",
    "carbon": "carbon_g",
}
FLOAT_SORTS = ("cost", "carbon")

# alias -> how one trace's summary rows combine. Rows of a trace are merged
# in the background, so readers always GROUP BY trace_id. Arrays combine with
# arrayDistinct(flatten(groupArray)): ~3x cheaper here than groupUniqArrayArray.
SUMMARY_COLUMNS = {
    "id": "lower(hex(trace_id))",
    "start_ns": "toUnixTimestamp64Nano(min(start_time))",
    "end_ns": "toUnixTimestamp64Nano(max(end_time))",
    "duration_ns": "toUnixTimestamp64Nano(max(end_time)) - toUnixTimestamp64Nano(min(start_time))",
    "span_count": "sum(span_count)",
    "error_count": "sum(error_count)",
    "llm_count": "sum(llm_count)",
    "name": "max(root_name)",
    "service_name": "max(root_service)",
    "root_span_type": "max(root_span_type)",
    "input_tokens": "sum(input_tokens)",
    "output_tokens": "sum(output_tokens)",
    "total_tokens": "sum(total_tokens)",
    "span_types": "arrayDistinct(arrayFlatten(groupArray(span_types)))",
    "models": "arrayDistinct(arrayFlatten(groupArray(models)))",
    "tag_list": "arrayDistinct(arrayFlatten(groupArray(tags)))",
    "user": "max(user_id)",
    "session": "max(session_id)",
    "env": "max(environment)",
    "chain_name": "max(chain)",
    "agent_name": "max(agent)",
    "cached_tokens": "sum(cached_tokens)",
    "cost_usd": "sum(cost_usd)",
    "llm_cost_usd": "sum(llm_cost_usd)",
    "unpriced_count": "sum(unpriced_count)",
    "energy_kwh": "sum(energy_kwh)",
    "carbon_g": "sum(carbon_g)",
    "embodied_carbon_g": "sum(embodied_carbon_g)",
    "energy_unknown_count": "sum(energy_unknown_count)",
    "quality_passed": "sum(quality_passed)",
    "quality_checks": "sum(quality_checks)",
}


def summary_select(aliases: list[str] | None = None) -> str:
    chosen = SUMMARY_COLUMNS if aliases is None else {a: SUMMARY_COLUMNS[a] for a in aliases}
    return ",\n    ".join(f"{expr} AS {alias}" for alias, expr in chosen.items())


def aliases_used(conditions: list[str]) -> list[str]:
    """The summary aliases a list of HAVING conditions refers to."""
    text = " ".join(conditions)
    return [a for a in SUMMARY_COLUMNS if re.search(rf"\b{a}\b", text)]


@dataclass
class SqlParts:
    """Conditions and their bound parameters, built up filter by filter."""

    params: dict[str, Any] = field(default_factory=dict)
    where: list[str] = field(default_factory=list)
    having: list[str] = field(default_factory=list)
    # facet parameter -> (its HAVING condition, its WHERE pre-filter or ""),
    # so facets (facets.py) can count each facet without its own filter
    facet_filters: dict[str, tuple[str, str]] = field(default_factory=dict)
    start_ns: int = 0
    end_ns: int = 0

    def bind(self, value: Any, kind: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"{{{name}:{kind}}}"


def _values(query: MultiMapping[str], name: str) -> list[str]:
    return [v for v in query.getall(name, []) if v != ""]


def _span_predicates(parts: SqlParts, query: MultiMapping[str]) -> list[str]:
    """Conditions on single spans: attribute=k=v, attribute_key=k, metadata=k=v."""
    conditions = []
    # The attribute whose string value is a span's input (output) verbatim is
    # stored once, in `input` (`output`), its key in `input_key` (`output_key`).
    for raw in _values(query, "attribute"):
        key, value = p.key_value("attribute", raw)
        k, v = parts.bind(key, "String"), parts.bind(value, "String")
        tests = [f"attributes[{k}] = {v}"]
        # only where the key can be one stored verbatim: the texts are read
        # whole for every span of the range (a tool name, 24 h: 365 -> 1xx ms)
        if key in VERBATIM_INPUT_KEYS:
            tests.append(f"(input_key = {k} AND input = {v})")
        if key in VERBATIM_OUTPUT_KEYS:
            tests.append(f"(output_key = {k} AND output = {v})")
        conditions.append(f"({' OR '.join(tests)})")
    for key in _values(query, "attribute_key"):
        k = parts.bind(key, "String")
        conditions.append(f"(mapContains(attributes, {k}) OR input_key = {k} OR output_key = {k})")
    for raw in _values(query, "metadata"):
        key, value = p.key_value("metadata", raw)
        k, v = parts.bind(key, "String"), parts.bind(value, "String")
        conditions.append(
            f"(attributes[concat('metadata.', {k})] = {v}"
            f" OR JSONExtractString(attributes['metadata'], {k}) = {v})"
        )
    return conditions


def _name_contains(parts: SqlParts, needle: str) -> str:
    """Case-insensitive substring of `name` (the root span's name in a summary)."""
    return f"positionCaseInsensitiveUTF8(name, {parts.bind(needle, 'String')}) > 0"


MAX_DURATION_MS = 9.2e12  # ~292 years: Int64 nanoseconds
MAX_COST_USD = 1e12


def _duration_bounds(parts: SqlParts, query: MultiMapping[str]) -> list[str]:
    """min_duration_ms / max_duration_ms on `duration_ns` (a column or a summary alias)."""
    bounds = []
    for param, op in (("min_duration_ms", ">="), ("max_duration_ms", "<=")):
        if param in query:
            # bounded so the nanoseconds fit duration_ns (Int64): was a 500 past it
            nanos = int(p.number(param, query[param], 0, MAX_DURATION_MS) * 10**6)
            bounds.append(f"duration_ns {op} {parts.bind(nanos, 'Int64')}")
    return bounds


def _matches(column: str, test: str, bound: str) -> str:
    return f"hasAny({column}, {bound})" if test == "any" else f"{column} IN {bound}"


def build_trace_filters(project: str, query: MultiMapping[str]) -> SqlParts:
    parts = SqlParts()
    start, end = p.time_range(query)
    parts.start_ns, parts.end_ns = start, end
    s, e = parts.bind(start, "Int64"), parts.bind(end, "Int64")
    proj = parts.bind(project, "String")
    parts.where += [
        f"project = {proj}",
        f"day >= toDate(fromUnixTimestamp64Nano({s}))",
        f"day <= toDate(fromUnixTimestamp64Nano({e})) + 1",
    ]
    parts.having += [f"start_ns >= {s}", f"start_ns < {e}"]
    day_range = " AND ".join(parts.where)

    def some_row(condition: str) -> str:
        """Pre-filter by a condition some summary row of every matching trace meets.

        The exact test stays in HAVING; this semi-join only lets a selective
        filter skip aggregating the traces that cannot match. Only for the
        high-cardinality filters: at 10M spans it took a user filter from 93 to
        20 ms, but made status=error plus a model (half the traces) 1.7x slower.
        """
        pre_filter = (
            f"trace_id IN (SELECT trace_id FROM trace_summaries WHERE {day_range} AND {condition})"
        )
        parts.where.append(pre_filter)
        return pre_filter

    if "status" in query:
        status = p.choice("status", query["status"], ("ok", "error"))
        condition = "error_count > 0" if status == "error" else "error_count = 0"
        parts.having.append(condition)
        parts.facet_filters["status"] = (condition, "")
    if query.get("name"):
        parts.having.append(_name_contains(parts, query["name"]))
    # (parameter, summary alias, summary row column, test, pre-filter?): "any"
    # tests array columns with hasAny, "in" tests a scalar with IN.
    for param, alias, column, test, selective in (
        ("span_type", "span_types", "span_types", "any", False),
        ("model", "models", "models", "any", False),
        ("tag", "tag_list", "tags", "any", True),
        ("user_id", "user", "user_id", "in", True),
        ("session_id", "session", "session_id", "in", True),
        ("environment", "env", "environment", "in", False),
        ("chain", "chain_name", "chain", "in", False),
        ("agent", "agent_name", "agent", "in", False),
        ("service", "service_name", "root_service", "in", False),
    ):
        values = _values(query, param)
        if not values:
            continue
        bound = parts.bind(values, "Array(String)")
        condition = _matches(alias, test, bound)
        parts.having.append(condition)
        pre_filter = some_row(_matches(column, test, bound)) if selective else ""
        parts.facet_filters[param] = (condition, pre_filter)
    parts.having += _duration_bounds(parts, query)
    for param, expr in (("min_tokens", "total_tokens >="), ("max_tokens", "total_tokens <=")):
        if param in query:
            parts.having.append(f"{expr} {parts.bind(p.integer(param, query[param]), 'UInt64')}")
    for param, expr in (("min_cost_usd", "cost_usd >="), ("max_cost_usd", "cost_usd <=")):
        if param in query:
            usd = p.number(param, query[param], 0, MAX_COST_USD)
            parts.having.append(f"{expr} {parts.bind(usd, 'Float64')}")
    # a filter, so facets (facets.py _filtered) aggregate rather than use stored days
    parts.where += score_conditions(_values(query, "score"), proj, parts.bind)
    span_conditions = _span_predicates(parts, query)
    if span_conditions:
        parts.where.append(
            f"trace_id IN (SELECT trace_id FROM spans WHERE project = {proj}"
            f" AND start_time >= fromUnixTimestamp64Nano({s})"
            f" AND start_time < fromUnixTimestamp64Nano({e}) + INTERVAL 1 DAY"
            f" AND {span_hours_ns(s, f'{e} + {DAY_NS}')}"
            f" AND {' AND '.join(span_conditions)})"
        )
    return parts


def _days_of(page: list[dict[str, Any]]) -> str:
    """A condition on `day` naming only the days the page's traces can have rows
    in. A trace's rows lie in its start day and the next (as the range's own day
    bounds assume), and phase one saw only the rows inside its window, so a start
    it gives may be the next day's: the day before, that day and the day after.
    Phase two then looks the ids up in those days' parts only: at 10M spans it
    took 35-87 ms over the 8 days of a 7-day range."""
    if not page or "start_ns" not in page[0]:
        return ""
    days = {int(row["start_ns"]) // DAY_NS for row in page}
    dates = sorted({d + i for d in days for i in (-1, 0, 1)})
    listed = ", ".join(f"'{EPOCH + dt.timedelta(days=d)}'" for d in dates)
    return f" AND day IN ({listed})"


def _summary_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "trace_id": row["id"],
        "name": row["name"],
        "service_name": row["service_name"],
        "root_span_type": row["root_span_type"],
        "start_time_unix_nano": row["start_ns"],
        "end_time_unix_nano": row["end_ns"],
        "duration_ms": row["duration_ns"] / 1e6,
        "span_count": row["span_count"],
        "error_count": row["error_count"],
        "llm_call_count": row["llm_count"],
        "status": "error" if row["error_count"] else "ok",
        "input_tokens": row["input_tokens"],
        "output_tokens": row["output_tokens"],
        "total_tokens": row["total_tokens"],
        "span_types": sorted(row["span_types"]),
        "models": sorted(row["models"]),
        "tags": sorted(row["tag_list"]),
        "user_id": row["user"],
        "session_id": row["session"],
        "environment": row["env"],
        "chain": row["chain_name"],
        "agent": row["agent_name"],
        "cached_tokens": row["cached_tokens"],
        # Sums of what is known; unpriced_count / energy_unknown_count say how
        # many spans are missing from them (never counted as 0 silently).
        "cost": {
            "total_usd": row["cost_usd"],
            "llm_usd": row["llm_cost_usd"],
            "unpriced_llm_calls": row["unpriced_count"],
        },
        "carbon": {
            "energy_kwh": row["energy_kwh"],
            "carbon_g": row["carbon_g"],
            "embodied_carbon_g": row["embodied_carbon_g"],
            "spans_without_energy": row["energy_unknown_count"],
        },
        "data_quality": (
            row["quality_passed"] / row["quality_checks"] if row["quality_checks"] else None
        ),
    }


class TraceQueries:
    def __init__(self, store: SpanStore) -> None:
        self.store = store
        self.scores = ScoreStore(store)

    async def list_projects(self) -> list[dict[str, Any]]:
        rows = await self.store.query_rows(
            # Exact count of distinct ids, hashed as UInt128 rather than as 16-byte
            # strings: 122 -> 66 ms over 1M traces (10M spans); count() of rows
            # would over-count traces that span days or sit in unmerged parts.
            "SELECT project, uniqExact(reinterpretAsUInt128(trace_id)) AS trace_count,"
            " sum(span_count) AS span_count,"
            " toUnixTimestamp64Nano(max(start_time)) AS last_start_ns"
            " FROM trace_summaries GROUP BY project ORDER BY project"
        )
        return [
            {
                "name": r["project"],
                "trace_count": r["trace_count"],
                "span_count": r["span_count"],
                "last_trace_start_unix_nano": r["last_start_ns"],
            }
            for r in rows
        ]

    async def list_traces(self, project: str, query: MultiMapping[str]) -> dict[str, Any]:
        parts = build_trace_filters(project, query)
        sort = p.choice("sort", query.get("sort", "start_time"), tuple(TRACE_SORTS))
        order = p.choice("order", query.get("order", "desc"), ("asc", "desc"))
        limit = p.integer("limit", query.get("limit", "50"), 1, 1000)
        sort_expr = TRACE_SORTS[sort]
        having = list(parts.having)
        cursor_start: int | None = None
        if query.get("cursor"):
            money = sort in FLOAT_SORTS
            value, last_id = p.decode_cursor(query["cursor"], (float if money else int, str))
            if sort == "start_time":
                cursor_start = value
            op = "<" if order == "desc" else ">"
            kind = "Float64" if money else "Int64"
            having.append(
                f"({sort_expr}, id) {op} ({parts.bind(value, kind)}, {parts.bind(last_id, 'String')})"
            )
        direction = "DESC" if order == "desc" else "ASC"
        where = " AND ".join(parts.where)
        order_by = f"ORDER BY {sort_expr} {direction}, id {direction}"
        # Newest first (the default) looks at a growing window below the upper
        # bound first: summary rows of traces that start in the window have
        # start_time >= its start, so a row filter skips aggregating the rest
        # of the range. A page is kept only when it is provably the true one.
        windows: list[int | None] = [None]
        upper = parts.end_ns
        if sort == "start_time" and order == "desc":
            if cursor_start is not None:
                upper = min(parts.end_ns, cursor_start + 1)
            windows = [upper - w for w in NEWEST_FIRST_WINDOWS_NS if upper - w > parts.start_ns]
            windows.append(None)
        needed = aliases_used([*having, sort_expr, "id"])
        rows: list[dict[str, Any]] = []
        scores: dict[str, list[dict[str, Any]]] = {}
        # The narrowest window worth reading next, from how many traces the last
        # one held: a window with k of the limit + 1 wanted is widened at least
        # (limit + 1) / k times (x 1.5), so a rare filter does not read 1 h, 6 h,
        # 1 d and 4 d before the whole range (each one a scan of its days).
        at_least = 0.0
        for lo in windows:
            if lo is not None and upper - lo < at_least:
                continue
            window = (
                ""
                if lo is None
                else f" AND start_time >= fromUnixTimestamp64Nano({int(lo)})"
                f" AND day >= toDate(fromUnixTimestamp64Nano({int(lo)}))"
            )
            # Phase one picks the page reading only the columns the filters and
            # the sort need; phase two summarises just those traces in full.
            page = await self.store.query_rows(
                f"SELECT {summary_select(needed)} FROM trace_summaries WHERE {where}{window}"
                f" GROUP BY trace_id HAVING {' AND '.join(having)} {order_by} LIMIT {limit + 1}",
                parts.params,
            )
            if lo is not None and len(page) <= limit:
                # Even before phase two drops partial starts, this window
                # cannot fill the page: a wider one decides (phase two here
                # was 11-14 ms of nothing at 10M spans, error + model, 7 d).
                at_least = (upper - lo) * (limit + 1) / max(len(page), 0.5) * 1.5
                continue
            if not page:
                break
            # Literal ids (hex that ClickHouse itself produced) let the primary
            # key find them; an IN (subquery) measured twice as slow at 10M spans.
            ids = ", ".join(
                f"unhex('{row['id']}')" for row in page if p.TRACE_ID_RE.fullmatch(row["id"])
            )
            window_check = "" if lo is None else f" AND start_ns >= {int(lo)}"
            # the page's scores are read beside phase two (one more round trip
            # after it added ~10 ms to every list)
            rows, scores = await asyncio.gather(
                self.store.query_rows(
                    f"SELECT {summary_select()} FROM trace_summaries WHERE {where}{_days_of(page)}"
                    f" AND trace_id IN ({ids}) GROUP BY trace_id"
                    f" HAVING {' AND '.join(having)}{window_check} {order_by}",
                    parts.params,
                ),
                self.scores.summaries(project, [row["id"] for row in page]),
            )
            # A trace that began before the window but has a summary row inside
            # it can take a slot with a partial start; phase two drops it, and
            # a short page means a wider window must decide.
            if lo is None or len(rows) > limit:
                break
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            value = float(last[sort_expr]) if sort in FLOAT_SORTS else last[sort_expr]
            next_cursor = p.encode_cursor([value, last["id"]])
        traces = [_summary_row(r) for r in rows]
        for trace in traces:
            trace["scores"] = scores.get(trace["trace_id"], [])
        return {"traces": traces, "next_cursor": next_cursor}

    async def count_traces(self, project: str, query: MultiMapping[str]) -> int:
        """How many traces the list's filters select (all pages)."""
        parts = build_trace_filters(project, query)
        needed = aliases_used([*parts.having, "id"])
        rows = await self.store.query_rows(
            f"SELECT count() AS traces FROM (SELECT {summary_select(needed)} FROM trace_summaries"
            f" WHERE {' AND '.join(parts.where)} GROUP BY trace_id"
            f" HAVING {' AND '.join(parts.having)})",
            parts.params,
        )
        return rows[0]["traces"] if rows else 0

    async def trace_rows(
        self,
        project: str,
        trace_id: str,
        window: tuple[int, int] | None = None,
        columns: str = "",
        span_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """The trace's stored span rows, in start order, each span once; with
        `window` = (first, last) ns, only spans starting in it; `columns` (a
        SELECT list with span_hex and start_ns) defaults to every column; with
        `span_id`, only that span's rows."""
        # The trace_id bloom filter (migration 0009, one per granule) finds the
        # trace's granules in each part, and the primary key (project, hour,
        # trace_id, ...; migration 0019) within each hour's rows. Naming the
        # window's hours too measured no faster (10M spans, 200 traces: 14.0 ms
        # p50 without, 15.2 with). A window from the trace list skips the
        # other days' parts first (30 days: 21.9 -> 12.4 ms before 0019).
        sql = (
            f"SELECT {columns or TRACE_SPANS_SELECT} FROM spans"
            " WHERE project = {project:String} AND trace_id = unhex({trace:String})"
        )
        params: dict[str, Any] = {"project": project, "trace": trace_id}
        if span_id is not None:
            sql += " AND span_id = unhex({span:String})"
            params["span"] = span_id
        if window is not None:
            sql += (
                " AND start_time >= fromUnixTimestamp64Nano({first:Int64})"
                " AND start_time <= fromUnixTimestamp64Nano({last:Int64})"
            )
            params["first"], params["last"] = window
        rows = await self.store.query_rows(sql, params, tuning=TRACE_LOOKUP_TUNING)
        # Ordered, and a span stored twice (parts not merged yet) shown once,
        # here rather than in SQL: a trace is tens to thousands of rows.
        rows.sort(key=lambda r: (r["start_ns"], r["span_hex"]))
        unique: dict[str, dict[str, Any]] = {}
        for row in rows:
            unique.setdefault(row["span_hex"], row)
        return list(unique.values())

    async def get_trace(
        self,
        project: str,
        trace_id: str,
        window: tuple[int, int] | None = None,
        detail: str = "full",
    ) -> dict[str, Any] | None:
        """The trace's spans and totals; with `window` = (first, last) ns, only spans
        starting in it. `detail` "outline" leaves out each span's OUTLINE_OMITS
        (and reads only the columns the rest needs); "full" serves every field."""
        outline = detail == "outline"
        # the trace's scores beside its spans, not after them (~10 ms more per open)
        rows, scores = await asyncio.gather(
            self.trace_rows(project, trace_id, window, OUTLINE_SPANS_SELECT if outline else ""),
            self.scores.summaries(project, [trace_id]),
        )
        if not rows:
            return None
        spans = [span_outline(r) if outline else span_row(r, full=True) for r in rows]
        roots = _mark_parents(spans)
        start = min(s["start_time_unix_nano"] for s in spans)
        end = max(s["end_time_unix_nano"] for s in spans)
        totals = trace_totals(spans, (end - start) / 1e6)
        if outline:
            # summed into the totals above; per span, only the inspector shows them
            for span in spans:
                for name in OUTLINE_FIGURES_OMITTED:
                    del span[name]
        return {
            "trace_id": trace_id,
            "project": project,
            "start_time_unix_nano": start,
            "end_time_unix_nano": end,
            "duration_ms": (end - start) / 1e6,
            "span_count": len(spans),
            "error_count": sum(1 for s in spans if s["status"]["code"] == 2),
            "root_span_ids": roots,
            "totals": totals,
            "scores": scores.get(trace_id, []),
            "spans_detail": detail,
            "spans": spans,
        }

    async def get_span(
        self,
        project: str,
        trace_id: str,
        span_id: str,
        window: tuple[int, int] | None = None,
    ) -> dict[str, Any] | None:
        """One span of a trace, every field, as the full trace answer gives it:
        parent_missing and parent_loop from the trace's parent links (read alone)."""
        # the span and the trace's links read side by side, not one after the other
        rows, links = await asyncio.gather(
            self.trace_rows(project, trace_id, window, span_id=span_id),
            self.trace_rows(project, trace_id, window, PARENT_LINKS_SELECT),
        )
        if not rows:
            return None
        span = span_row(rows[0], full=True)
        linked = [{"span_id": r["span_hex"], "parent_span_id": r["parent_hex"]} for r in links]
        _mark_parents(linked)
        own = next(s for s in linked if s["span_id"] == span_id)
        span["parent_missing"], span["parent_loop"] = own["parent_missing"], own["parent_loop"]
        return span

    async def search_spans(self, project: str, query: MultiMapping[str]) -> dict[str, Any]:
        parts = SqlParts()
        start, end = p.time_range(query)
        conditions = [f"project = {parts.bind(project, 'String')}"]
        if "trace_id" in query:
            conditions.append(
                f"trace_id = unhex({parts.bind(p.trace_id(query['trace_id']), 'String')})"
            )
        if "status" in query:
            status = p.choice("status", query["status"], ("unset", "ok", "error"))
            conditions.append(f"status_code = {('unset', 'ok', 'error').index(status)}")
        if query.get("name"):
            conditions.append(_name_contains(parts, query["name"]))
        if query.get("q"):
            needle = parts.bind(query["q"], "String")
            conditions.append(
                f"(positionCaseInsensitiveUTF8(name, {needle}) > 0"
                f" OR positionCaseInsensitiveUTF8(input, {needle}) > 0"
                f" OR positionCaseInsensitiveUTF8(output, {needle}) > 0"
                f" OR positionCaseInsensitiveUTF8(status_message, {needle}) > 0)"
            )
        for param, column in (
            ("span_type", "span_type"),
            ("model", "model"),
            ("provider", "provider"),
            ("user_id", "user_id"),
            ("session_id", "session_id"),
            ("environment", "environment"),
            ("service", "service_name"),
            ("chain", "chain"),
            ("agent", "agent"),
        ):
            values = _values(query, param)
            if values:
                conditions.append(f"{column} IN {parts.bind(values, 'Array(String)')}")
        conditions += _duration_bounds(parts, query)
        conditions += _span_predicates(parts, query)
        limit = p.integer("limit", query.get("limit", "50"), 1, 1000)
        upper = end
        if query.get("cursor"):
            start_ns, trace_hex, span_hex = p.decode_cursor(query["cursor"], (int, str, str))
            upper = min(end, start_ns + 1)
            conditions.append(
                f"(toUnixTimestamp64Nano(start_time), lower(hex(trace_id)), lower(hex(span_id))) < "
                f"({parts.bind(start_ns, 'Int64')}, {parts.bind(trace_hex, 'String')},"
                f" {parts.bind(span_hex, 'String')})"
            )
        where = " AND ".join(conditions)
        # Newest first in growing windows below the upper bound, as the trace
        # list does: the spans of a day are stored in trace order, so a filter
        # reads the heavy columns (attributes, input) of every span of its
        # range; a window that holds limit + 1 matches holds the true page, all
        # newer than anything outside it. Widened at least (limit + 1) / k
        # times (x 1.5) after k matches, so a rare filter does not read 1 h,
        # 6 h, 1 d and 4 d before the whole range.
        windows: list[int | None] = [
            upper - w for w in NEWEST_FIRST_WINDOWS_NS if upper - w > start
        ]
        windows.append(None)
        at_least = 0.0
        rows: list[dict[str, Any]] = []
        for lo in windows:
            if lo is not None and upper - lo < at_least:
                continue
            first = start if lo is None else int(lo)
            window = (
                f" AND start_time >= fromUnixTimestamp64Nano({first})"
                f" AND start_time < fromUnixTimestamp64Nano({end})"
                f" AND {span_hours_ns(str(first), str(end))}"
            )
            rows = await self.store.query_rows(
                f"SELECT {SPAN_SELECT} FROM spans WHERE {where}{window}"
                f" ORDER BY start_time DESC, trace_id DESC, span_id DESC LIMIT {limit + 1}",
                parts.params,
            )
            if lo is None or len(rows) > limit:
                break
            at_least = (upper - lo) * (limit + 1) / max(len(rows), 0.5) * 1.5
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = p.encode_cursor([last["start_ns"], last["trace_hex"], last["span_hex"]])
        return {"spans": [span_row(r, full=False) for r in rows], "next_cursor": next_cursor}


SPAN_SELECT = f"""
    lower(hex(trace_id)) AS trace_hex, lower(hex(span_id)) AS span_hex,
    if(parent_span_id = {ZERO_SPAN}, '', lower(hex(parent_span_id))) AS parent_hex,
    project, trace_state, flags, name, kind, span_type, service_name, scope_name, scope_version,
    toUnixTimestamp64Nano(start_time) AS start_ns, toUnixTimestamp64Nano(end_time) AS end_ns,
    duration_ns, status_code, status_message, model, provider,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens,
    chain, agent, user_id, session_id, environment, tags, input, output, input_key, output_key,
    attributes, attribute_types, resource_attributes, scope_attributes, events, links,
    dropped_attributes_count, dropped_events_count, dropped_links_count,
    toUnixTimestamp64Nano(ingested_at) AS ingested_ns,
    llm_cost_usd, llm_input_cost_usd, llm_output_cost_usd, cost_status, infra_cost_usd,
    data_cost_usd, cost_usd, system_tokens, token_estimate, energy_kwh, energy_kwh_min,
    energy_kwh_max, carbon_g, carbon_g_min, carbon_g_max, embodied_carbon_g,
    embodied_carbon_g_min, embodied_carbon_g_max, energy_source, carbon_zone,
    quality_passed, quality_checks
"""

# The same fields for opening a trace, as `*` plus the ids and times in their
# API form: ClickHouse plans `*` faster than 66 named columns (10M spans, the
# whole statement with sorting moved to Python: 18.5 -> 16.1 ms p50).
TRACE_SPANS_SELECT = (
    "* EXCEPT (trace_id, span_id, parent_span_id, start_time, end_time, ingested_at),"
    " lower(hex(trace_id)) AS trace_hex, lower(hex(span_id)) AS span_hex,"
    f" if(parent_span_id = {ZERO_SPAN}, '', lower(hex(parent_span_id))) AS parent_hex,"
    " toUnixTimestamp64Nano(start_time) AS start_ns, toUnixTimestamp64Nano(end_time) AS end_ns,"
    " toUnixTimestamp64Nano(ingested_at) AS ingested_ns"
)

# Opening a trace in outline: the columns span_outline reads, not the heavy
# ones (input, output, attributes, events, links, resource and scope).
OUTLINE_SPANS_SELECT = (
    "lower(hex(trace_id)) AS trace_hex, lower(hex(span_id)) AS span_hex,"
    f" if(parent_span_id = {ZERO_SPAN}, '', lower(hex(parent_span_id))) AS parent_hex,"
    " toUnixTimestamp64Nano(start_time) AS start_ns, toUnixTimestamp64Nano(end_time) AS end_ns,"
    " project, name, kind, span_type, service_name, duration_ns, status_code, status_message,"
    " model, provider, input_tokens, output_tokens, cached_tokens, reasoning_tokens,"
    " total_tokens, chain, agent, user_id, session_id, environment, tags,"
    " llm_cost_usd, llm_input_cost_usd, llm_output_cost_usd, cost_status, infra_cost_usd,"
    " data_cost_usd, cost_usd, system_tokens, token_estimate, energy_kwh, energy_kwh_min,"
    " energy_kwh_max, carbon_g, carbon_g_min, carbon_g_max, embodied_carbon_g,"
    " embodied_carbon_g_min, embodied_carbon_g_max, energy_source, carbon_zone,"
    " quality_passed, quality_checks"
)

# Figures of a span an outline leaves out once they are summed into the totals:
# carbon's ranges are a quarter of a span's JSON, and the list, timeline and graph
# show tokens and cost alone.
OUTLINE_FIGURES_OMITTED = ("carbon", "tokens_estimated", "system_tokens", "data_quality")

# The span fields an outline leaves out: large (text, maps, JSON) and read by
# the span inspector only, which asks for its span whole.
OUTLINE_OMITS = (
    "input",
    "output",
    "attributes",
    "attribute_types",
    "events",
    "links",
    "trace_state",
    "flags",
    "scope",
    "resource",
    "dropped_attributes_count",
    "dropped_events_count",
    "dropped_links_count",
    "ingested_at_unix_nano",
    *OUTLINE_FIGURES_OMITTED,
)

# What parent_missing and parent_loop of one span need: the trace's parent links.
PARENT_LINKS_SELECT = (
    "lower(hex(span_id)) AS span_hex, toUnixTimestamp64Nano(start_time) AS start_ns,"
    f" if(parent_span_id = {ZERO_SPAN}, '', lower(hex(parent_span_id))) AS parent_hex"
)

COST_STATUS = {0: "not_llm", 1: "priced", 2: "override", 3: "unpriced"}
ENERGY_SOURCE = {0: "unknown", 1: "llm", 2: "compute"}


def _mark_parents(spans: list[dict[str, Any]]) -> list[str]:
    """Marks each span's parent_missing and parent_loop; the trace's roots."""
    ids = {s["span_id"] for s in spans}
    for span in spans:
        # A parent that never arrived (lost, or still in flight) is reported, not hidden.
        span["parent_missing"] = bool(span["parent_span_id"]) and span["parent_span_id"] not in ids
    return _roots_marking_loops(spans)


def _roots_marking_loops(spans: list[dict[str, Any]]) -> list[str]:
    """The trace's roots: spans without a parent or whose parent is not stored, then
    one span of each loop of parent links no root leads to (senders choose the ids:
    two spans can name each other, one can name itself), marked `parent_loop`, so
    every span hangs below some root. Spans come in start order."""
    children: dict[str, list[str]] = {}
    roots = []
    for span in spans:
        span["parent_loop"] = False
        if not span["parent_span_id"] or span["parent_missing"]:
            roots.append(span["span_id"])
        else:
            children.setdefault(span["parent_span_id"], []).append(span["span_id"])
    reached: set[str] = set()

    def reach(start: str) -> None:
        todo = [start]
        while todo:
            span_id = todo.pop()
            if span_id not in reached:
                reached.add(span_id)
                todo.extend(children.get(span_id, ()))

    for root in roots:
        reach(root)
    for span in spans:
        if span["span_id"] not in reached:
            span["parent_loop"] = True
            roots.append(span["span_id"])
            reach(span["span_id"])
    return roots


def _range(row: dict[str, Any], name: str) -> dict[str, Any] | None:
    if row[name] is None:
        return None
    return {"value": row[name], "min": row[f"{name}_min"], "max": row[f"{name}_max"]}


def _cost_and_carbon(row: dict[str, Any]) -> dict[str, Any]:
    """The span's cost, energy, carbon and data quality (docs/span-schema.md)."""
    estimate = row["token_estimate"]
    return {
        "cost": {
            "status": COST_STATUS.get(row["cost_status"], "unknown"),
            "total_usd": row["cost_usd"],
            "llm_usd": row["llm_cost_usd"],
            "llm_input_usd": row["llm_input_cost_usd"],
            "llm_output_usd": row["llm_output_cost_usd"],
            "infra_usd": row["infra_cost_usd"],
            "data_usd": row["data_cost_usd"],
        },
        "carbon": {
            "source": ENERGY_SOURCE.get(row["energy_source"], "unknown"),
            "zone": row["carbon_zone"] or None,
            "energy_kwh": _range(row, "energy_kwh"),
            "carbon_g": _range(row, "carbon_g"),
            "embodied_carbon_g": _range(row, "embodied_carbon_g"),
        },
        "tokens_estimated": {"input": bool(estimate & 1), "output": bool(estimate & 2)},
        "system_tokens": row["system_tokens"],
        "data_quality": {"passed": row["quality_passed"], "checks": row["quality_checks"]},
    }


_PREVIEW_CHARS = 1000


def _attributes(row: dict[str, Any]) -> dict[str, Any]:
    """Every attribute the span was sent with: the map, plus the string attribute
    stored once as `input` / `output` (named by `input_key` / `output_key`)."""
    attributes = decode_attributes(row["attributes"], row["attribute_types"])
    input_key, output_key = row["input_key"], row["output_key"]
    if not input_key and not output_key:
        return attributes
    if input_key:
        attributes[input_key] = row["input"]
    if output_key:
        attributes[output_key] = row["output"]
    return dict(sorted(attributes.items()))  # keys in map order (byte order)


def _span_identity(row: dict[str, Any]) -> dict[str, Any]:
    """What every span answer has before its input: ids, times, status, model, tokens, who."""
    return {
        "trace_id": row["trace_hex"],
        "span_id": row["span_hex"],
        "parent_span_id": row["parent_hex"] or None,
        "project": row["project"],
        "name": row["name"],
        "kind": row["kind"],
        "span_type": row["span_type"],
        "service_name": row["service_name"],
        "start_time_unix_nano": row["start_ns"],
        "end_time_unix_nano": row["end_ns"],
        "duration_ms": row["duration_ns"] / 1e6,
        "status": {"code": row["status_code"], "message": row["status_message"]},
        "model": row["model"],
        "provider": row["provider"],
        "usage": {
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "cached_tokens": row["cached_tokens"],
            "reasoning_tokens": row["reasoning_tokens"],
            "total_tokens": row["total_tokens"],
        },
        "chain": row["chain"],
        "agent": row["agent"],
        "user_id": row["user_id"],
        "session_id": row["session_id"],
        "environment": row["environment"],
        "tags": row["tags"],
    }


def span_outline(row: dict[str, Any]) -> dict[str, Any]:
    """A span without the heavy fields, from OUTLINE_SPANS_SELECT's columns (get_trace
    then drops OUTLINE_FIGURES_OMITTED, once summed)."""
    return {**_span_identity(row), **_cost_and_carbon(row)}


def span_row(row: dict[str, Any], full: bool) -> dict[str, Any]:
    events = orjson.loads(row["events"]) if row["events"] else []
    links = orjson.loads(row["links"]) if row["links"] else []
    for event in events:
        event["attributes"] = key_values_to_python(event.get("attributes", []))
    for link in links:
        link["attributes"] = key_values_to_python(link.get("attributes", []))
    span = {
        **_span_identity(row),
        "input": row["input"] if full else row["input"][:_PREVIEW_CHARS],
        "output": row["output"] if full else row["output"][:_PREVIEW_CHARS],
        "attributes": _attributes(row),
        "attribute_types": row["attribute_types"],
        "events": events,
        "links": links,
        **_cost_and_carbon(row),
    }
    if full:
        span.update(
            {
                "trace_state": row["trace_state"],
                "flags": row["flags"],
                "scope": {
                    "name": row["scope_name"],
                    "version": row["scope_version"],
                    "attributes": key_values_to_python(
                        orjson.loads(row["scope_attributes"] or "[]")
                    ),
                },
                "resource": {
                    "attributes": key_values_to_python(
                        orjson.loads(row["resource_attributes"] or "[]")
                    )
                },
                "dropped_attributes_count": row["dropped_attributes_count"],
                "dropped_events_count": row["dropped_events_count"],
                "dropped_links_count": row["dropped_links_count"],
                "ingested_at_unix_nano": row["ingested_ns"],
            }
        )
    return span
