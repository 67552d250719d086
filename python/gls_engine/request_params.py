"""The rules for what HTTP requests name (project, trace id, time range, limits,
cursors), shared by every package that takes requests: parsed into typed values.

Every bad value becomes a 400 naming the parameter; nothing reaches SQL as
text: values travel as ClickHouse query parameters.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from gls_engine.errors import InvalidParameterError

PROJECT_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")
TRACE_ID_RE = re.compile(r"[0-9a-fA-F]{32}")
SPAN_ID_RE = re.compile(r"[0-9a-fA-F]{16}")
DAY_NS = 86_400 * 10**9
# What a DateTime64(9) column holds, a day short at the top so windows can widen.
EARLIEST_NS = int(datetime(1900, 1, 1, tzinfo=UTC).timestamp()) * 10**9
LATEST_NS = int(datetime(2262, 4, 10, tzinfo=UTC).timestamp()) * 10**9


def project_name(value: str) -> str:
    if not PROJECT_RE.fullmatch(value):
        raise InvalidParameterError(
            "project must be 1-128 characters of letters, digits, '.', '_' or '-'"
        )
    return value


def trace_id(value: str) -> str:
    if not TRACE_ID_RE.fullmatch(value) or set(value) == {"0"}:
        raise InvalidParameterError("trace_id must be 32 hex characters, not all zero")
    return value.lower()


def span_id(value: str) -> str:
    if not SPAN_ID_RE.fullmatch(value) or set(value) == {"0"}:
        raise InvalidParameterError("span_id must be 16 hex characters, not all zero")
    return value.lower()


def timestamp_ns(name: str, value: str) -> int:
    """RFC 3339 text, or an integer of epoch milliseconds; within what the store's
    DateTime64(9) holds (1900 to 2262), else 400 rather than an overflow in SQL."""
    value = value.strip()
    if re.fullmatch(r"-?\d+", value):
        ns = int(value) * 1_000_000
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidParameterError(
                f"{name} must be RFC 3339 (2026-01-02T03:04:05Z) or epoch ms"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        ns = int(parsed.timestamp() * 1e6) * 1000
    if not EARLIEST_NS <= ns <= LATEST_NS:
        raise InvalidParameterError(f"{name} is out of range (1900-01-01 to 2262-04-10)")
    return ns


def integer(name: str, value: str, lo: int = 0, hi: int = 2**63 - 1) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameterError(f"{name} must be an integer") from None
    if not lo <= number <= hi:
        raise InvalidParameterError(f"{name} must be between {lo} and {hi}")
    return number


def number(name: str, value: str, lo: float = -1e300, hi: float = 1e300) -> float:
    try:
        result = float(value)
    except ValueError:
        raise InvalidParameterError(f"{name} must be a number") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise InvalidParameterError(f"{name} must be a finite number")
    if not lo <= result <= hi:
        raise InvalidParameterError(f"{name} must be between {lo:g} and {hi:g}")
    return result


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidParameterError(f"{name} must be one of {', '.join(allowed)}")
    return value


def key_value(name: str, value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    if not sep or not key:
        raise InvalidParameterError(f"{name} must look like key=value")
    return key, val


def time_range(query: Mapping[str, str], default_days: int = 7) -> tuple[int, int]:
    now = time.time_ns()
    end = timestamp_ns("end", query["end"]) if "end" in query else now + 60 * 10**9
    start = (
        timestamp_ns("start", query["start"]) if "start" in query else end - default_days * DAY_NS
    )
    if start >= end:
        raise InvalidParameterError("start must be before end")
    if end - start > 400 * DAY_NS:
        raise InvalidParameterError("time range must not exceed 400 days")
    return start, end


def trace_window(query: Mapping[str, str]) -> tuple[int, int] | None:
    """Opening a trace within `start`..`end` (both needed, both inclusive, to the
    millisecond: the trace list's times rounded down and up) reads only the days
    in between. None when neither is given."""
    given = [name for name in ("start", "end") if name in query]
    if not given:
        return None
    if len(given) == 1:
        missing = "end" if given == ["start"] else "start"
        raise InvalidParameterError(
            f"{given[0]} needs {missing}: give both, or neither to search every day"
        )
    first = timestamp_ns("start", query["start"])
    # through the end's last nanosecond, so a window rounded to ms still holds the trace
    last = timestamp_ns("end", query["end"]) + 999_999
    if first > last:
        raise InvalidParameterError("start must not be after end")
    return first, last


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(value: str, shape: tuple[type, ...]) -> list[Any]:
    try:
        padded = value + "=" * (-len(value) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        raise InvalidParameterError(
            "cursor is not valid; pass the next_cursor of a previous page"
        ) from None
    if (
        not isinstance(data, list)
        or len(data) != len(shape)
        or not all(isinstance(v, t) for v, t in zip(data, shape, strict=True))
    ):
        raise InvalidParameterError("cursor is not valid; pass the next_cursor of a previous page")
    return data
