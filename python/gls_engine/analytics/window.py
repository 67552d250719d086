"""The time window of an analytics request: range, previous period, step, grouping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gls_engine import request_params as p
from gls_engine.errors import InvalidParameterError

MINUTE_NS = 60 * 10**9
# Steps a time series may use; the smallest that gives at most MAX_POINTS points.
STEPS_S = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86_400, 7 * 86_400)
MAX_POINTS = 200
GROUP_KINDS = ("chain", "agent", "user", "environment", "model")
# Span columns of the group kinds (trace_summaries uses the same names).
GROUP_COLUMNS = {
    "chain": "chain",
    "agent": "agent",
    "user": "user_id",
    "environment": "environment",
    "model": "model",
}


@dataclass(frozen=True)
class Window:
    """[start_ns, end_ns), aligned to minutes (the sketches' resolution),
    and the period of the same length just before it (for trends)."""

    start_ns: int
    end_ns: int
    step_s: int

    @property
    def previous_start_ns(self) -> int:
        return self.start_ns - (self.end_ns - self.start_ns)

    @property
    def seconds(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    def to_json(self) -> dict[str, object]:
        from datetime import UTC, datetime

        def iso(ns: int) -> str:
            return datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")

        return {
            "start": iso(self.start_ns),
            "end": iso(self.end_ns),
            "previous_start": iso(self.previous_start_ns),
            "step_s": self.step_s,
        }


def window(query: Mapping[str, str], default_days: int = 1) -> Window:
    """`start` / `end` (RFC 3339 or epoch ms; default: the last day), `step`
    (seconds, one of STEPS_S; default: the smallest giving <= 200 points)."""
    start, end = p.time_range(query, default_days=default_days)
    start -= start % MINUTE_NS
    end += -end % MINUTE_NS
    if "step" in query:
        step = p.integer("step", query["step"], 60, STEPS_S[-1])
        if step not in STEPS_S:
            raise InvalidParameterError(
                f"step must be one of {', '.join(map(str, STEPS_S))} seconds"
            )
        if (end - start) / 1e9 / step > 10 * MAX_POINTS:
            raise InvalidParameterError(f"step {step}s gives more than {10 * MAX_POINTS} points")
    else:
        span_s = (end - start) / 1e9
        step = next((s for s in STEPS_S if span_s / s <= MAX_POINTS), STEPS_S[-1])
    return Window(start, end, step)


def group_by(query: Mapping[str, str]) -> str | None:
    value = query.get("group_by")
    if value is None or value == "":
        return None
    return p.choice("group_by", value, GROUP_KINDS)


# Environments are names from span attributes (deployment.environment...); a
# longer value or one with control characters cannot be one the UI offers.
MAX_ENVIRONMENT_CHARS = 256


def environment(query: Mapping[str, str]) -> str | None:
    """`environment`: only spans (traces) of that environment; empty or absent: all."""
    value = query.get("environment")
    if value is None or value == "":
        return None
    if len(value) > MAX_ENVIRONMENT_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidParameterError(
            f"environment must be at most {MAX_ENVIRONMENT_CHARS} characters without control characters"
        )
    return value
