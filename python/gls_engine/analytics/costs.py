"""Cost analysis: what a project's spans cost, split, broken down, and the CSV export.

What each figure reads. Most come from `cost_rollups` (migration 0006: per
project x minute x the span's own type, provider, model, environment, agent
and chain, kept by a materialized view), ordered by project and minute, so a
window is a primary-key range of a few rows per minute; windows are minute
aligned (`window.window`), so the minutes of a window hold exactly its spans:
- totals, the same totals for the previous period (trend) and the time
  series: one read of both periods, grouped by period and step
  (epoch-aligned buckets of `window.step_s`, whole minutes; every bucket of
  the window is answered, zero when nothing happened);
- with `group_by` agent, environment or model: the series of the top groups
  by cost (the span's own column): a read for the top groups and one for
  their series; chain and user are the trace's (below);
- by model: the LLM calls of the window grouped by provider and model;
- by environment, by agent: one read with two grouping sets, the span's own
  environment / agent (spans without one are the group "").
- carbon ranges and grid zones: `carbon_rollups` (migration 0015: per project x
  minute x environment x zone, the central figures and the sums of the spans'
  min and max), one read of both periods by step and zone.
With `environment`, rollup and span reads keep the span's own environment,
trace reads the trace's.
Two figures need each trace and read what keeps traces:
- by chain: `trace_summaries` rows of the window's days, merged per trace; a
  trace counts when it starts in the window, its chain is the trace's chain;
  with group_by=chain the same read, by chain and step (each trace at the
  step it started in), gives the top chains' series, so an LLM call is counted
  under its trace's chain, as the trace list's filter counts it; group_by=user
  reads the same way by the trace's user;
- CSV export: `spans` of the window (the columns it adds up) joined to their
  trace's chain (`trace_summaries`), one row per day x chain x environment x
  provider x model.

An LLM call is a span of type `llm` or `embedding` (docs/span-schema.md). Its
cost is `llm_cost_usd`; an LLM call genai-prices and the project's overrides
cannot price has `cost_status` 3 and no cost: it is counted as unpriced, never
as free. `cost_usd` of a span adds up the known parts (LLM, infrastructure and
data processing from the project's rate card).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gls_engine.analytics.window import GROUP_COLUMNS, MINUTE_NS, Window
from gls_engine.csv_cells import number_cell, text_cell
from gls_engine.errors import InvalidParameterError
from gls_engine.storage import SpanStore
from gls_engine.storage.day_answers import (
    DayAnswers,
    Question,
    before_days,
    rows_days,
    rows_from,
    started_before,
    uncovered,
    whole_days,
)
from gls_engine.storage.span_hours import span_hours_ns

LLM_CALL = "span_type IN ('llm', 'embedding')"
IN_WINDOW = (
    "project = {project:String}"
    " AND start_time >= fromUnixTimestamp64Nano({start:Int64})"
    " AND start_time < fromUnixTimestamp64Nano({end:Int64})"
    f" AND {span_hours_ns('{start:Int64}', '{end:Int64}')}"
)

COST_FIELDS = (
    "cost_usd",
    "llm_cost_usd",
    "infrastructure_cost_usd",
    "data_cost_usd",
    "llm_calls",
    "unpriced_llm_calls",
    "energy_kwh",
    "carbon_g",
    "embodied_carbon_g",
)
# The same figures from cost_rollups, read `FROM cost_rollups AS r`: qualified
# names are the stored columns, never the output aliases that share them.
ROLLUP_WINDOW = (
    "r.project = {project:String}"
    " AND r.minute >= fromUnixTimestamp64Nano({start:Int64})"
    " AND r.minute < fromUnixTimestamp64Nano({end:Int64})"
)
ROLLUP_LLM_CALL = "r.span_type IN ('llm', 'embedding')"
# (output name, what it sums) of every COST_FIELDS figure in the rollup
ROLLUP_COST_PARTS = (
    ("cost_usd", "r.cost_usd"),
    ("llm_cost_usd", "r.llm_cost_usd"),
    ("infrastructure_cost_usd", "r.infra_cost_usd"),
    ("data_cost_usd", "r.data_cost_usd"),
    ("llm_calls", f"if({ROLLUP_LLM_CALL}, r.spans, 0)"),
    ("unpriced_llm_calls", "r.unpriced_calls"),
    ("energy_kwh", "r.energy_kwh"),
    ("carbon_g", "r.carbon_g"),
    ("embodied_carbon_g", "r.embodied_carbon_g"),
)
ROLLUP_COST_SUMS = (
    "sum(r.cost_usd) AS cost_usd,"
    " sum(r.llm_cost_usd) AS llm_cost_usd,"
    " sum(r.infra_cost_usd) AS infrastructure_cost_usd,"
    " sum(r.data_cost_usd) AS data_cost_usd,"
    f" sumIf(r.spans, {ROLLUP_LLM_CALL}) AS llm_calls,"
    " sum(r.unpriced_calls) AS unpriced_llm_calls,"
    " sum(r.energy_kwh) AS energy_kwh,"
    " sum(r.carbon_g) AS carbon_g,"
    " sum(r.embodied_carbon_g) AS embodied_carbon_g"
)
# The costs of the previous period given with each environment and agent.
PREVIOUS_COSTS = ("cost_usd", "llm_cost_usd", "infrastructure_cost_usd", "data_cost_usd")
# carbon_rollups (migration 0015): the central figures and their ranges.
CARBON_FIELDS = tuple(
    f"{figure}{bound}"
    for figure in ("energy_kwh", "carbon_g", "embodied_carbon_g")
    for bound in ("", "_min", "_max")
)
CARBON_SUMS = ", ".join(f"sum(r.{f}) AS {f}" for f in CARBON_FIELDS)
# Top groups of a grouped time series (the rest are left out, not lumped).
SERIES_GROUPS = 10

# The detailed table a finance user exports: one row per UTC day, the trace's
# chain, environment, provider and model, with what those spans cost.
EXPORT_COLUMNS = (
    "day",
    "chain",
    "environment",
    "provider",
    "model",
    "spans",
    "llm_calls",
    "unpriced_llm_calls",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "llm_cost_usd",
    "infrastructure_cost_usd",
    "data_cost_usd",
    "cost_usd",
    "energy_kwh",
    "carbon_g",
    "embodied_carbon_g",
)
EXPORT_TEXT_COLUMNS = frozenset({"day", "chain", "environment", "provider", "model"})
EXPORT_DEFAULT_ROWS = 100_000
EXPORT_MAX_ROWS = 1_000_000


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _change(now: float, before: float) -> float | None:
    """Relative change from the previous period; None when it was zero."""
    return (now - before) / abs(before) if before else None


def minute_aligned(window: Window) -> Window:
    """The window, checked to be whole minutes: the rollup's minutes then hold
    exactly the window's spans (`window.window` aligns every request)."""
    if window.start_ns % MINUTE_NS or window.end_ns % MINUTE_NS:
        raise ValueError("rollup reads need a window of whole minutes")
    return window


def _costs(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row.get(k, 0) or 0 for k in COST_FIELDS}


def _added(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows of counts and sums added up, key by key."""
    out: dict[str, Any] = {}
    for row in rows:
        for k, v in row.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = out.get(k, 0) + v
    return out


def _carbon_figures(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"spans": row.get("spans", 0), **{k: row.get(k, 0) or 0 for k in CARBON_FIELDS}}


def _totals(row: Mapping[str, Any]) -> dict[str, Any]:
    out = _costs(row)
    cost = out["cost_usd"]
    unpriced_tokens = row.get("unpriced_tokens", 0) or 0
    priced_tokens = row.get("priced_tokens", 0) or 0
    out.update(
        {
            "split": {
                "llm": _ratio(out["llm_cost_usd"], cost),
                "infrastructure": _ratio(out["infrastructure_cost_usd"], cost),
                "data": _ratio(out["data_cost_usd"], cost),
            },
            "priced_llm_calls": row.get("priced_llm_calls", 0) or 0,
            "unpriced_tokens": unpriced_tokens,
            "unknown_cost_share": _ratio(unpriced_tokens, unpriced_tokens + priced_tokens),
            "llm_calls_without_energy": row.get("llm_calls_without_energy", 0) or 0,
        }
    )
    return out


# The figures of a step of a chain's (user's) series. Traces keep no
# infrastructure / data split: those two are null.
CHAIN_POINT_FIELDS = (
    "cost_usd",
    "llm_cost_usd",
    "llm_calls",
    "unpriced_llm_calls",
    "energy_kwh",
    "carbon_g",
    "embodied_carbon_g",
)


@dataclass(frozen=True)
class CostRequest:
    project: str
    window: Window
    group_by: str | None  # groups the time series (span columns, window.GROUP_COLUMNS)
    limit: int  # rows per breakdown
    environment: str | None = None  # only spans (traces) of this environment

    @property
    def rollup_filter(self) -> str:
        """The environment condition on a rollup read `AS r` ("" for every one)."""
        return " AND r.environment = {environment:String}" if self.environment else ""

    @property
    def span_filter(self) -> str:
        """The environment condition on a read of `spans`."""
        return " AND environment = {environment:String}" if self.environment else ""

    @property
    def trace_filter(self) -> str:
        """The environment condition on a trace merged from `trace_summaries`
        (HAVING, over its `max(environment) AS env`)."""
        return " AND env = {environment:String}" if self.environment else ""

    @property
    def params(self) -> dict[str, Any]:
        w = minute_aligned(self.window)
        return {
            "project": self.project,
            "start": w.start_ns,
            "end": w.end_ns,
            "previous_start": w.previous_start_ns,
            "step": w.step_s,
            "limit": self.limit,
            "environment": self.environment or "",
        }


DAY_S = 86_400
# A group's sums over its traces (of a day, a range, a step).
TRACE_VALUE_FIELDS = (
    "executions",
    "cost_usd",
    "llm_cost_usd",
    "unpriced_llm_calls",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "total_tokens",
    "energy_kwh",
    "carbon_g",
    "llm_calls",
    "embodied_carbon_g",
)
TRACE_VALUE_SUMS = (
    "count() AS executions, sum(cost) AS cost_usd, sum(llm_cost) AS llm_cost_usd,"
    " sum(unpriced) AS unpriced_llm_calls,"
    " sum(input) AS input_tokens, sum(output) AS output_tokens,"
    " sum(cached) AS cached_tokens, sum(total) AS total_tokens,"
    " sum(energy) AS energy_kwh, sum(carbon) AS carbon_g,"
    " sum(llm) AS llm_calls, sum(embodied) AS embodied_carbon_g"
)


def _in_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["grp"], r.get("t", 0)))


def _ranked(
    rows: Iterable[Mapping[str, Any]], with_series: bool, limit: int
) -> list[dict[str, Any]]:
    """Rows of group sums (per step with_series; of disjoint sets of traces) added
    up per group, most cost first (then executions, then name), at most `limit`;
    with_series each group has its `points` (t -> CHAIN_POINT_FIELDS)."""
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        g = groups.get(r["grp"])
        if g is None:
            g = groups[r["grp"]] = {"grp": r["grp"], **dict.fromkeys(TRACE_VALUE_FIELDS, 0)}
            if with_series:
                g["points"] = {}
        for key in TRACE_VALUE_FIELDS:
            g[key] += r[key]
        if with_series:
            point = g["points"].setdefault(int(r["t"]), dict.fromkeys(CHAIN_POINT_FIELDS, 0))
            for key in CHAIN_POINT_FIELDS:
                point[key] += r[key]
    ranked = sorted(groups.values(), key=lambda g: (-g["cost_usd"], -g["executions"], g["grp"]))
    out = ranked[:limit]
    for g in out:  # by group, the figures by_chain shows (the two others are in points)
        del g["llm_calls"], g["embodied_carbon_g"]
    return out


class CostQueries:
    def __init__(self, store: SpanStore, days: DayAnswers | None = None) -> None:
        self.store = store
        self.days = days or DayAnswers(store)

    async def analysis(self, req: CostRequest) -> dict[str, Any]:
        (
            (current, previous, series),
            groups,
            models,
            (environments, agents),
            (chains, chain_groups),
            carbon,
        ) = await asyncio.gather(
            self._periods_and_series(req),
            self._grouped_series(req),
            self._by_model(req),
            self._by_environment_and_agent(req),
            self._by_chain(req),
            self._carbon(req),
        )
        groups = chain_groups if req.group_by == "chain" else groups
        result: dict[str, Any] = {
            "project": req.project,
            "window": req.window.to_json(),
            "totals": current,
            "previous": previous,
            "change": {
                k: _change(current[k], previous[k])
                for k in (*COST_FIELDS, "priced_llm_calls", "llm_calls_without_energy")
            },
            "series": series,
            "by_model": models,
            "by_chain": chains,
            "by_environment": environments,
            "by_agent": agents,
            "carbon": carbon,
            "group_by": req.group_by,
            "environment": req.environment,
        }
        if groups is not None:
            result["groups"] = groups
        return result

    async def _periods_and_series(
        self, req: CostRequest
    ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        """Totals of the window and of the previous period, and the window's
        time series, from one read of both periods by period and step (a step
        may straddle the window's start: its two parts are two rows)."""
        rows = await self.store.query_rows(
            "SELECT r.minute >= fromUnixTimestamp64Nano({start:Int64}) AS is_current,"
            " intDiv(toUnixTimestamp(r.minute), {step:UInt32}) * {step:UInt32} AS t,"
            f" {ROLLUP_COST_SUMS},"
            " sum(r.priced_calls) + sum(r.override_calls) AS priced_llm_calls,"
            " sum(r.unpriced_call_tokens) AS unpriced_tokens,"
            " sum(r.priced_call_tokens) AS priced_tokens,"
            f" sumIf(r.energy_unknown_spans, {ROLLUP_LLM_CALL}) AS llm_calls_without_energy"
            " FROM cost_rollups AS r WHERE r.project = {project:String}"
            " AND r.minute >= fromUnixTimestamp64Nano({previous_start:Int64})"
            " AND r.minute < fromUnixTimestamp64Nano({end:Int64})"
            f"{req.rollup_filter}"
            " GROUP BY is_current, t",
            req.params,
        )
        now = [r for r in rows if r["is_current"]]
        before = [r for r in rows if not r["is_current"]]
        by_t = {int(r["t"]): r for r in now}
        series = [
            {"t": _iso(t), **_costs(by_t.get(t, {}))} for t in self._bucket_starts(req.window)
        ]
        return _totals(_added(now)), _totals(_added(before)), series

    def _bucket_starts(self, window: Window) -> list[int]:
        step = window.step_s
        first = window.start_ns // 10**9 // step * step
        return list(range(first, -(-window.end_ns // 10**9), step))

    async def _grouped_series(self, req: CostRequest) -> list[dict[str, Any]] | None:
        """The time series of the top groups by cost (the span's own column; a
        chain's come with by_chain, by the trace's chain)."""
        if req.group_by is None or req.group_by == "chain":
            return None
        if req.group_by == "user":
            # the trace's user (as the trace list filters), from trace_summaries:
            # the span's own user_id is not in the rollup, and reading spans for
            # it took two scans of the window's spans
            return self._trace_series(
                req, await self._by_trace_value(req, "user_id", True, SERIES_GROUPS)
            )
        # agent, environment, model: the span's own column, kept by the rollup
        column = GROUP_COLUMNS[req.group_by]
        llm_only = f" AND {ROLLUP_LLM_CALL}" if req.group_by == "model" else ""
        llm_only += req.rollup_filter
        sql = (
            f"SELECT toString(r.{column}) AS g,"
            " intDiv(toUnixTimestamp(r.minute), {step:UInt32}) * {step:UInt32} AS t,"
            f" {ROLLUP_COST_SUMS} FROM cost_rollups AS r WHERE {ROLLUP_WINDOW}{llm_only}"
            f" AND r.{column} IN (SELECT r.{column} FROM cost_rollups AS r"
            f" WHERE {ROLLUP_WINDOW}{llm_only} GROUP BY r.{column}"
            f" ORDER BY sum(r.cost_usd) DESC, sum(r.spans) DESC, r.{column}"
            f" LIMIT {SERIES_GROUPS})"
            " GROUP BY g, t"
        )
        rows = await self.store.query_rows(sql, req.params)
        per_group: dict[str, dict[int, dict[str, Any]]] = {}
        for r in rows:
            per_group.setdefault(r["g"], {})[int(r["t"])] = r
        starts = self._bucket_starts(req.window)
        groups = [
            {
                "group": g,
                "cost_usd": sum(r["cost_usd"] for r in points.values()),
                "series": [{"t": _iso(t), **_costs(points.get(t, {}))} for t in starts],
            }
            for g, points in per_group.items()
        ]
        groups.sort(key=lambda item: (-item["cost_usd"], item["group"]))
        return groups

    async def _by_model(self, req: CostRequest) -> list[dict[str, Any]]:
        """The window's LLM calls by provider and model, each with its requests
        and cost in the previous period (its trend), from one read of both."""
        current = "r.minute >= fromUnixTimestamp64Nano({start:Int64})"
        rows = await self.store.query_rows(
            "SELECT toString(r.provider) AS provider, toString(r.model) AS model,"
            f" sumIf(r.spans, {current}) AS requests,"
            f" sumIf(r.priced_calls + r.override_calls, {current}) AS priced_requests,"
            f" sumIf(r.unpriced_calls, {current}) AS unpriced_requests,"
            f" sumIf(r.input_tokens, {current}) AS input_tokens,"
            f" sumIf(r.output_tokens, {current}) AS output_tokens,"
            f" sumIf(r.cached_tokens, {current}) AS cached_tokens,"
            f" sumIf(r.reasoning_tokens, {current}) AS reasoning_tokens,"
            f" sumIf(r.llm_cost_usd, {current}) AS cost_usd,"
            f" sumIf(r.energy_kwh, {current}) AS energy_kwh,"
            f" sumIf(r.carbon_g, {current}) AS carbon_g,"
            f" sumIf(r.embodied_carbon_g, {current}) AS embodied_carbon_g,"
            f" sumIf(r.spans, NOT {current}) AS previous_requests,"
            f" sumIf(r.unpriced_calls, NOT {current}) AS previous_unpriced_requests,"
            f" sumIf(r.llm_cost_usd, NOT {current}) AS previous_cost_usd"
            " FROM cost_rollups AS r WHERE r.project = {project:String}"
            " AND r.minute >= fromUnixTimestamp64Nano({previous_start:Int64})"
            " AND r.minute < fromUnixTimestamp64Nano({end:Int64})"
            f" AND {ROLLUP_LLM_CALL}{req.rollup_filter}"
            " GROUP BY provider, model HAVING requests > 0"
            " ORDER BY cost_usd DESC, requests DESC, provider, model LIMIT {limit:UInt32}",
            req.params,
        )
        return [
            {
                **r,
                "avg_cost_per_request_usd": _ratio(r["cost_usd"], r["priced_requests"]),
                "cost_change": _change(r["cost_usd"], r["previous_cost_usd"]),
            }
            for r in rows
        ]

    async def _by_environment_and_agent(
        self, req: CostRequest
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        # One read of both periods, two grouping sets; grouping(r.environment)
        # is 0 on the rows grouped by environment. The window's figures, and
        # the previous period's costs (the detail table's trend per group).
        current = "r.minute >= fromUnixTimestamp64Nano({start:Int64})"
        sums = ", ".join(f"sumIf({expr}, {current}) AS {name}" for name, expr in ROLLUP_COST_PARTS)
        previous = ", ".join(
            f"sumIf({expr}, NOT {current}) AS previous_{name}"
            for name, expr in ROLLUP_COST_PARTS
            if name.endswith("_usd")
        )
        rows = await self.store.query_rows(
            "SELECT grouping(r.environment) AS by_agent, toString(r.environment) AS env,"
            f" toString(r.agent) AS ag, sumIf(r.spans, {current}) AS spans, {sums}, {previous}"
            " FROM cost_rollups AS r WHERE r.project = {project:String}"
            " AND r.minute >= fromUnixTimestamp64Nano({previous_start:Int64})"
            f" AND r.minute < fromUnixTimestamp64Nano({{end:Int64}}){req.rollup_filter}"
            " GROUP BY GROUPING SETS ((r.environment), (r.agent)) HAVING spans > 0",
            req.params,
        )

        def ranked(column: str, key: str, agent_rows: bool) -> list[dict[str, Any]]:
            chosen = [r for r in rows if bool(r["by_agent"]) == agent_rows]
            chosen.sort(key=lambda r: (-r["cost_usd"], -r["spans"], r[key]))
            return [
                {
                    column: r[key],
                    "spans": r["spans"],
                    **_costs(r),
                    "previous": {k: r[f"previous_{k}"] for k in PREVIOUS_COSTS},
                }
                for r in chosen
            ][: req.limit]

        return ranked("environment", "env", False), ranked("agent", "ag", True)

    async def _by_chain(
        self, req: CostRequest
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
        """Cost by the trace's chain, and with group_by=chain the time series of
        the SERIES_GROUPS chains that cost most, from the same read."""
        with_series = req.group_by == "chain"
        rows = await self._by_trace_value(
            req, "chain", with_series, max(req.limit, SERIES_GROUPS) if with_series else req.limit
        )
        chains = [
            {
                "chain": r["grp"],
                **{k: v for k, v in r.items() if k not in ("points", "grp")},
                "avg_cost_per_execution_usd": r["cost_usd"] / r["executions"],
                "avg_tokens_per_execution": r["total_tokens"] / r["executions"],
            }
            for r in rows[: req.limit]
        ]
        return chains, self._trace_series(req, rows) if with_series else None

    async def _by_trace_value(
        self, req: CostRequest, column: str, with_series: bool, limit: int
    ) -> list[dict[str, Any]]:
        """Traces that started in the window by their value of `column` (chain or
        user_id, as trace_summaries keeps them: the trace's), most cost first,
        at most `limit` groups; with_series adds each group's figures per step
        of its traces' starts (`points`: t -> CHAIN_POINT_FIELDS). A trace has a
        summary row per day it has spans in; merged per trace, it counts when it
        starts in the window (its later days included), in its environment when
        one is asked.

        Whole UTC days of the window come from their stored answers
        (storage/day_answers.py) when the steps divide a day; the rest is read."""
        start, end, step = req.window.start_ns, req.window.end_ns, req.window.step_s
        days = whole_days(start, end)
        if not days or (with_series and DAY_S % step):
            rows = await self._trace_value_rows(req, column, with_series, [(start, end)], False)
            return _ranked(rows, with_series, limit)
        question = Question(
            f"cost_by_{column}",
            f"{req.environment or ''}|{step if with_series else 0}",
            req.project,
        )
        check = await self.days.usable(question, days)
        live = uncovered(start, end, sorted(check.known))
        rows = await self._trace_value_rows(req, column, with_series, live, True) if live else []
        by_day: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_day.setdefault(int(r.pop("d")), []).append(r)
        fresh = {d: by_day.get(d, []) for d in days if d not in check.known}
        if fresh:
            self.days.remember(question, check, fresh)
        # added up day by day, in one order however the days were come by
        every_day = {**by_day, **check.known}
        ordered = (r for d in sorted(every_day) for r in _in_order(every_day[d]))
        return _ranked(ordered, with_series, limit)

    async def _trace_value_rows(
        self,
        req: CostRequest,
        column: str,
        with_series: bool,
        ranges: list[tuple[int, int]],
        by_day: bool,
    ) -> list[dict[str, Any]]:
        """Sums of the traces starting in `ranges` by group (and step, and UTC
        start day when `by_day`)."""
        params: dict[str, Any] = dict(req.params)
        rows, windows = [], []
        for i, (a, b) in enumerate(ranges):
            params[f"a{i}"], params[f"b{i}"] = a, b
            params[f"days{i}"], params[f"before{i}"] = rows_days([(a, b)]), before_days(a)
            rows.append(rows_from(f"{{a{i}:Int64}}", f"{{days{i}:Array(Date)}}"))
            earlier = started_before(
                "{project:String}",
                f"{{a{i}:Int64}}",
                f"{{before{i}:Array(Date)}}",
                "reinterpretAsUInt128(trace_id)",
            )
            windows.append(
                f"(started >= fromUnixTimestamp64Nano({{a{i}:Int64}})"
                f" AND started < fromUnixTimestamp64Nano({{b{i}:Int64}}) AND {earlier})"
            )
        traces = (
            f"SELECT max({column}) AS grp, max(environment) AS env,"
            " min(start_time) AS started,"
            " sum(cost_usd) AS cost, sum(llm_cost_usd) AS llm_cost,"
            " sum(unpriced_count) AS unpriced, sum(input_tokens) AS input,"
            " sum(output_tokens) AS output, sum(cached_tokens) AS cached,"
            " sum(total_tokens) AS total, sum(energy_kwh) AS energy, sum(carbon_g) AS carbon,"
            " sum(llm_count) AS llm, sum(embodied_carbon_g) AS embodied"
            f" FROM trace_summaries WHERE project = {{project:String}} AND ({' OR '.join(rows)})"
            # The id as a 128-bit integer: a fixed-size hash key, ~10% less CPU
            # than hashing FixedString(16) (250K traces of 7 days at 10M spans).
            " GROUP BY reinterpretAsUInt128(trace_id)"
            f" HAVING ({' OR '.join(windows)}){req.trace_filter}"
        )
        keys = ["grp"]
        if with_series:
            keys.append("intDiv(toUnixTimestamp(started), {step:UInt32}) * {step:UInt32} AS t")
        if by_day:
            keys.append(f"intDiv(toUnixTimestamp(started), {DAY_S}) AS d")
        return await self.store.query_rows(
            f"SELECT {', '.join(keys)}, {TRACE_VALUE_SUMS} FROM ({traces})"
            f" GROUP BY {', '.join(k.split(' AS ')[-1] for k in keys)}",
            params,
        )

    def _trace_series(self, req: CostRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The series of the first SERIES_GROUPS groups of _by_trace_value."""
        starts = self._bucket_starts(req.window)
        empty = dict.fromkeys(CHAIN_POINT_FIELDS, 0)
        return [
            {
                "group": r["grp"],
                "cost_usd": r["cost_usd"],
                "series": [
                    {
                        "t": _iso(t),
                        **r["points"].get(t, empty),
                        # traces keep no split of their non-LLM cost
                        "infrastructure_cost_usd": None,
                        "data_cost_usd": None,
                    }
                    for t in starts
                ],
            }
            for r in rows[:SERIES_GROUPS]
        ]

    async def _carbon(self, req: CostRequest) -> dict[str, Any]:
        """Energy, usage and embodied carbon with their uncertainty ranges (sums
        of the spans' min and max) for the window and the previous period, the
        window's series, and the window by grid zone: one read of
        `carbon_rollups` by period, step and zone."""
        rows = await self.store.query_rows(
            "SELECT r.minute >= fromUnixTimestamp64Nano({start:Int64}) AS is_current,"
            " intDiv(toUnixTimestamp(r.minute), {step:UInt32}) * {step:UInt32} AS t,"
            f" toString(r.carbon_zone) AS zone, sum(r.spans) AS spans, {CARBON_SUMS}"
            " FROM carbon_rollups AS r WHERE r.project = {project:String}"
            " AND r.minute >= fromUnixTimestamp64Nano({previous_start:Int64})"
            " AND r.minute < fromUnixTimestamp64Nano({end:Int64})"
            f"{req.rollup_filter}"
            " GROUP BY is_current, t, zone",
            req.params,
        )
        now = [r for r in rows if r["is_current"]]
        by_t: dict[int, list[dict[str, Any]]] = {}
        by_zone: dict[str, list[dict[str, Any]]] = {}
        for r in now:
            by_t.setdefault(int(r["t"]), []).append(r)
            by_zone.setdefault(r["zone"], []).append(r)
        zones = [{"zone": z, **_carbon_figures(_added(zs))} for z, zs in by_zone.items()]
        zones.sort(key=lambda z: (-z["carbon_g"], -z["energy_kwh"], z["zone"]))
        return {
            "totals": _carbon_figures(_added(now)),
            "previous": _carbon_figures(_added([r for r in rows if not r["is_current"]])),
            "series": [
                {"t": _iso(t), **_carbon_figures(_added(by_t.get(t, [])))}
                for t in self._bucket_starts(req.window)
            ],
            "by_zone": zones[: req.limit],
        }

    async def export_rows(self, req: CostRequest) -> list[dict[str, Any]]:
        """The detailed table, ordered by its text columns; at most req.limit
        rows, else a 400 (a finance export is never silently cut short)."""
        rows = await self.store.query_rows(
            "SELECT toString(toDate(start_time)) AS day, ifNull(t.chain, '') AS chain,"
            " toString(environment) AS environment, toString(provider) AS provider,"
            " toString(model) AS model, count() AS spans,"
            f" countIf({LLM_CALL}) AS llm_calls,"
            " countIf(cost_status = 3) AS unpriced_llm_calls,"
            " sum(ifNull(input_tokens, 0)) AS input_tokens,"
            " sum(ifNull(output_tokens, 0)) AS output_tokens,"
            " sum(ifNull(cached_tokens, 0)) AS cached_tokens,"
            " sum(ifNull(reasoning_tokens, 0)) AS reasoning_tokens,"
            " sum(ifNull(llm_cost_usd, 0)) AS llm_cost_usd,"
            " sum(ifNull(infra_cost_usd, 0)) AS infrastructure_cost_usd,"
            " sum(ifNull(data_cost_usd, 0)) AS data_cost_usd,"
            " sum(cost_usd) AS cost_usd,"
            " sum(ifNull(energy_kwh, 0)) AS energy_kwh,"
            " sum(ifNull(carbon_g, 0)) AS carbon_g,"
            " sum(ifNull(embodied_carbon_g, 0)) AS embodied_carbon_g"
            # Joining raw span rows to one chain per trace measured 4x faster
            # than summing spans per trace first (10M spans, 24 h: 117 vs 454 ms).
            " FROM (SELECT trace_id, start_time, span_type, environment, provider, model,"
            " cost_status, input_tokens, output_tokens, cached_tokens, reasoning_tokens,"
            " llm_cost_usd, infra_cost_usd, data_cost_usd, cost_usd, energy_kwh, carbon_g,"
            f" embodied_carbon_g FROM spans WHERE {IN_WINDOW}{req.span_filter}) AS s"
            " LEFT JOIN (SELECT trace_id, max(chain) AS chain FROM trace_summaries"
            " WHERE project = {project:String}"
            # A trace's chain may be on a span of the day before the window.
            " AND day >= toDate(fromUnixTimestamp64Nano({start:Int64})) - 1"
            " AND day <= toDate(fromUnixTimestamp64Nano({end:Int64}))"
            " GROUP BY trace_id) AS t USING trace_id"
            " GROUP BY day, chain, environment, provider, model"
            " ORDER BY day, chain, environment, provider, model"
            " LIMIT {limit:UInt32}",
            {**req.params, "limit": req.limit + 1},
        )
        if len(rows) > req.limit:
            raise InvalidParameterError(
                f"the export has more than {req.limit} rows: narrow start/end,"
                f" or raise limit (at most {EXPORT_MAX_ROWS})"
            )
        return rows


def export_csv(rows: list[dict[str, Any]]) -> str:
    """RFC 4180 CSV with a header row: quotes, commas and line breaks inside a
    cell are quoted by the csv module; formula-like text cells are defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            text_cell(str(row[c])) if c in EXPORT_TEXT_COLUMNS else number_cell(row[c])
            for c in EXPORT_COLUMNS
        )
    return out.getvalue()
