"""A place in a run's state, for the debugger's edits: `inputs.country`,
`steps.grid.emission_factor`, `steps.items[0].name` (keys by dots, list items
by `[n]`), or the same as a JSON list of keys and indexes (`["steps", "a.b"]`
for a key with a dot in it). It must name something the state has: an edit
changes a value, it does not guess where a new one would go (a whole-state edit
adds or removes keys)."""

from __future__ import annotations

import copy
import re
from typing import Any

from gls_engine.errors import InvalidParameterError

MAX_PATH_PARTS = 64
_PART = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")

PathPart = str | int


def parse_path(value: Any, field: str = "path") -> tuple[PathPart, ...]:
    if isinstance(value, list):
        parts: list[PathPart] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, str | int):
                raise InvalidParameterError(f"{field}: each part must be a key or an index")
            parts.append(item)
    elif isinstance(value, str) and value:
        parts = []
        for segment in value.split("."):
            match = _PART.fullmatch(segment)
            if match is None:
                raise InvalidParameterError(
                    f"{field}: '{value}' is not a path (keys by dots, items by [n])"
                )
            parts.append(match.group(1))
            parts.extend(int(i) for i in _INDEX.findall(match.group(2)))
    else:
        raise InvalidParameterError(f"{field} must be a path such as 'inputs.country'")
    if not parts or len(parts) > MAX_PATH_PARTS:
        raise InvalidParameterError(f"{field} must have 1 to {MAX_PATH_PARTS} parts")
    if parts[0] not in ("inputs", "steps"):
        raise InvalidParameterError(f"{field} must start with inputs or steps")
    return tuple(parts)


def path_text(parts: tuple[PathPart, ...]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def with_value(
    state: dict[str, Any], parts: tuple[PathPart, ...], value: Any, field: str = "path"
) -> tuple[dict[str, Any], Any]:
    """A copy of `state` with `value` at `parts`, and the value it replaced;
    InvalidParameterError naming `field` when the state has nothing there."""
    new_state = copy.deepcopy(state)
    node: Any = new_state
    for depth, part in enumerate(parts):
        where = path_text(parts[: depth + 1])
        last = depth == len(parts) - 1
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                raise InvalidParameterError(f"{field}: the state has no {where}")
        elif not isinstance(node, dict) or part not in node:
            raise InvalidParameterError(f"{field}: the state has no {where}")
        if last:
            old = node[part]
            node[part] = value
            return new_state, old
        node = node[part]
    raise AssertionError("unreachable: a path has at least one part")
