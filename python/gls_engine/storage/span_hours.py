"""The hours a read of `spans` covers, named so its primary key skips the others.

`spans` is sorted by (project, hour of start_time, trace_id, ...) (migration
0019), but ClickHouse does not turn a condition on `start_time` (DateTime64)
into one on `toStartOfHour(start_time)`: a read of a window names the hours
itself, beside its exact bounds on `start_time`.
"""

from __future__ import annotations


def span_hours(first: str, last: str) -> str:
    """SQL true for every span starting from `first` to `last` (DateTime64 SQL
    expressions, either bound inclusive): its hour lies between theirs."""
    return f"toStartOfHour(start_time) BETWEEN toStartOfHour({first}) AND toStartOfHour({last})"


def span_hours_ns(first: str, last: str) -> str:
    """span_hours with the bounds as SQL for Unix nanoseconds (Int64)."""
    return span_hours(f"fromUnixTimestamp64Nano({first})", f"fromUnixTimestamp64Nano({last})")
