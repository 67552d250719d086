"""A breakpoint on an application's spans: which spans (name, span type, a
JMESPath condition over `{name, type, attributes}`), and where (at the span's
start, or its end, when its outputs are known). The SDK evaluates the same
condition locally, so a span that matches none costs the application no round
trip. Conditions are JMESPath: data queries, never code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gls_engine.chains.expressions import compile_expression
from gls_engine.errors import InvalidParameterError

MAX_BREAKPOINTS = 100
POINTS = ("start", "end")
SPAN_TYPES = (
    "llm",
    "chain",
    "tool",
    "agent",
    "retriever",
    "embedding",
    "reranker",
    "guardrail",
    "evaluator",
    "span",
)
BREAKPOINT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
FIELDS = {"id", "span_name", "span_type", "condition", "point", "enabled"}


@dataclass(frozen=True)
class Breakpoint:
    id: str
    span_name: str | None
    span_type: str | None
    condition: str | None
    point: str
    enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "span_name": self.span_name,
            "span_type": self.span_type,
            "condition": self.condition,
            "point": self.point,
            "enabled": self.enabled,
        }


def _breakpoint(index: int, doc: Any) -> Breakpoint:
    where = f"breakpoints[{index}]"
    if not isinstance(doc, dict):
        raise InvalidParameterError(f"{where} must be an object")
    unknown = sorted(set(doc) - FIELDS)
    if unknown:
        raise InvalidParameterError(f"{where}.{unknown[0]} is not a breakpoint field")
    bp_id = doc.get("id", f"bp{index + 1}")
    if not isinstance(bp_id, str) or not BREAKPOINT_ID.fullmatch(bp_id):
        raise InvalidParameterError(f"{where}.id must match {BREAKPOINT_ID.pattern}")
    span_name = doc.get("span_name")
    if span_name is not None and (not isinstance(span_name, str) or not 0 < len(span_name) <= 256):
        raise InvalidParameterError(f"{where}.span_name must be a span name (1-256 characters)")
    span_type = doc.get("span_type")
    if span_type is not None and span_type not in SPAN_TYPES:
        raise InvalidParameterError(f"{where}.span_type must be one of {', '.join(SPAN_TYPES)}")
    condition = doc.get("condition")
    if condition is not None:
        compile_expression(condition, f"{where}.condition")
    if span_name is None and span_type is None and condition is None:
        raise InvalidParameterError(
            f"{where}: give span_name, span_type or condition (a breakpoint on every span"
            " would stop the application at each one)"
        )
    point = doc.get("point", "start")
    if point not in POINTS:
        raise InvalidParameterError(f"{where}.point must be start or end")
    enabled = doc.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidParameterError(f"{where}.enabled must be true or false")
    return Breakpoint(bp_id, span_name, span_type, condition, point, enabled)


def parse_breakpoints(document: Any) -> tuple[Breakpoint, ...]:
    if not isinstance(document, list) or len(document) > MAX_BREAKPOINTS:
        raise InvalidParameterError(
            f"breakpoints must be an array of at most {MAX_BREAKPOINTS} breakpoints"
        )
    parsed = tuple(_breakpoint(i, doc) for i, doc in enumerate(document))
    ids = [b.id for b in parsed]
    for i, bp_id in enumerate(ids):
        if bp_id in ids[:i]:
            raise InvalidParameterError(f"breakpoints[{i}].id {bp_id!r} is used twice")
    return parsed
