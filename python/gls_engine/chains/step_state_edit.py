"""A state the debugger edited: checked to be a run's state (`{"inputs": {...},
"steps": {...}}`, JSON values only), and what changed, key by key, for the
`gls.debug.state_edit` event the trace records."""

from __future__ import annotations

from typing import Any

import orjson

from gls_engine.errors import InvalidParameterError

MAX_STATE_BYTES = 8 << 20


def checked_state(state: Any) -> dict[str, Any]:
    if not isinstance(state, dict) or set(state) != {"inputs", "steps"}:
        raise InvalidParameterError("an edited state must be an object of inputs and steps alone")
    for name in ("inputs", "steps"):
        if not isinstance(state[name], dict):
            raise InvalidParameterError(f"an edited state's {name} must be an object")
    try:
        raw = orjson.dumps(state)
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise InvalidParameterError(f"an edited state must be JSON values: {exc}") from None
    if len(raw) > MAX_STATE_BYTES:
        raise InvalidParameterError(f"an edited state is over {MAX_STATE_BYTES} bytes as JSON")
    copy: dict[str, Any] = orjson.loads(raw)  # the runner's own, whatever the gate keeps
    return copy


def state_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`inputs.<name>` / `steps.<id>` -> {"from", "to"} for each key that differs
    (a key removed has no "to", a key added no "from")."""
    changes: dict[str, Any] = {}
    for part in ("inputs", "steps"):
        old, new = before.get(part) or {}, after.get(part) or {}
        for key in sorted(set(old) | set(new)):
            if key in old and key in new and old[key] == new[key]:
                continue
            change: dict[str, Any] = {}
            if key in old:
                change["from"] = old[key]
            if key in new:
                change["to"] = new[key]
            changes[f"{part}.{key}"] = change
    return changes
