"""A debug session's breakpoints: a step by its path (`ask`, or `more/ask` inside
the sub-chain step `more`), before or after it, optionally with a condition (a
JMESPath expression over the state of the step's chain; the breakpoint fires
when it is truthy).

Checked whole before a session starts or its breakpoints change, each refusal a
400 naming the field (`breakpoints[1].step: ...`): a path whose every step
exists (a sub-chain's steps as its chain resolves now: the version it pins,
else its label's, else the latest), a point, a condition that parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gls_engine.chains.contracts import ChainResolver
from gls_engine.chains.definition import ChainDefinition, ChainStep
from gls_engine.chains.expressions import ExpressionRefused, compile_expression, evaluate
from gls_engine.errors import InvalidParameterError, NotFoundError

MAX_BREAKPOINTS = 200
POINTS = ("before", "after")
FIELDS = {"step", "point", "condition", "enabled"}


@dataclass(frozen=True)
class Breakpoint:
    step: str  # the step's path
    point: Literal["before", "after"] = "before"
    condition: str | None = None
    enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "point": self.point,
            "condition": self.condition,
            "enabled": self.enabled,
        }


@dataclass(frozen=True)
class Hit:
    """Whether a breakpoint fires here, and why it does when its condition failed."""

    fires: bool
    error: str | None = None


def truthy(value: Any) -> bool:
    """JMESPath's truth (as a step's condition): false, null and empty are false."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and not value)


def hit(breakpoint: Breakpoint, state: dict[str, Any]) -> Hit:
    """A condition that fails on this state fires the breakpoint (with the error
    said): a debugger that skipped it would hide the very state to look at."""
    if not breakpoint.enabled:
        return Hit(False)
    if breakpoint.condition is None:
        return Hit(True)
    try:
        return Hit(truthy(evaluate(breakpoint.condition, state, "condition")))
    except ExpressionRefused as exc:
        return Hit(True, str(exc))


async def _steps_along(
    definition: ChainDefinition,
    path: str,
    field: str,
    project: str,
    resolver: ChainResolver | None,
) -> None:
    """InvalidParameterError naming `field` unless each step of `path` exists."""
    parts = path.split("/")
    current, where = definition, "the chain"
    for depth, part in enumerate(parts):
        step = next((s for s in current.steps if s.id == part), None)
        if step is None:
            known = ", ".join(s.id for s in current.steps)
            raise InvalidParameterError(
                f"{field}: no step '{part}' in {where} (its steps: {known})"
            )
        if depth == len(parts) - 1:
            return
        if not isinstance(step, ChainStep):
            raise InvalidParameterError(
                f"{field}: step '{part}' is a {step.type} step, not a sub-chain, so '{path}' "
                "names nothing"
            )
        if resolver is None:
            raise InvalidParameterError(f"{field}: no chain store to look into '{part}'")
        try:
            resolved = await resolver.resolve(
                project, step.chain, version=step.version, label=step.label
            )
        except NotFoundError as exc:
            raise InvalidParameterError(f"{field}: {exc}") from None
        current, where = resolved.definition, f"chain '{resolved.name}' v{resolved.version}"


async def parse_breakpoints(
    value: Any,
    definition: ChainDefinition,
    *,
    project: str,
    resolver: ChainResolver | None,
    field: str = "breakpoints",
) -> tuple[Breakpoint, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidParameterError(f"{field} must be a list of breakpoints")
    if len(value) > MAX_BREAKPOINTS:
        raise InvalidParameterError(f"{field}: at most {MAX_BREAKPOINTS} breakpoints")
    parsed: list[Breakpoint] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise InvalidParameterError(f"{where} must be an object with step and point")
        unknown = sorted(set(item) - FIELDS)
        if unknown:
            raise InvalidParameterError(f"{where}.{unknown[0]} is not a field of a breakpoint")
        step = item.get("step")
        if not isinstance(step, str) or not step or len(step) > 1_000:
            raise InvalidParameterError(f"{where}.step must be a step's path (`ask`, `more/ask`)")
        await _steps_along(definition, step, f"{where}.step", project, resolver)
        point = item.get("point", "before")
        if point not in POINTS:
            raise InvalidParameterError(f"{where}.point must be before or after")
        condition = item.get("condition")
        if condition is not None:
            compile_expression(condition, f"{where}.condition")
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InvalidParameterError(f"{where}.enabled must be true or false")
        if (step, point) in seen:
            raise InvalidParameterError(f"{where}: a second breakpoint {point} '{step}'")
        seen.add((step, point))
        parsed.append(Breakpoint(step, point, condition, enabled))
    return tuple(parsed)
