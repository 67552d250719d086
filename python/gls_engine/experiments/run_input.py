"""A batch of runs as a client records them, checked field by field: every error
names runs[i].field, and a batch with one bad run writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from gls_engine import request_params as p
from gls_engine.errors import InvalidParameterError

MAX_RUNS_PER_BATCH = 1000
MAX_OUTPUT_BYTES = 1 << 20
MAX_ERROR_CHARS = 10_000
FIELDS = {
    "id",
    "item_id",
    "repetition",
    "output",
    "error",
    "trace_id",
    "span_id",
    "started_at",
    "ended_at",
}


@dataclass(frozen=True)
class RunInput:
    id: str | None  # the client's (the SDK names a run before its trace starts)
    item_id: str
    repetition: int
    output: Any
    error: str | None
    trace_id: str | None
    span_id: str | None
    started_at: datetime | None
    ended_at: datetime | None


def _time(where: str, key: str, value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidParameterError(f"{where}.{key} must be an ISO 8601 time with its offset")
    at = at.astimezone(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _run(index: int, entry: Any, repetitions: int) -> RunInput:
    where = f"runs[{index}]"
    if not isinstance(entry, dict):
        raise InvalidParameterError(f"{where} must be a JSON object")
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise InvalidParameterError(f"{where}.{unknown[0]} is not a run field")
    run_id = entry.get("id")
    if run_id is not None and (
        not isinstance(run_id, str)
        or len(run_id) != 32
        or any(c not in "0123456789abcdef" for c in run_id)
    ):
        raise InvalidParameterError(f"{where}.id must be 32 lowercase hex characters")
    item_id = entry.get("item_id")
    if not isinstance(item_id, str) or not item_id:
        raise InvalidParameterError(f"{where}.item_id is required: the dataset item's id")
    repetition = entry.get("repetition", 1)
    if (
        not isinstance(repetition, int)
        or isinstance(repetition, bool)
        or not 1 <= repetition <= repetitions
    ):
        raise InvalidParameterError(
            f"{where}.repetition must be an integer from 1 to {repetitions} (the experiment's"
            " repetitions)"
        )
    output = entry.get("output")
    if len(orjson.dumps(output)) > MAX_OUTPUT_BYTES:
        raise InvalidParameterError(f"{where}.output is over {MAX_OUTPUT_BYTES} bytes as JSON")
    error = entry.get("error")
    if error is not None and (not isinstance(error, str) or len(error) > MAX_ERROR_CHARS):
        raise InvalidParameterError(
            f"{where}.error must be a string of at most {MAX_ERROR_CHARS} characters"
        )
    ids: dict[str, str | None] = {}
    for key, check in (("trace_id", p.trace_id), ("span_id", p.span_id)):
        value = entry.get(key)
        if value is None:
            ids[key] = None
            continue
        if not isinstance(value, str):
            raise InvalidParameterError(f"{where}.{key} must be a hex string")
        try:
            ids[key] = check(value)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{where}.{exc}") from None
    started = _time(where, "started_at", entry.get("started_at"))
    ended = _time(where, "ended_at", entry.get("ended_at"))
    if started is not None and ended is not None and ended < started:
        raise InvalidParameterError(f"{where}.ended_at is before its started_at")
    return RunInput(
        run_id, item_id, repetition, output, error, ids["trace_id"], ids["span_id"], started, ended
    )


def parse_runs(document: dict[str, Any], repetitions: int) -> list[RunInput]:
    if set(document) != {"runs"}:
        raise InvalidParameterError('the body is {"runs": [...]}')
    entries = document["runs"]
    if not isinstance(entries, list) or not entries:
        raise InvalidParameterError("runs must be a non-empty array")
    if len(entries) > MAX_RUNS_PER_BATCH:
        raise InvalidParameterError(f"runs has {len(entries)} runs, more than {MAX_RUNS_PER_BATCH}")
    runs = [_run(i, entry, repetitions) for i, entry in enumerate(entries)]
    ids: dict[str, int] = {}
    for i, run in enumerate(runs):
        if run.id is not None:
            if run.id in ids:
                raise InvalidParameterError(f"runs[{i}].id repeats runs[{ids[run.id]}].id")
            ids[run.id] = i
    seen: dict[tuple[str, int], int] = {}
    for i, run in enumerate(runs):
        pair = (run.item_id, run.repetition)
        if pair in seen:
            raise InvalidParameterError(
                f"runs[{i}] repeats runs[{seen[pair]}]: item {run.item_id!r} repetition"
                f" {run.repetition}"
            )
        seen[pair] = i
    return runs
