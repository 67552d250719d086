"""Performance metrics: latency, tokens, cost, throughput, error rate, carbon.

Each as count / p50 / p90 / p99 / avg / sum / min / max where it makes
sense, for a window and the period before it (trend), as a time series and
per group (chain, agent, user, environment, model).

Where the figures come from:
- latency, tokens, cost percentiles and sums: the `metric_sketches` rows of
  the window, merged by ClickHouse (`sumMap` of the log buckets is the sketch
  merge) and read into quantiles by the Rust core (`QuantileSketch`, <= 0.5%
  relative error against exact order statistics);
- error rate: exact counts over `trace_summaries` (scope trace) or LLM spans;
- carbon: exact sums over `trace_summaries` (per trace) or LLM spans;
- tokens and cost with scope `trace`: each trace's sums, exact over
  `trace_summaries`, grouped by the trace's values (the sketches keep them
  per LLM call, grouped by the call's own chain, which instrumentations
  rarely set on the call itself).

Scopes: `trace` measures traces (latency = the root span's duration; group
values are the root span's), `llm` measures LLM calls. Grouping by model is
only meaningful for LLM calls, so it implies scope `llm`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gls_engine import _core
from gls_engine import request_params as p
from gls_engine.analytics.window import GROUP_COLUMNS, Window, environment, group_by, window
from gls_engine.errors import InvalidParameterError
from gls_engine.scores.analytics_scores import score_group_join, score_terms
from gls_engine.storage import SpanStore
from gls_engine.storage.span_hours import span_hours_ns

LEVELS = (0.5, 0.9, 0.99)
METRICS = ("latency", "tokens", "cost", "throughput", "error_rate", "carbon")
SCOPES = ("trace", "llm")
MAX_GROUPS = 200
MAX_SERIES_GROUPS = 20  # groups drawn over time (series_groups)


@dataclass(frozen=True)
class MetricSpec:
    sketch_metric: str | None  # metric_sketches.metric, None when SQL computes it
    unit: str
    scale: float  # sketch value x scale = unit value
    scopes: tuple[str, ...]


SPECS = {
    "latency": MetricSpec("latency_ns", "ms", 1e-6, ("trace", "llm")),
    # scope trace: each trace's sum (its spans' tokens / cost), exact over trace_summaries
    "tokens": MetricSpec("total_tokens", "tokens", 1.0, ("llm", "trace")),
    "cost": MetricSpec("cost_usd", "USD", 1.0, ("llm", "trace")),
    "throughput": MetricSpec("latency_ns", "per_minute", 1.0, ("trace", "llm")),
    "error_rate": MetricSpec(None, "ratio", 1.0, ("trace", "llm")),
    "carbon": MetricSpec(None, "gCO2e", 1.0, ("trace", "llm")),
}


@dataclass(frozen=True)
class MetricRequest:
    project: str
    metric: str
    scope: str
    group_by: str | None
    window: Window
    limit: int
    environment: str | None = None
    series_groups: int = 0  # top groups (most measurements first) given a time series
    # trace-scope exact metrics only: conditions on the trace and their parameters
    # (scores/analytics_scores.py), and the score name grouping when group_by "score"
    trace_conditions: tuple[str, ...] = ()
    trace_params: tuple[tuple[str, Any], ...] = ()
    score_group: str | None = None

    @property
    def exact(self) -> bool:
        """Computed by SQL over the rows (not from the sketches): error rate and
        carbon, and tokens and cost per trace (sketched per LLM call only)."""
        return SPECS[self.metric].sketch_metric is None or (
            self.metric in ("tokens", "cost") and self.scope == "trace"
        )

    @property
    def whole_kind(self) -> str:
        """The sketch rows of everything measured: the environment's when one is asked."""
        return "environment" if self.environment else "all"


def parse_request(project: str, query: Mapping[str, str]) -> MetricRequest:
    metric = p.choice("metric", query.get("metric", "latency"), METRICS)
    grouping = group_by(query)
    spec = SPECS[metric]
    per_call = grouping == "model" or metric in ("tokens", "cost")
    default_scope = "llm" if per_call or "trace" not in spec.scopes else "trace"
    scope = p.choice("scope", query.get("scope", default_scope), SCOPES)
    if scope not in spec.scopes:
        raise InvalidParameterError(
            f"metric {metric} is measured for scope {', '.join(spec.scopes)} only"
        )
    if grouping == "model" and scope != "llm":
        raise InvalidParameterError("group_by=model needs scope=llm (a trace has no single model)")
    limit = p.integer("limit", query["limit"], 1, MAX_GROUPS) if "limit" in query else 20
    env = environment(query)
    exact = spec.sketch_metric is None or (metric in ("tokens", "cost") and scope == "trace")
    if env and not exact and grouping not in (None, "environment"):
        # sketches are kept per one grouping: a chain's within one environment is not
        raise InvalidParameterError(
            f"environment cannot be combined with group_by={grouping} for metric {metric}"
            " (its percentiles come from sketches kept per one grouping)"
        )
    series_groups = (
        p.integer("series_groups", query["series_groups"], 0, MAX_SERIES_GROUPS)
        if "series_groups" in query
        else 0
    )
    scored = score_terms(query, grouping)
    if scored.used and not (exact and scope == "trace"):
        raise InvalidParameterError(
            "score and group_by_score need a metric measured exactly per trace:"
            " error_rate or carbon, or tokens or cost with scope=trace"
        )
    if scored.group is not None:
        grouping = "score"
    if series_groups and grouping is None:
        raise InvalidParameterError("series_groups needs group_by")
    return MetricRequest(
        project,
        metric,
        scope,
        grouping,
        window(query),
        limit,
        env,
        series_groups,
        scored.conditions,
        scored.params,
        scored.group,
    )


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _change(now: float | None, before: float | None) -> float | None:
    """Relative change from the previous period; None when it is undefined."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)


def _with_change(stats: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    return {
        **stats,
        "previous": previous,
        "change": {k: _change(stats.get(k), previous.get(k)) for k in stats},
    }


class MetricQueries:
    def __init__(self, store: SpanStore) -> None:
        self.store = store

    async def metric(self, req: MetricRequest) -> dict[str, Any]:
        w = req.window
        # Exact metrics with drawn groups read the whole's series with the
        # groups' (one scan of the window after the periods' instead of two).
        together = req.exact and req.group_by is not None and req.series_groups > 0
        if together:
            now, before, groups_now, groups_before = await self._periods(req)
            series: list[dict[str, Any]] = []
        else:
            (now, before, groups_now, groups_before), series = await asyncio.gather(
                self._periods(req), self._series(req)
            )
        result: dict[str, Any] = {
            "metric": req.metric,
            "unit": SPECS[req.metric].unit,
            "scope": req.scope,
            "group_by": req.group_by,
            "window": w.to_json(),
            "summary": _with_change(now, before),
            "series": series,
        }
        result["environment"] = req.environment
        if req.group_by is not None:
            ranked = sorted(groups_now.items(), key=lambda kv: (-kv[1]["count"], kv[0]))
            result["groups"] = [
                {"group": g, **_with_change(s, groups_before.get(g, _empty(req)))}
                for g, s in ranked[: req.limit]
            ]
            result["group_count"] = len(groups_now)
            if req.series_groups:
                drawn = [g for g, _ in ranked[: req.series_groups]]
                if together:
                    result["series"], result["group_series"] = await self._sql_series_and_groups(
                        req, drawn
                    )
                else:
                    result["group_series"] = await self._group_series(req, drawn)
                result["groups_without_series"] = len(groups_now) - len(drawn)
        return result

    async def leaders(self, req: MetricRequest, min_count: int) -> dict[str, Any]:
        """Top performers and needs-attention groups: ranked by the figure that
        says "better" for the metric, among groups with at least min_count."""
        if req.group_by is None:
            raise InvalidParameterError("leaders need group_by")
        w = req.window
        _, _, now, before = await self._periods(req)
        key, higher_is_better = RANK_BY[req.metric]
        ranked = [
            {"group": g, "value": s.get(key), **_with_change(s, before.get(g, _empty(req)))}
            for g, s in now.items()
            if s["count"] >= min_count and s.get(key) is not None
        ]
        ranked.sort(key=lambda r: (r["value"], r["group"]), reverse=higher_is_better)
        return {
            "metric": req.metric,
            "unit": SPECS[req.metric].unit,
            "scope": req.scope,
            "group_by": req.group_by,
            "ranked_by": key,
            "window": w.to_json(),
            "min_count": min_count,
            "top": ranked[: req.limit],
            "needs_attention": list(reversed(ranked[-req.limit :])) if ranked else [],
        }

    async def histogram(self, req: MetricRequest, group: str | None, bins: int) -> dict[str, Any]:
        """The distribution of a sketched metric in the window, on log-spaced bins."""
        if req.exact or req.metric == "throughput":
            raise InvalidParameterError("histograms exist for latency, tokens and cost")
        grouped = req.group_by is not None and group is not None
        sql = self._sketch_sql(
            req, grouped, None, " AND group_value = {group:String}" if grouped else ""
        )
        params = self._sketch_params(req, req.window.start_ns, req.window.end_ns, grouped)
        if grouped:
            params["group"] = group
        rows = await self.store.query_rows(sql, params)
        scale = SPECS[req.metric].scale
        result: dict[str, Any] = {
            "metric": req.metric,
            "unit": SPECS[req.metric].unit,
            "scope": req.scope,
            "group_by": req.group_by if grouped else None,
            "group": group if grouped else None,
            "window": req.window.to_json(),
            "count": 0,
            "bins": [],
        }
        if not rows or not int(rows[0]["n"]):
            return result
        row = rows[0]
        sketch = _merged_sketch(row)
        result["count"] = sketch.count
        result["bins"] = [
            {"lower": lower * scale, "upper": upper * scale, "count": count}
            for lower, upper, count in sketch.log_histogram(bins)
        ]
        return result

    # --- sketches ------------------------------------------------------------------
    def _sketch_sql(
        self, req: MetricRequest, grouped: bool, step_s: int | None, values: str = ""
    ) -> str:
        """`values`: a condition on group_value (one group, the drawn groups, or
        the environment's rows when they stand for everything)."""
        group = "group_value" if grouped else "''"
        if not grouped and req.environment:
            values = " AND group_value = {environment:String}"
        time_key = (
            f", toUnixTimestamp(toStartOfInterval(minute, INTERVAL {int(step_s)} SECOND)) AS t"
            if step_s
            else ""
        )
        return (
            f"SELECT {group} AS g{time_key}, sumMap(buckets) AS buckets, sum(count) AS n,"
            " sum(sum) AS total, min(min) AS lo, max(max) AS hi, sum(zero_count) AS zeros"
            " FROM metric_sketches"
            " WHERE project = {project:String} AND population = {population:String}"
            " AND metric = {metric:String} AND group_kind = {kind:String}"
            " AND minute >= toDateTime({start:Int64}, 'UTC') AND minute < toDateTime({end:Int64}, 'UTC')"
            f"{values} GROUP BY g{', t ORDER BY t' if step_s else ''}"
        )

    def _sketch_params(self, req: MetricRequest, start_ns: int, end_ns: int, grouped: bool) -> dict:
        return {
            "project": req.project,
            "population": req.scope,
            "metric": SPECS[req.metric].sketch_metric,
            "kind": req.group_by if grouped and req.group_by else req.whole_kind,
            "start": start_ns // 10**9,
            "end": end_ns // 10**9,
            "environment": req.environment or "",
        }

    def _sketch_stats(self, req: MetricRequest, row: dict[str, Any], seconds: float) -> dict:
        n = int(row["n"])
        if req.metric == "throughput":
            return {"count": n, "per_minute": n / (seconds / 60) if seconds else None}
        scale = SPECS[req.metric].scale
        sketch = _merged_sketch(row)
        qs = sketch.quantiles(list(LEVELS)) if n else [None] * len(LEVELS)
        total = float(row["total"])
        return {
            "count": n,
            "p50": _scaled(qs[0], scale),
            "p90": _scaled(qs[1], scale),
            "p99": _scaled(qs[2], scale),
            "avg": total / n * scale if n else None,
            "sum": total * scale,
            "min": float(row["lo"]) * scale if n else None,
            "max": float(row["hi"]) * scale if n else None,
        }

    async def _periods(
        self, req: MetricRequest
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict], dict[str, dict]]:
        """(window, previous period, window by group, previous by group) in one
        scan of [previous_start, end): the 'all' rows and the group's rows."""
        if req.exact:
            return await self._sql_periods(req)
        w = req.window
        kinds = [req.whole_kind, *([req.group_by] if req.group_by else [])]
        # With an environment, its rows stand for everything (and, grouped by
        # environment, are its only group): no other group_value is read.
        only_environment = " AND group_value = {environment:String}" if req.environment else ""
        rows = await self.store.query_rows(
            "SELECT minute >= toDateTime({start:Int64}, 'UTC') AS cur,"
            " group_kind = {whole_kind:String} AS whole,"
            " group_value AS g, sumMap(buckets) AS buckets, sum(count) AS n, sum(sum) AS total,"
            " min(min) AS lo, max(max) AS hi, sum(zero_count) AS zeros FROM metric_sketches"
            " WHERE project = {project:String} AND population = {population:String}"
            " AND metric = {metric:String} AND group_kind IN {kinds:Array(String)}"
            " AND minute >= toDateTime({previous:Int64}, 'UTC')"
            f" AND minute < toDateTime({{end:Int64}}, 'UTC'){only_environment}"
            " GROUP BY cur, whole, g",
            {
                "project": req.project,
                "population": req.scope,
                "metric": SPECS[req.metric].sketch_metric,
                "kinds": kinds,
                "whole_kind": req.whole_kind,
                "environment": req.environment or "",
                "previous": w.previous_start_ns // 10**9,
                "start": w.start_ns // 10**9,
                "end": w.end_ns // 10**9,
            },
        )
        seconds = w.seconds
        totals: dict[bool, dict[str, Any]] = {}
        groups: dict[bool, dict[str, dict]] = {True: {}, False: {}}
        for r in rows:
            stats = self._sketch_stats(req, r, seconds)
            if r["whole"]:
                totals[bool(r["cur"])] = stats
                if req.group_by == req.whole_kind:  # by environment, within one
                    groups[bool(r["cur"])][r["g"]] = stats
            else:
                groups[bool(r["cur"])][r["g"]] = stats
        empty = _empty(req)
        return totals.get(True, empty), totals.get(False, empty), groups[True], groups[False]

    async def _series(self, req: MetricRequest) -> list[dict[str, Any]]:
        w = req.window
        if req.exact:
            points = await self._sql_series(req)
            return [{"t": _iso(int(t)), **s} for t, s in sorted(points.items(), key=_t_key)]
        rows = await self.store.query_rows(
            self._sketch_sql(req, False, w.step_s),
            self._sketch_params(req, w.start_ns, w.end_ns, False),
        )
        return [{"t": _iso(int(r["t"])), **self._sketch_stats(req, r, w.step_s)} for r in rows]

    # --- exact SQL: error rate and carbon ---------------------------------------------
    def _sql_source(self, req: MetricRequest, key: str, grouped: bool) -> str:
        """Rows (k, g, v) of the measured things in [{lo}, {end}): k = `key` over
        `started` (the span's or trace's start), g the group value ('' ungrouped)."""
        by_score = grouped and req.score_group is not None
        group_col = (
            GROUP_COLUMNS[req.group_by] if grouped and req.group_by and not by_score else None
        )
        if req.scope == "llm":
            value = "status_code = 2" if req.metric == "error_rate" else "carbon_g"
            group = f"toString({group_col})" if group_col else "''"
            return (
                f"SELECT {key.format(t='start_time')} AS k, {group} AS g, {value} AS v FROM spans"
                " WHERE project = {project:String}"
                " AND start_time >= fromUnixTimestamp64Nano({lo:Int64})"
                " AND start_time < fromUnixTimestamp64Nano({end:Int64})"
                f" AND {span_hours_ns('{lo:Int64}', '{end:Int64}')}"
                " AND span_type IN ('llm', 'embedding')"
                + (" AND environment = {environment:String}" if req.environment else "")
            )
        # One row per trace (its day rows merged), kept when the trace started in range.
        value = {"error_rate": "errors > 0", "cost": "cost", "tokens": "tokens"}.get(
            req.metric, "carbon"
        )
        group = f"max({group_col})" if group_col else "''"
        # by a score: the trace's label of it, joined on the trace (absent: '', no group)
        by_label = score_group_join() if by_score else ""
        return (
            f"SELECT {key.format(t='started')} AS k, {'label' if by_label else 'gv'} AS g,"
            f" {value} AS v FROM ("
            f" SELECT {group} AS gv, any(trace_id) AS tid, min(start_time) AS started,"
            " max(environment) AS env, sum(error_count) AS errors, sum(carbon_g) AS carbon,"
            " sum(cost_usd) AS cost, sum(total_tokens) AS tokens FROM trace_summaries"
            " WHERE project = {project:String}"
            " AND day >= toDate(fromUnixTimestamp64Nano({lo:Int64}))"
            " AND day <= toDate(fromUnixTimestamp64Nano({end:Int64}))"
            + "".join(f" AND {c}" for c in req.trace_conditions)
            + ""
            # the id as a 128-bit integer: a fixed-size hash key (as costs' by_chain)
            " GROUP BY reinterpretAsUInt128(trace_id)"
            " HAVING started >= fromUnixTimestamp64Nano({lo:Int64})"
            " AND started < fromUnixTimestamp64Nano({end:Int64})"
            + (" AND env = {environment:String}" if req.environment else "")
            + f"){by_label}"
        )

    def _sql_select(self, req: MetricRequest) -> str:
        if req.metric == "error_rate":
            return "count() AS n, countIf(v) AS errors"
        levels = ", ".join(map(str, LEVELS))
        return (
            "count() AS n, count(v) AS known, sum(v) AS total, avg(v) AS mean,"
            f" quantilesExact({levels})(v) AS q, min(v) AS lo, max(v) AS hi"
        )

    def _sql_row(self, req: MetricRequest, r: dict[str, Any]) -> dict[str, Any]:
        n = int(r["n"])
        if req.metric == "error_rate":
            errors = int(r["errors"])
            return {"count": n, "errors": errors, "rate": errors / n if n else None}
        known = int(r["known"])
        q = r["q"] if known else [None] * len(LEVELS)
        return {
            "count": n,
            "known": known,
            "p50": _num(q[0]),
            "p90": _num(q[1]),
            "p99": _num(q[2]),
            "avg": _num(r["mean"]) if known else None,
            "sum": float(r["total"] or 0.0),
            "min": _num(r["lo"]) if known else None,
            "max": _num(r["hi"]) if known else None,
        }

    async def _sql_periods(
        self, req: MetricRequest
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict], dict[str, dict]]:
        w = req.window
        params = {
            "project": req.project,
            "lo": w.previous_start_ns,
            "start": w.start_ns,
            "end": w.end_ns,
            "environment": req.environment or "",
            **dict(req.trace_params),
        }
        current = "{t} >= fromUnixTimestamp64Nano({{start:Int64}})"
        grouped = req.group_by is not None
        # One scan for the groups and the whole (exact quantiles of the whole do
        # not follow from the groups'): grouping(g) is 1 on the rows of (k) alone.
        # Two scans had shared the two cores: 7 days at 10M spans, 200-300 ms each.
        rows = await self.store.query_rows(
            f"SELECT k, g, {'grouping(g)' if grouped else '1'} AS whole,"
            f" {self._sql_select(req)} FROM ({self._sql_source(req, current, grouped)})"
            f" GROUP BY {'GROUPING SETS ((k, g), (k))' if grouped else 'k, g'}",
            params,
        )
        groups: dict[bool, dict[str, dict]] = {True: {}, False: {}}
        totals: dict[bool, dict[str, Any]] = {}
        for r in rows:
            if r["whole"]:
                totals[bool(r["k"])] = self._sql_row(req, r)
            elif r["g"] != "":
                groups[bool(r["k"])][r["g"]] = self._sql_row(req, r)
        empty = _empty(req)
        return totals.get(True, empty), totals.get(False, empty), groups[True], groups[False]

    async def _sql_series(self, req: MetricRequest) -> dict[Any, dict[str, Any]]:
        w = req.window
        key = f"toUnixTimestamp(toStartOfInterval({{t}}, INTERVAL {int(w.step_s)} SECOND))"
        rows = await self.store.query_rows(
            f"SELECT k, {self._sql_select(req)}"
            f" FROM ({self._sql_source(req, key, False)}) GROUP BY k",
            {
                "project": req.project,
                "lo": w.start_ns,
                "end": w.end_ns,
                "environment": req.environment or "",
                **dict(req.trace_params),
            },
        )
        return {int(r["k"]): self._sql_row(req, r) for r in rows}

    async def _sql_series_and_groups(
        self, req: MetricRequest, drawn: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """An exact metric's series and the drawn groups' series in one scan
        (grouping(g) is 1 on the whole's rows)."""
        w = req.window
        key = f"toUnixTimestamp(toStartOfInterval({{t}}, INTERVAL {int(w.step_s)} SECOND))"
        rows = await self.store.query_rows(
            f"SELECT k, g, grouping(g) AS whole, {self._sql_select(req)}"
            f" FROM ({self._sql_source(req, key, True)})"
            " GROUP BY GROUPING SETS ((k), (k, g))"
            " HAVING whole OR g IN {groups:Array(String)} ORDER BY k",
            {
                "project": req.project,
                "lo": w.start_ns,
                "end": w.end_ns,
                "environment": req.environment or "",
                "groups": drawn,
                **dict(req.trace_params),
            },
        )
        series: list[dict[str, Any]] = []
        per_group: dict[str, list[dict[str, Any]]] = {g: [] for g in drawn}
        for r in rows:
            point = {"t": _iso(int(r["k"])), **self._sql_row(req, r)}
            if r["whole"]:
                series.append(point)
            else:
                per_group[r["g"]].append(point)
        return series, [{"group": g, "series": per_group[g]} for g in drawn]

    async def _group_series(self, req: MetricRequest, drawn: list[str]) -> list[dict[str, Any]]:
        """The time series of the drawn groups (each step's figures as `series`
        has them, steps without a measurement left out), in `drawn`'s order."""
        w = req.window
        per_group: dict[str, list[dict[str, Any]]] = {g: [] for g in drawn}
        if not drawn:
            return []
        if req.exact:
            key = f"toUnixTimestamp(toStartOfInterval({{t}}, INTERVAL {int(w.step_s)} SECOND))"
            rows = await self.store.query_rows(
                f"SELECT k, g, {self._sql_select(req)}"
                f" FROM ({self._sql_source(req, key, True)})"
                " WHERE g IN {groups:Array(String)} GROUP BY k, g ORDER BY k",
                {
                    "project": req.project,
                    "lo": w.start_ns,
                    "end": w.end_ns,
                    "environment": req.environment or "",
                    "groups": drawn,
                    **dict(req.trace_params),
                },
            )
            for r in rows:
                per_group[r["g"]].append({"t": _iso(int(r["k"])), **self._sql_row(req, r)})
        else:
            rows = await self.store.query_rows(
                self._sketch_sql(req, True, w.step_s, " AND group_value IN {groups:Array(String)}"),
                {**self._sketch_params(req, w.start_ns, w.end_ns, True), "groups": drawn},
            )
            for r in rows:
                per_group[r["g"]].append(
                    {"t": _iso(int(r["t"])), **self._sketch_stats(req, r, w.step_s)}
                )
        return [{"group": g, "series": per_group[g]} for g in drawn]


# (figure ranked on, whether higher is better) per metric.
RANK_BY = {
    "latency": ("p90", False),
    "tokens": ("avg", False),
    "cost": ("avg", False),
    "throughput": ("per_minute", True),
    "error_rate": ("rate", False),
    "carbon": ("avg", False),
}


def _t_key(item: tuple[Any, Any]) -> int:
    return int(item[0])


def _merged_sketch(row: dict[str, Any]) -> Any:
    """The sketch of a metric_sketches row merged by ClickHouse (sumMap etc.)."""
    return _core.QuantileSketch.from_buckets(
        {int(k): int(v) for k, v in row["buckets"].items()},
        zero_count=int(row["zeros"]),
        sum=float(row["total"]),
        min=float(row["lo"]),
        max=float(row["hi"]),
    )


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _empty(req: MetricRequest) -> dict[str, Any]:
    if req.metric == "throughput":
        return {"count": 0, "per_minute": 0.0}
    if req.metric == "error_rate":
        return {"count": 0, "errors": 0, "rate": None}
    empty: dict[str, Any] = {"count": 0}
    if req.exact:
        empty["known"] = 0
    empty.update({k: None for k in ("p50", "p90", "p99", "avg", "min", "max")})
    empty["sum"] = 0.0
    return empty
