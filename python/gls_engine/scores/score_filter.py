"""The trace list's score filters: `score=<name>:<op>[:<value>]`, several ANDed.

Ops on a name's values in a trace (its scores and its spans' scores):
  eq ne lt le gt ge  the average of the numeric values (booleans count 1 / 0)
  is                 some score has the label (categorical, or true / false)
  not                the trace has scores of the name, none with the label
  exists / missing   the trace has a score of the name / has none

Each filter is a semi-join on the scores of that name as they are now (an edited
score by its newest row, a deleted one not at all: score_store.current_scores),
so the summary aggregation skips the traces it rules out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from gls_engine.errors import InvalidParameterError
from gls_engine.scores.score_input import check_name
from gls_engine.scores.score_store import current_scores

NUMERIC_OPS = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
LABEL_OPS = ("is", "not")
PRESENCE_OPS = ("exists", "missing")
OPS = (*NUMERIC_OPS, *LABEL_OPS, *PRESENCE_OPS)

Bind = Callable[[Any, str], str]


def parse_score_filter(raw: str) -> tuple[str, str, str]:
    """(name, op, value) of one `score` parameter; 400 naming it when malformed."""
    name, _, rest = raw.partition(":")
    op, _, value = rest.partition(":")
    check_name("score: ", name)
    if op not in OPS:
        raise InvalidParameterError(
            f"score: {raw!r} must be <name>:<op>[:<value>], op one of {', '.join(OPS)}"
        )
    if op in PRESENCE_OPS:
        if value:
            raise InvalidParameterError(f"score: {op} takes no value ({raw!r})")
    elif value == "":
        raise InvalidParameterError(f"score: {op} needs a value ({raw!r})")
    if op in NUMERIC_OPS:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InvalidParameterError(f"score: {op} compares with a number, not {value!r}")
    return name, op, value


def score_conditions(values: list[str], project_param: str, bind: Bind) -> list[str]:
    """WHERE conditions on trace_id for each `score` parameter value."""
    conditions = []
    for raw in values:
        name, op, value = parse_score_filter(raw)
        scored = current_scores(f"name = {bind(name, 'String')}", project_param)
        if op == "exists":
            conditions.append(f"trace_id IN (SELECT trace_id FROM ({scored}))")
        elif op == "missing":
            conditions.append(f"trace_id NOT IN (SELECT trace_id FROM ({scored}))")
        elif op in NUMERIC_OPS:
            number = bind(float(value), "Float64")
            conditions.append(
                f"trace_id IN (SELECT trace_id FROM ({scored}) WHERE value IS NOT NULL"
                f" GROUP BY trace_id HAVING avg(value) {NUMERIC_OPS[op]} {number})"
            )
        else:
            label = bind(value, "String")
            test = "> 0" if op == "is" else "= 0"
            conditions.append(
                f"trace_id IN (SELECT trace_id FROM ({scored}) GROUP BY trace_id"
                f" HAVING countIf(string_value = {label}) {test})"
            )
    return conditions
