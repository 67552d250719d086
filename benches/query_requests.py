"""The requests bench_query.py makes: varied, seeded, and never repeated unless asked.

Each query kind (trace list, facets, open trace, span search, analytics) draws its
requests from a seeded random generator over what the loaded data holds:

- time windows of the kind's length (24 h or 7 d) ending, for half the requests, in the
  last 4 hours of the data (the UI's "last 24 h" asked at some moment), for the other
  half anywhere from half a window after the data's first day to its end;
- projects, and filter values read from the data (models, span types, chains, agents,
  environments, users, sessions, tags, tool names);
- trace ids from the uniform sample the loader kept.

A request is identified by what the server computes from it (the analytics endpoints
align windows to minutes, so two ends in the same minute are the same request): a
plan never hands out the same request twice, so the warm-up, which draws from the
same plan before the measured requests, can never warm a measured request, and every
measured request is made for the first time (cold). Traces are shared between the two
open-trace kinds: a trace opened by one is never opened by the other.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

MINUTE_MS = 60_000
DAY_MS = 86_400_000
RECENT_ENDS_MIN = 240  # "the last 24 h" asked at some moment of the data's last 4 hours
TRACE_LIST_FILTERS = (
    "model",
    "span_type",
    "chain",
    "agent",
    "environment",
    "user_id",
    "session_id",
    "tag",
    "status",
)


@dataclass
class DataShape:
    """What the loaded data offers to vary requests over."""

    projects: list[str]
    first_ms: int  # the data's first start time (ms)
    now_ms: int  # the data's "now": a little after its last start time
    traces: list[tuple[str, str]]  # sampled (project, trace id hex)
    trace_windows: dict[str, tuple[int, int]]  # trace id (lower hex) -> (start, end) ns
    values: dict[str, list[str]]  # filter -> values seen in the data


@dataclass
class Request:
    key: tuple[Any, ...]  # what the server computes from it
    path: str


def read_filter_values(store: Any, rows_read: int = 200_000) -> dict[str, list[str]]:
    """Filter values the data holds, each query bounded to its first `rows_read` rows
    (enough to see every value of the low-cardinality columns, and a few hundred users
    and sessions)."""
    summary = store.query_rows_sync(
        "SELECT groupUniqArrayArray(models) AS model, groupUniqArrayArray(span_types) AS span_type,"
        " groupUniqArray(chain) AS chain, groupUniqArray(agent) AS agent,"
        " groupUniqArray(environment) AS environment, groupUniqArray(300)(user_id) AS user_id,"
        " groupUniqArray(300)(session_id) AS session_id, groupUniqArrayArray(tags) AS tag"
        f" FROM (SELECT * FROM trace_summaries LIMIT {rows_read})"
    )
    tools = store.query_rows_sync(
        "SELECT groupUniqArray(100)(v) AS tool FROM (SELECT attributes['tool.name'] AS v"
        f" FROM spans WHERE span_type = 'tool' LIMIT {rows_read})"
    )
    values = {**(summary[0] if summary else {}), **(tools[0] if tools else {})}
    values["status"] = ["error", "ok"]
    return {k: sorted(v for v in vs if v) for k, vs in values.items()}


class RequestPlan:
    """name -> generator of distinct requests of that kind, all from one seed."""

    def __init__(self, shape: DataShape, seed: int) -> None:
        self.shape = shape
        self.rng = random.Random(seed)
        self.used: set[tuple[Any, ...]] = set()
        pool = list(shape.traces)
        self.rng.shuffle(pool)
        self.trace_pool = pool  # popped: each sampled trace is opened at most once
        self.kinds = self._kinds()

    def names(self) -> list[str]:
        return list(self.kinds)

    def next(self, name: str) -> Request | None:
        """A request of kind `name` never handed out before; None when the kind has run out
        (the sampled traces are spent, or no new window or value is left)."""
        make = self.kinds[name]
        for _ in range(1000):
            request = make()
            if request is None:
                return None
            if request.key not in self.used:
                self.used.add(request.key)
                return request
        return None

    # --- pieces of a request ----------------------------------------------------------
    def _project(self) -> str:
        return self.rng.choice(self.shape.projects)

    def _window(self, days: int) -> tuple[int, int, int]:
        """(start ms, end ms, end minute): see the module docstring."""
        s = self.shape
        now_min, first_min = s.now_ms // MINUTE_MS, s.first_ms // MINUTE_MS
        length_min = days * DAY_MS // MINUTE_MS
        if self.rng.random() < 0.5:
            end_min = now_min - self.rng.randrange(RECENT_ENDS_MIN)
        else:
            end_min = self.rng.randrange(min(first_min + length_min // 2, now_min), now_min + 1)
        end_ms = end_min * MINUTE_MS + self.rng.randrange(MINUTE_MS)
        return end_ms - days * DAY_MS, end_ms, end_min

    def _value(self, filter_name: str) -> str:
        return self.rng.choice(self.shape.values.get(filter_name) or [""])

    def _trace(self, with_window: bool) -> tuple[str, str, tuple[int, int] | None] | None:
        while self.trace_pool:
            project, tid = self.trace_pool.pop()
            window = self.shape.trace_windows.get(tid.lower())
            if window is not None or not with_window:
                return project, tid, window
        return None

    # --- the kinds ----------------------------------------------------------------------
    def _kinds(self) -> dict[str, Callable[[], Request | None]]:
        def api(
            name: str, project: str, what: str, query: dict[str, Any], key: tuple[Any, ...]
        ) -> Request:
            return Request(
                (name, project, *key), f"/api/v1/projects/{project}/{what}?{urlencode(query)}"
            )

        def windowed(
            name: str,
            what: str,
            days: int,
            extra: Callable[[], dict[str, str]] = dict,
            **fixed: Any,
        ) -> Callable[[], Request]:
            def make() -> Request:
                project = self._project()
                start, end, end_min = self._window(days)
                params = {**fixed, **extra()}
                return api(
                    name,
                    project,
                    what,
                    {"start": start, "end": end, **params},
                    (end_min, tuple(sorted(params.items()))),
                )

            return make

        def one_filter() -> dict[str, str]:
            name = self.rng.choice([f for f in TRACE_LIST_FILTERS if self.shape.values.get(f)])
            return {name: self._value(name)}

        def open_trace(
            name: str, with_window: bool, outline: bool = False, columns: bool = False
        ) -> Callable[[], Request | None]:
            def make() -> Request | None:
                picked = self._trace(with_window)
                if picked is None:
                    return None
                project, tid, window = picked
                params: dict[str, object] = {}
                if with_window and window is not None:
                    params = {"start": window[0] // 10**6, "end": window[1] // 10**6}
                if outline:  # as the UI asks (then the selected span whole)
                    params["spans"] = "outline"
                query = "?" + urlencode(params) if params else ""
                path = f"/api/v1/projects/{project}/traces/{tid}"
                if columns:  # the trace by columns, as the UI opens it since bd3000a
                    path += "/outline"
                return Request((name, tid), path + query)

            return make

        traces, analytics = "traces", "analytics/"
        return {
            "traces_24h": windowed("traces_24h", traces, 1, limit=50),
            "traces_7d": windowed("traces_7d", traces, 7, limit=50),
            "traces_model_24h": windowed(
                "traces_model_24h", traces, 1, lambda: {"model": self._value("model")}, limit=50
            ),
            "traces_error_model_7d": windowed(
                "traces_error_model_7d",
                traces,
                7,
                lambda: {"model": self._value("model")},
                limit=50,
                status="error",
            ),
            "traces_any_filter_24h": windowed(
                "traces_any_filter_24h", traces, 1, one_filter, limit=50
            ),
            "facets_24h": windowed("facets_24h", "traces/facets", 1),
            "facets_7d": windowed("facets_7d", "traces/facets", 7),
            "open_trace": open_trace("open_trace", with_window=False),
            "open_trace_in_window": open_trace("open_trace_in_window", with_window=True),
            "open_trace_outline": open_trace("open_trace_outline", with_window=True, outline=True),
            "open_trace_columns": open_trace("open_trace_columns", with_window=True, columns=True),
            "span_search_attr_24h": windowed(
                "span_search_attr_24h",
                "spans",
                1,
                lambda: {"attribute": f"tool.name={self._value('tool')}"},
                limit=50,
            ),
            "metrics_latency_24h": windowed(
                "metrics_latency_24h", analytics + "metrics", 1, metric="latency"
            ),
            "metrics_latency_chain_7d": windowed(
                "metrics_latency_chain_7d",
                analytics + "metrics",
                7,
                metric="latency",
                group_by="chain",
            ),
            "metrics_cost_model_24h": windowed(
                "metrics_cost_model_24h", analytics + "metrics", 1, metric="cost", group_by="model"
            ),
            "metrics_cost_model_7d": windowed(
                "metrics_cost_model_7d", analytics + "metrics", 7, metric="cost", group_by="model"
            ),
            "metrics_errors_chain_24h": windowed(
                "metrics_errors_chain_24h",
                analytics + "metrics",
                1,
                metric="error_rate",
                group_by="chain",
            ),
            "metrics_carbon_llm_24h": windowed(
                "metrics_carbon_llm_24h", analytics + "metrics", 1, metric="carbon", scope="llm"
            ),
            "leaders_latency_agent_7d": windowed(
                "leaders_latency_agent_7d",
                analytics + "leaders",
                7,
                metric="latency",
                group_by="agent",
            ),
            "histogram_latency_24h": windowed(
                "histogram_latency_24h", analytics + "histogram", 1, metric="latency"
            ),
            "suggestions_7d": windowed("suggestions_7d", analytics + "suggestions", 7),
            "costs_24h": windowed("costs_24h", analytics + "costs", 1),
            "costs_7d": windowed("costs_7d", analytics + "costs", 7),
            "tokens_24h": windowed("tokens_24h", analytics + "tokens", 1),
            "tokens_7d": windowed("tokens_7d", analytics + "tokens", 7),
            # what the analytics pages ask with a grouping or the shell's environment
            "metrics_latency_chain_series_7d": windowed(
                "metrics_latency_chain_series_7d",
                analytics + "metrics",
                7,
                metric="latency",
                group_by="chain",
                series_groups=10,
            ),
            "metrics_cost_chain_trace_7d": windowed(
                "metrics_cost_chain_trace_7d",
                analytics + "metrics",
                7,
                metric="cost",
                scope="trace",
                group_by="chain",
                series_groups=10,
            ),
            "metrics_latency_env_7d": windowed(
                "metrics_latency_env_7d",
                analytics + "metrics",
                7,
                lambda: {"environment": self._value("environment")},
                metric="latency",
            ),
            "costs_chain_7d": windowed("costs_chain_7d", analytics + "costs", 7, group_by="chain"),
            "costs_env_7d": windowed(
                "costs_env_7d",
                analytics + "costs",
                7,
                lambda: {"environment": self._value("environment")},
            ),
            "tokens_env_7d": windowed(
                "tokens_env_7d",
                analytics + "tokens",
                7,
                lambda: {"environment": self._value("environment")},
            ),
        }
