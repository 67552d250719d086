"""The debugger's hook into a run: a gate awaited before and after every step.

The gate sees the run's id, the frame stack (the chain being run, then each
sub-chain step's chain inside it, innermost last) and the step, and answers
what to do: go on, skip the step (before it only), stop the run, or go on with
an edited state (the innermost frame's; the edit applies to the rest of the
run and is recorded on the trace as a `gls.debug.state_edit` event naming what
changed). A gate may take as long as it likes (a paused debugger); the run's
timeout still applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from gls_engine.chains.definition import Step

GatePoint = Literal["before", "after"]


@dataclass
class Frame:
    """One chain being run: the top chain, or a sub-chain step's chain."""

    chain_name: str
    chain_version: int | None
    step_id: str | None  # the step being run (None before the first)
    state: dict[str, Any]  # {"inputs": ..., "steps": {...}}; the runner's own, live


@dataclass(frozen=True)
class GateAction:
    kind: Literal["continue", "skip", "stop", "edit"] = "continue"
    state: dict[str, Any] | None = None  # for "edit": the frame's whole new state
    reason: str = ""  # for "stop": said in the run's error

    @staticmethod
    def go_on() -> GateAction:
        return GateAction("continue")

    @staticmethod
    def skip() -> GateAction:
        return GateAction("skip")

    @staticmethod
    def stop(reason: str = "stopped by the debugger") -> GateAction:
        return GateAction("stop", reason=reason)

    @staticmethod
    def edit(state: dict[str, Any]) -> GateAction:
        return GateAction("edit", state=state)


class StepGate(Protocol):
    async def __call__(
        self,
        point: GatePoint,
        run_id: str,
        frames: tuple[Frame, ...],
        step: Step,
        state: dict[str, Any],
    ) -> GateAction | None:
        """None goes on, as GateAction.go_on() does."""
        ...
