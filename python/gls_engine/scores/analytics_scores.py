"""Scores in the analytics metrics (analytics/metrics.py), where cheap: the metrics
measured exactly per trace (error rate, carbon, tokens and cost with scope=trace)
read one row per trace, so a score filter is one more condition on the trace and
a grouping by a score one join on it. Sketched metrics (latency percentiles) are
kept per chain / agent / user / environment / model only and cannot.

  score=<name>:<op>[:<value>]   as the trace list's (score_filter.py), repeatable
  group_by_score=<name>         groups by the trace's label of that categorical
                                or boolean score (its most given one)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gls_engine.errors import InvalidParameterError
from gls_engine.scores.score_filter import score_conditions
from gls_engine.scores.score_input import check_name
from gls_engine.scores.score_store import current_scores


@dataclass(frozen=True)
class ScoreTerms:
    conditions: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()
    group: str | None = None

    @property
    def used(self) -> bool:
        return bool(self.conditions) or self.group is not None


def score_terms(query: Mapping[str, str], grouping: str | None) -> ScoreTerms:
    getall = getattr(query, "getall", None)
    raw = getall("score", []) if getall else ([query["score"]] if "score" in query else [])
    values = [v for v in raw if v != ""]
    params: dict[str, Any] = {}

    def bind(value: Any, kind: str) -> str:
        name = f"score_p{len(params)}"
        params[name] = value
        return f"{{{name}:{kind}}}"

    conditions = score_conditions(values, "{project:String}", bind)
    group = query.get("group_by_score") or None
    if group is not None:
        if grouping is not None:
            raise InvalidParameterError("group_by_score: give group_by or group_by_score, not both")
        params["score_group"] = check_name("group_by_score: ", group)
    return ScoreTerms(tuple(conditions), tuple(params.items()), group)


def score_group_join() -> str:
    """A join giving each trace row (`tid`) the label of {score_group:String}."""
    labels = current_scores("name = {score_group:String}")
    return (
        " AS traces LEFT ANY JOIN (SELECT trace_id AS tid, topK(1)(string_value)[1] AS label"
        f" FROM ({labels}) WHERE string_value != '' GROUP BY trace_id) AS labels USING tid"
    )
