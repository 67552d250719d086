"""What one chain run carries from step to step: its trace, its event stream, the
debugger's gate, the replay map, the frame stack, and the record of each step
and log line; and what it answers when it ends (RunResult)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from gls_engine.chains.run_events import RunEvents
from gls_engine.chains.step_gate import Frame, StepGate
from gls_engine.self_traces.self_trace import SelfTrace

# A run's statuses (chain_runs.status).
QUEUED, RUNNING = "queued", "running"
SUCCEEDED, FAILED, CANCELLED, TIMED_OUT = "succeeded", "failed", "cancelled", "timed_out"
FINAL_STATUSES = (SUCCEEDED, FAILED, CANCELLED, TIMED_OUT)
MAX_LOGS = 1_000


def now_utc() -> datetime:
    return datetime.now(UTC)


class StepFailed(Exception):
    """A step failed: the run stops, naming the step by its path (`more/ask`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class RunStopped(Exception):
    """The debugger's gate stopped the run at the step `path`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path


@dataclass
class RunControl:
    """Shared by a run and whoever may stop it (the pool): why it was stopped."""

    run_id: str
    stop_reason: str | None = None  # "cancelled" or "timed_out", set before the cancel
    # The steps are over: the trace is being stored and the run recorded, which a
    # cancel or a timeout must not cut short.
    ended: bool = False


# A step's figures from its stored span, and a run's totals of them.
FIGURE_NAMES = (
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "energy_wh",
    "energy_wh_min",
    "energy_wh_max",
    "carbon_g",
    "carbon_g_min",
    "carbon_g_max",
)


def summed_figures(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Each figure summed over the items that know it (None when none does)."""
    listed = list(items)
    answer: dict[str, Any] = {}
    for name in FIGURE_NAMES:
        known = [item[name] for item in listed if item.get(name) is not None]
        answer[name] = sum(known) if known else None
    return answer


@dataclass
class StepRecord:
    id: str
    path: str  # "ask", or "more/ask" inside the sub-chain step "more"
    type: str
    status: str = RUNNING  # succeeded, failed, skipped, cancelled
    started_at: str | None = None
    latency_ms: float | None = None
    span_id: str | None = None
    error: str | None = None
    replayed: bool = False
    skipped_by: str | None = None  # "condition" or "debugger"
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    energy_wh: float | None = None
    energy_wh_min: float | None = None
    energy_wh_max: float | None = None
    carbon_g: float | None = None
    carbon_g_min: float | None = None
    carbon_g_max: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunResult:
    run_id: str
    status: str
    output: Any
    error: str | None
    error_step: str | None
    steps: list[StepRecord]
    logs: list[dict[str, Any]]
    trace_id: str
    trace_stored: bool
    started_at: datetime
    ended_at: datetime
    totals: dict[str, Any]
    # the trace's submission and the read-back of its figures, apart from the run
    submit_ms: float | None = None
    readback_ms: float | None = None


@dataclass
class RunContext:
    run_id: str
    project: str
    trace: SelfTrace
    events: RunEvents | None
    gate: StepGate | None
    replay: Mapping[str, Any]
    control: RunControl
    frames: list[Frame] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)

    def publish(self, event_type: str, **fields: Any) -> None:
        if self.events is not None:
            self.events.publish(event_type, **fields)

    def log(self, message: str, *, step: str | None = None, level: str = "info") -> None:
        entry = {
            "time_ms": round(time.time() * 1000, 3),
            "level": level,
            "step": step,
            "message": message,
        }
        if len(self.logs) < MAX_LOGS:
            self.logs.append(entry)
        self.publish("log", level=level, step=step, message=message)
