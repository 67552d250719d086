"""Facet counts of the trace list's filter panel, and the ranges of its range filters.

Two ways to one answer. Under any filter, the traces of the window are
aggregated as they are asked. Without a filter (the panel as a page opens),
whole UTC days come from their stored answers (storage/day_answers.py) and
only the rest of the window is aggregated: at 10M spans a 7-day window is ~250K traces
of one project, 450-700 ms to aggregate whole.

Values are counted with approx_top_count (space-saving): exact while a facet has
at most TOP_RESERVED distinct values in what is counted, the top values'
counts estimated beyond; 1.3-2x faster here than the exact sumMap it replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson
from multidict import MultiDict, MultiMapping

from gls_engine import request_params as p
from gls_engine.query.traces import SqlParts, aliases_used, build_trace_filters, summary_select
from gls_engine.storage import SpanStore
from gls_engine.storage.day_answers import (
    DAY_NS,
    DayAnswers,
    Question,
    before_days,
    rows_days,
    rows_from,
    started_before,
    uncovered,
    whole_days,
)

# One facet answer over a set of traces (a day's, a range's): total, errors,
# value -> count per facet, range bounds; added up by merge_partials.
Partial = dict[str, Any]

# The summary aliases the panel counts and bounds.
FACET_ALIASES = (
    "error_count",
    "span_types",
    "models",
    "tag_list",
    "env",
    "service_name",
    "chain_name",
    "agent_name",
    "user",
    "session",
    "duration_ns",
    "total_tokens",
    "cost_usd",
)
# Values shown per facet, and the counters approx_top_count keeps.
TOP_VALUES, TOP_RESERVED = 100, 1000
# facet -> (summary alias, whether it is an array of values per trace)
VALUE_FACETS = {
    "span_type": ("span_types", True),
    "model": ("models", True),
    "tag": ("tag_list", True),
    "environment": ("env", False),
    "service": ("service_name", False),
    "chain": ("chain_name", False),
    "agent": ("agent_name", False),
    "user": ("user", False),
    "session": ("session", False),
}
# facet parameter of build_trace_filters -> the facet it filters
FILTER_FACET = {"user_id": "user", "session_id": "session"}
BOUNDS = {  # answer key -> (function, summary alias)
    "min_duration_ns": ("min", "duration_ns"),
    "max_duration_ns": ("max", "duration_ns"),
    "min_tokens": ("min", "total_tokens"),
    "max_tokens": ("max", "total_tokens"),
    "min_cost": ("min", "cost_usd"),
    "max_cost": ("max", "cost_usd"),
}


def aggregates(kept: Callable[[str | None], list[str]], shown: int) -> str:
    """The SELECT list of one facet answer: counts of traces, of errors and of each
    facet's values (`shown` per facet), and the range bounds. `kept(facet)` names
    the flag columns a count of that facet must respect (disjunctive facets)."""

    def agg(function: str, args: str, facet: str | None, params: str = "") -> str:
        flags = kept(facet)
        if not flags:
            return f"{function}{params}({args})"
        return f"{function}If{params}({args}, {' AND '.join(flags)})"

    def count(condition: str = "", facet: str | None = None) -> str:
        tests = [t for t in (condition, *kept(facet)) if t]
        return f"countIf({' AND '.join(tests)})" if tests else "count()"

    top = f"({shown}, {max(shown, TOP_RESERVED)})"
    columns = [f"{count()} AS total", f"{count('error_count > 0')} AS errors"]
    for facet, (alias, is_array) in VALUE_FACETS.items():
        function = "approx_top_countArray" if is_array else "approx_top_count"
        columns.append(f"{agg(function, alias, facet, top)} AS {facet}")
    for key, (function, alias) in BOUNDS.items():
        columns.append(f"{agg(function, alias, None)} AS {key}")
    return ",\n    ".join(columns)


def partial_from_row(row: dict[str, Any]) -> Partial:
    """One answer row as a Partial (counts per value; bounds None without traces)."""
    total = row.get("total", 0)
    out: Partial = {"total": total, "errors": row.get("errors", 0)}
    for facet in VALUE_FACETS:
        # approx_top_count's (item, count, error) tuples: objects in JSONEachRow
        entries = [tuple(e.values()) if isinstance(e, dict) else e for e in row.get(facet) or []]
        out[facet] = {str(item): int(c) for item, c, *_ in entries}
    for key in BOUNDS:
        out[key] = row.get(key) if total else None
    return out


def merge_partials(partials: Iterable[Partial]) -> Partial:
    """The answer over disjoint sets of traces: counts added, bounds widened."""
    out: Partial = {"total": 0, "errors": 0, **{facet: {} for facet in VALUE_FACETS}}
    out.update(dict.fromkeys(BOUNDS))
    for part in partials:
        out["total"] += part["total"]
        out["errors"] += part["errors"]
        for facet in VALUE_FACETS:
            counts = out[facet]
            for value, n in part[facet].items():
                counts[value] = counts.get(value, 0) + n
        for key, (function, _) in BOUNDS.items():
            new = part.get(key)
            if new is None:
                continue
            old = out[key]
            out[key] = (
                new if old is None else (min(old, new) if function == "min" else max(old, new))
            )
    return out


def answer(part: Partial, status: tuple[int, int] | None = None) -> dict[str, Any]:
    """The API's facets answer; `status` = (traces, errors) the status facet counts
    when it differs from the total (disjunctive, under a status filter)."""
    total = part["total"]

    def top(facet: str) -> list[dict[str, Any]]:
        # "" is "not set": never offered as a value to filter by
        pairs = [(v, c) for v, c in part[facet].items() if v != ""]
        pairs.sort(key=lambda vc: (-vc[1], vc[0]))
        return [{"value": v, "count": c} for v, c in pairs[:TOP_VALUES]]

    def bounds(low: str, high: str, scale: float = 1) -> dict[str, Any]:
        if not total:
            return {"min": None, "max": None}
        return {"min": part[low] / scale, "max": part[high] / scale}

    status_total, status_errors = status or (total, part["errors"])
    users = top("user")
    return {
        "total": total,
        "status": [
            {"value": "ok", "count": status_total - status_errors},
            {"value": "error", "count": status_errors},
        ],
        **{facet: top(facet) for facet in VALUE_FACETS if facet != "user"},
        "user": users,
        "user_id": [u["value"] for u in users[:20]],
        "duration_ns": {
            "min": part["min_duration_ns"] if total else None,
            "max": part["max_duration_ns"] if total else None,
        },
        "max_total_tokens": part["max_tokens"] if total else None,
        "ranges": {
            "duration_ms": bounds("min_duration_ns", "max_duration_ns", 1e6),
            "total_tokens": bounds("min_tokens", "max_tokens"),
            "cost_usd": bounds("min_cost", "max_cost"),
        },
    }


EMPTY_DAY: Partial = partial_from_row({})


def _filtered(parts: SqlParts) -> bool:
    """Whether the request filters beyond its time window (project, days, start)."""
    return len(parts.where) > 3 or len(parts.having) > 2


class TraceFacets:
    def __init__(self, store: SpanStore, days: DayAnswers | None = None) -> None:
        self.store = store
        self.days = days or DayAnswers(store)

    async def facets(self, project: str, query: MultiMapping[str]) -> dict[str, Any]:
        parts = build_trace_filters(project, query)
        disjunctive = (
            p.choice("disjunctive", query.get("disjunctive", "false"), ("true", "false")) == "true"
        )
        if not _filtered(parts):
            return answer(await self._by_days(project, parts.start_ns, parts.end_ns))
        # The environment alone (the shell's selector) is answered from days too.
        envs = sorted({v for v in query.getall("environment", []) if v != ""})
        others = MultiDict((k, v) for k, v in query.items() if k != "environment")
        if envs and not _filtered(build_trace_filters(project, others)):
            start, end = parts.start_ns, parts.end_ns
            chosen = await self._by_days(project, start, end, envs)
            if disjunctive:  # the environment facet counts without its own filter
                chosen["environment"] = (await self._by_days(project, start, end))["environment"]
            return answer(chosen)
        return await self._aggregated(parts, disjunctive)

    async def _aggregated(self, parts: SqlParts, disjunctive: bool) -> dict[str, Any]:
        # Disjunctive: each facet counts the traces every other filter selects,
        # so a multi-select panel still offers the values its own filter leaves
        # out. The facet filters move from HAVING into one flag column each.
        own = parts.facet_filters if disjunctive else {}
        where = [w for w in parts.where if w not in {pre for _, pre in own.values()}]
        having = [h for h in parts.having if h not in {cond for cond, _ in own.values()}]
        flags = "".join(f", ({cond}) AS f_{param}" for param, (cond, _) in own.items())
        # Only the summary columns the counts, ranges and filters read.
        needed = list(dict.fromkeys([*FACET_ALIASES, *aliases_used(parts.having)]))
        inner = (
            f"SELECT {summary_select(needed)}{flags} FROM trace_summaries"
            f" WHERE {' AND '.join(where)}"
            f" GROUP BY trace_id HAVING {' AND '.join(having)}"
        )

        def kept(facet: str | None) -> list[str]:
            """The flags of the other facets' filters, which a count of `facet` keeps."""
            return [f"f_{name}" for name in own if FILTER_FACET.get(name, name) != facet]

        status = ""
        if "status" in own:  # the status facet without its own filter
            status_flags = kept("status")
            status = (
                f", countIf({' AND '.join(status_flags) or '1'}) AS status_total,"
                f" countIf({' AND '.join(['error_count > 0', *status_flags])}) AS status_errors"
            )
        rows = await self.store.query_rows(
            f"SELECT {aggregates(kept, TOP_VALUES)}{status} FROM ({inner})", parts.params
        )
        row = rows[0] if rows else {}
        counts = (row["status_total"], row["status_errors"]) if status else None
        return answer(partial_from_row(row), counts)

    async def _by_days(
        self, project: str, start_ns: int, end_ns: int, envs: list[str] | None = None
    ) -> Partial:
        """The answer over the traces of the window (of the environments `envs`):
        whole days stored, the rest aggregated by start day."""
        days = whole_days(start_ns, end_ns)
        if not days:
            return merge_partials(
                (await self._per_start_day(project, [(start_ns, end_ns)], envs)).values()
            )
        question = Question("facets", orjson.dumps(envs or []).decode(), project)
        check = await self.days.usable(question, days)
        live = uncovered(start_ns, end_ns, sorted(check.known))
        computed = await self._per_start_day(project, live, envs) if live else {}
        # Whole days aggregated here are stored for the next asker (a day without
        # traces has no row: stored empty, so it is not aggregated again).
        fresh = {d: computed.get(d, EMPTY_DAY) for d in days if d not in check.known}
        if fresh:
            self.days.remember(question, check, fresh)
        return merge_partials([*check.known.values(), *computed.values()])

    async def _per_start_day(
        self, project: str, ranges: list[tuple[int, int]], envs: list[str] | None = None
    ) -> dict[int, Partial]:
        """Facet answers of the traces starting in `ranges` (of the environments
        `envs`), per UTC start day."""
        parts = SqlParts()
        proj = parts.bind(project, "String")
        kept_rows, windows = [], []
        for a, b in ranges:
            start, end = parts.bind(a, "Int64"), parts.bind(b, "Int64")
            kept_rows.append(rows_from(start, parts.bind(rows_days([(a, b)]), "Array(Date)")))
            earlier = started_before(proj, start, parts.bind(before_days(a), "Array(Date)"))
            windows.append(f"(start_ns >= {start} AND start_ns < {end} AND {earlier})")
        having = " OR ".join(windows)
        if envs:
            having = f"({having}) AND env IN {parts.bind(envs, 'Array(String)')}"
        inner = (
            f"SELECT {summary_select([*FACET_ALIASES, 'start_ns'])} FROM trace_summaries"
            f" WHERE project = {proj} AND ({' OR '.join(kept_rows)})"
            f" GROUP BY trace_id HAVING {having}"
        )
        # Every value of a day is kept (up to TOP_RESERVED): days are added up later.
        rows = await self.store.query_rows(
            f"SELECT intDiv(start_ns, {DAY_NS}) AS start_day, {aggregates(lambda _: [], TOP_RESERVED)}"
            f" FROM ({inner}) GROUP BY start_day",
            parts.params,
        )
        return {int(row["start_day"]): partial_from_row(row) for row in rows}
