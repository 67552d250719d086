"""A debug session's commands, as a client sends them
(`POST .../debug-sessions/{id}/commands`): each checked whole before anything
changes (a 400 naming the field; a 409 for a command the session's state does
not allow now: ended, not paused, or another client's lease), then applied and
written to the session's log.

- `attach` {client, take_over}: the controller lease (its token in the answer);
  `detach` gives it back.
- `continue`, `step` (into sub-chains), `step_over` {wait}: resume from the
  pause; with `wait` the answer comes at the next pause or the end (at most
  `WAIT_S`).
- `stop`: the run stopped (at the pause, or its step cancelled) and recorded.
- `edit` {path, value} or {state}: the paused frame's state, applied when the
  run resumes.
- `evaluate` {expression, frame}: JMESPath over a frame's state (the selected
  one by default); an expression that fails is the console's answer, not an
  error of the request.
- `select_frame` {frame}: which frame of the stack the client looks at.
- `set_breakpoints` {breakpoints}: the whole list replaced, paused or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from gls_engine.chains.debug_breakpoints import Breakpoint
from gls_engine.chains.debug_lease import client_name
from gls_engine.chains.debug_session import END_STOPPED, DebugSession, Mode
from gls_engine.chains.debug_state_paths import parse_path, path_text, with_value
from gls_engine.chains.expressions import ExpressionRefused, evaluate
from gls_engine.chains.step_state_edit import checked_state
from gls_engine.errors import ConflictError, InvalidParameterError

WAIT_S = 60.0
LOGGED_VALUE_CHARS = 200
FIELDS: dict[str, set[str]] = {
    "attach": {"client", "take_over"},
    "detach": set(),
    "continue": {"wait"},
    "step": {"wait"},
    "step_over": {"wait"},
    "stop": set(),
    "edit": {"path", "value", "state"},
    "evaluate": {"expression", "frame"},
    "select_frame": {"frame"},
    "set_breakpoints": {"breakpoints"},
}
NEEDS_PAUSE = ("continue", "step", "step_over", "edit", "evaluate", "select_frame")


@dataclass
class Outcome:
    result: dict[str, Any] | None = None
    wait: bool = False  # the answer waits for the next pause or the end


def _short(value: Any) -> str:
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= LOGGED_VALUE_CHARS else text[: LOGGED_VALUE_CHARS - 3] + "..."


def _flag(document: dict[str, Any], name: str) -> bool:
    value = document.get(name, False)
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be true or false")
    return value


def _frame_index(session: DebugSession, value: Any) -> int:
    pause = session.pause
    assert pause is not None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < pause.depth:
        raise InvalidParameterError(
            f"frame must be a frame's index, 0 (the outermost chain) to {pause.depth - 1}"
        )
    return value


def parse_command(document: dict[str, Any]) -> str:
    command = document.get("command")
    if command not in FIELDS:
        raise InvalidParameterError(f"command must be one of {', '.join(FIELDS)}")
    assert isinstance(command, str)
    unknown = sorted(set(document) - FIELDS[command] - {"command"})
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field of the {command} command")
    return command


async def execute(
    session: DebugSession,
    document: dict[str, Any],
    token: str | None,
    check_breakpoints: Callable[[Any], Awaitable[tuple[Breakpoint, ...]]],
) -> Outcome:
    """Runs the command under the session's lock (commands take turns)."""
    command = parse_command(document)
    async with session.lock:
        if session.ended is not None:
            raise ConflictError(f"command: the session has ended ({session.ended['reason']})")
        if command == "attach":
            client = client_name(document.get("client"))
            lease = session.lease.attach(client, _flag(document, "take_over"), token)
            session.touch()
            return Outcome({"lease": {"token": lease.token, **lease.to_json()}})
        lease = session.lease.check(token)
        who = lease.client
        if command in NEEDS_PAUSE and session.pause is None:
            raise ConflictError(
                f"command: {command} needs a paused session (it is {session.status})"
            )
        session.touch()
        if command == "detach":
            session.log("command", "detach", who)
            session.lease.detach(token)
            return Outcome()
        if command in ("continue", "step", "step_over"):
            wait = _flag(document, "wait")
            session.log("command", command, who)
            mode: Mode = "step" if command == "step" else command  # type: ignore[assignment]
            session.resume(mode)
            return Outcome(wait=wait)
        if command == "stop":
            session.log("command", "stop", who)
            await session.stop(END_STOPPED, f"stopped by {who} in the debugger")
            return Outcome()
        if command == "set_breakpoints":
            breakpoints = await check_breakpoints(document.get("breakpoints"))
            session.breakpoints = breakpoints
            session.log("command", f"set_breakpoints ({len(breakpoints)})", who)
            session.events.publish(
                "breakpoints_changed", breakpoints=[b.to_json() for b in breakpoints]
            )
            return Outcome()
        pause = session.pause
        assert pause is not None
        if command == "select_frame":
            pause.selected_frame = _frame_index(session, document.get("frame"))
            session.log("command", f"select_frame {pause.selected_frame}", who)
            session.events.publish("frame_selected", frame=pause.selected_frame)
            return Outcome({"frame": pause.frame_json(pause.selected_frame)})
        if command == "evaluate":
            expression = document.get("expression")
            if not isinstance(expression, str) or not expression.strip():
                raise InvalidParameterError("expression must be a JMESPath expression")
            index = (
                pause.selected_frame
                if document.get("frame") is None
                else _frame_index(session, document["frame"])
            )
            session.log("command", f"evaluate {expression} (frame {index})", who)
            answer: dict[str, Any] = {"expression": expression, "frame": index}
            try:
                answer["value"] = evaluate(expression, pause.frame_json(index)["state"])
                answer["error"] = None
            except ExpressionRefused as exc:
                answer["value"], answer["error"] = None, str(exc)
            return Outcome(answer)
        assert command == "edit"
        return _edit(session, document, who)


def _edit(session: DebugSession, document: dict[str, Any], who: str) -> Outcome:
    pause = session.pause
    assert pause is not None
    if ("state" in document) == ("path" in document):
        raise InvalidParameterError("give path and value (one value) or state (the whole state)")
    if "state" in document:
        try:
            new_state = checked_state(document["state"])
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"state: {exc}") from None
        said = "the whole state"
    else:
        if "value" not in document:
            raise InvalidParameterError("value is missing (the new value at path)")
        parts = parse_path(document["path"])
        new_state, old = with_value(pause.state, parts, document["value"])
        try:
            new_state = checked_state(new_state)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"value: {exc}") from None
        said = f"{path_text(parts)}: {_short(old)} -> {_short(document['value'])}"
    pause.state = new_state
    frame = pause.depth - 1
    session.log("command", f"edit frame {frame} {said}", who)
    session.events.publish("state_edited", frame=frame, state=new_state, by=who)
    return Outcome({"frame": pause.frame_json(frame)})
