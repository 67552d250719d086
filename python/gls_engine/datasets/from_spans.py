"""Items from stored spans: the span's input and output become the item's input and
expected output, its attributes the metadata, and the trace and span ids are kept
as the item's source. Input and output stored as JSON text are taken as JSON."""

from __future__ import annotations

from typing import Any

import orjson

from gls_engine import request_params as p
from gls_engine.datasets.items import NewItem, json_size_checked
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.query.traces import TraceQueries

MAX_SELECTED = 1000


def _value(text: str) -> Any:
    """A span's input / output: JSON text as its value, other text as it is."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return orjson.loads(stripped)
        except orjson.JSONDecodeError:
            pass
    return text


def _selections(document: Any) -> list[tuple[str, str | None]]:
    spans = document.get("spans")
    if not isinstance(spans, list) or not spans:
        raise InvalidParameterError("spans must be a non-empty list of {trace_id, span_id?}")
    if len(spans) > MAX_SELECTED:
        raise InvalidParameterError(f"spans: at most {MAX_SELECTED} in one request")
    chosen: list[tuple[str, str | None]] = []
    for index, entry in enumerate(spans):
        if not isinstance(entry, dict) or not isinstance(entry.get("trace_id"), str):
            raise InvalidParameterError(f"spans[{index}].trace_id is required")
        unknown = set(entry) - {"trace_id", "span_id"}
        if unknown:
            raise InvalidParameterError(f"spans[{index}].{sorted(unknown)[0]} is not a field")
        try:
            trace_id = p.trace_id(entry["trace_id"])
            span = entry.get("span_id")
            span_id = None if span is None else p.span_id(str(span))
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"spans[{index}]: {exc}") from None
        chosen.append((trace_id, span_id))
    return chosen


async def items_from_spans(
    queries: TraceQueries,
    project: str,
    document: Any,
    split: str | None,
    limits: DatasetLimits,
) -> list[NewItem]:
    """One item per selected span; a selection naming only a trace takes its root span."""
    items: list[NewItem] = []
    for index, (trace_id, span_id) in enumerate(_selections(document)):
        if span_id is None:
            trace = await queries.get_trace(project, trace_id, detail="outline")
            if trace is None or not trace["root_span_ids"]:
                raise NotFoundError(f"spans[{index}]: trace {trace_id} not found (or has no root)")
            span_id = trace["root_span_ids"][0]
        span = await queries.get_span(project, trace_id, span_id)
        if span is None:
            raise NotFoundError(f"spans[{index}]: span {span_id} not found in trace {trace_id}")
        where = f"spans[{index}]"
        items.append(
            NewItem(
                id=None,
                input=json_size_checked(f"{where} input", _value(span["input"]), limits),
                expected=json_size_checked(f"{where} output", _value(span["output"]), limits),
                metadata=json_size_checked(
                    f"{where} attributes",
                    {"span_name": span["name"], **span["attributes"]},
                    limits,
                ),
                split=split,
                source_trace_id=trace_id,
                source_span_id=span_id,
            )
        )
    return items
