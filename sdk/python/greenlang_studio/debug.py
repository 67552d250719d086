"""Debug mode for a running application: the application pauses at span boundaries
that match breakpoints set in the Studio's UI (span name, span type, a JMESPath
condition over the span's name, type and attributes), sends the span's
attributes and its parent-span stack, and waits for continue, step or stop; at
its own checkpoints (`debugger.checkpoint(name, value)`) a person may also
replace the value.

Off by default and never on without an explicit switch: `enable_debugging(...)`
(and GLS_STUDIO_DEBUG=0 in the environment turns it off whatever the code says).
A missing or unreachable Studio never blocks the application: the breakpoints
are fetched in a background thread (long polls), a span is checked against them
locally (no round trip unless one matches), a pause whose Studio cannot be
reached or does not answer within `max_pause_s` goes on, and losing the Studio
clears the breakpoints until it is back.

Pausing blocks the thread that started (or ended) the span: in an asyncio
application that is the event loop, so the whole application waits, as under
any debugger.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import jmespath
import requests
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

log = logging.getLogger(__name__)

DISABLE_ENV = "GLS_STUDIO_DEBUG"
POLL_WAIT_S = 20.0
_NO_VALUE = object()
# the span types the Studio normalises to (docs/span-schema.md), from the attributes
# an instrumentation sets at the span's start
_OPENINFERENCE_KINDS = {
    "LLM": "llm",
    "CHAIN": "chain",
    "TOOL": "tool",
    "RETRIEVER": "retriever",
    "EMBEDDING": "embedding",
    "AGENT": "agent",
    "RERANKER": "reranker",
    "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator",
}
_GENAI_OPERATIONS = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "embeddings": "embedding",
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "create_agent": "agent",
}
_TRACELOOP_KINDS = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}


class DebugStopped(Exception):
    """Raised by `checkpoint` when the person stopped the application there."""


def span_type(attributes: dict[str, Any]) -> str:
    """The Studio's span type, from what the span carries."""
    explicit = attributes.get("gls.span.type")
    if isinstance(explicit, str) and explicit:
        return explicit.lower()
    kind = attributes.get("openinference.span.kind")
    if isinstance(kind, str) and kind.upper() in _OPENINFERENCE_KINDS:
        return _OPENINFERENCE_KINDS[kind.upper()]
    traceloop = attributes.get("traceloop.span.kind")
    if isinstance(traceloop, str) and traceloop in _TRACELOOP_KINDS:
        return _TRACELOOP_KINDS[traceloop]
    operation = attributes.get("gen_ai.operation.name")
    if isinstance(operation, str) and operation in _GENAI_OPERATIONS:
        return _GENAI_OPERATIONS[operation]
    if any(k in attributes for k in ("gen_ai.request.model", "gen_ai.system", "llm.model_name")):
        return "llm"
    return "span"


@dataclass(frozen=True)
class _Breakpoint:
    id: str
    span_name: str | None
    span_type: str | None
    condition: Any  # a compiled JMESPath expression, or None
    point: str

    def matches(self, point: str, name: str, kind: str, attributes: dict[str, Any]) -> bool:
        if point != self.point:
            return False
        if self.span_name is not None and name != self.span_name:
            return False
        if self.span_type is not None and kind != self.span_type:
            return False
        if self.condition is None:
            return True
        try:
            found = self.condition.search({"name": name, "type": kind, "attributes": attributes})
        except jmespath.exceptions.JMESPathError:
            return False
        return found not in (None, False, "", [], {})


def _parse(document: dict[str, Any]) -> _Breakpoint | None:
    if not document.get("enabled", True):
        return None
    condition = document.get("condition")
    try:
        compiled = jmespath.compile(condition) if condition else None
    except jmespath.exceptions.JMESPathError:
        return None  # the Studio checked it; a newer syntax this jmespath lacks never stops
    return _Breakpoint(
        document["id"],
        document.get("span_name"),
        document.get("span_type"),
        compiled,
        document.get("point", "start"),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


class AppDebugger(SpanProcessor):
    """A span processor that pauses at breakpoints; add it with `enable_debugging`."""

    def __init__(
        self,
        url: str,
        project: str,
        *,
        service: str | None = None,
        connect_timeout_s: float = 2.0,
        max_pause_s: float = 600.0,
    ) -> None:
        self._base = f"{url.rstrip('/')}/api/v1/projects/{project}/app-debug"
        self._service = service or os.path.basename(sys.argv[0] or "python")
        self._connect_timeout_s = connect_timeout_s
        self.max_pause_s = max_pause_s
        self._lock = threading.Lock()
        self._breakpoints: tuple[_Breakpoint, ...] = ()
        self._version: int | None = None
        self._app_id: str | None = None
        self._detached = False  # "stop": no pauses until the breakpoints change
        self._open: dict[int, tuple[str, int | None, str]] = {}  # span id -> name, parent, type
        self._stepping = threading.local()
        self._closed = threading.Event()
        self._registered = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="gls-debug-poll", daemon=True)

    # --- life ------------------------------------------------------------------------
    def start(self) -> AppDebugger:
        self._thread.start()
        return self

    @property
    def connected(self) -> bool:
        return self._app_id is not None

    @property
    def breakpoints_version(self) -> int | None:
        """The version of the Studio's breakpoints this application holds."""
        return self._version

    def wait_connected(self, timeout_s: float) -> bool:
        """True once registered with the Studio and holding its breakpoints."""
        return self._registered.wait(timeout_s)

    def shutdown(self) -> None:
        self._closed.set()
        app_id = self._app_id
        if app_id is not None:
            try:
                requests.delete(f"{self._base}/apps/{app_id}", timeout=self._connect_timeout_s)
            except requests.RequestException:
                pass
        self._app_id = None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _register(self) -> bool:
        try:
            response = requests.post(
                f"{self._base}/apps",
                json={
                    "service": self._service,
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "sdk_version": "0.1.0",
                },
                timeout=self._connect_timeout_s,
            )
        except requests.RequestException:
            return False
        if response.status_code != 201:
            log.warning(
                "the Studio refused debugging (%s): %s", response.status_code, response.text
            )
            return False
        self._app_id = response.json()["id"]
        self._version = None
        return True

    def _poll(self) -> None:
        backoff = 1.0
        while not self._closed.is_set():
            if self._app_id is None and not self._register():
                self._set_breakpoints(None, ())  # no Studio: nothing may stop the application
                self._closed.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            params: dict[str, Any] = {"wait": POLL_WAIT_S}
            if self._version is not None:
                params["version"] = self._version
            try:
                response = requests.get(
                    f"{self._base}/apps/{self._app_id}/breakpoints",
                    params=params,
                    timeout=(self._connect_timeout_s, POLL_WAIT_S + 10),
                )
            except requests.RequestException:
                self._app_id = None
                continue
            if response.status_code == 404:  # the Studio forgot this application (restart)
                self._app_id = None
                continue
            if response.status_code != 200:
                self._closed.wait(1.0)
                continue
            document = response.json()
            found = (_parse(b) for b in document["breakpoints"])
            self._set_breakpoints(document["version"], tuple(b for b in found if b is not None))
            self._registered.set()

    def _set_breakpoints(self, version: int | None, breakpoints: tuple[_Breakpoint, ...]) -> None:
        with self._lock:
            if version != self._version:
                self._detached = False
            self._version = version
            self._breakpoints = breakpoints

    # --- spans -----------------------------------------------------------------------
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        context = span.get_span_context()
        parent = span.parent.span_id if span.parent is not None else None
        attributes = dict(span.attributes or {})
        kind = span_type(attributes)
        with self._lock:
            self._open[context.span_id] = (span.name, parent, kind)
        self._maybe_pause("start", span.name, kind, attributes, context.trace_id, context.span_id)

    def on_end(self, span: ReadableSpan) -> None:
        context = span.get_span_context()
        if context is None:
            return
        attributes = dict(span.attributes or {})
        kind = span_type(attributes)
        try:
            self._maybe_pause("end", span.name, kind, attributes, context.trace_id, context.span_id)
        finally:
            with self._lock:
                self._open.pop(context.span_id, None)

    def _stack(self, span_id: int) -> list[dict[str, Any]]:
        stack: list[dict[str, Any]] = []
        with self._lock:
            current = self._open.get(span_id)
            parent = current[1] if current else None
            while parent is not None and parent in self._open and len(stack) < 256:
                name, grand, kind = self._open[parent]
                stack.append({"name": name, "type": kind, "span_id": f"{parent:016x}"})
                parent = grand
        return list(reversed(stack))

    def _matching(self, point: str, name: str, kind: str, attributes: dict[str, Any]) -> Any:
        if getattr(self._stepping, "on", False):
            self._stepping.on = False
            return "step"
        with self._lock:
            if self._detached or self._app_id is None:
                return None
            breakpoints = self._breakpoints
        for candidate in breakpoints:
            if candidate.matches(point, name, kind, attributes):
                return candidate
        return None

    def _maybe_pause(
        self,
        point: str,
        name: str,
        kind: str,
        attributes: dict[str, Any],
        trace_id: int,
        span_id: int,
    ) -> None:
        matched = self._matching(point, name, kind, attributes)
        if matched is None:
            return
        span = {
            "name": name,
            "type": kind,
            "trace_id": f"{trace_id:032x}",
            "span_id": f"{span_id:016x}",
            "attributes": {k: _plain(v) for k, v in attributes.items()},
        }
        bp_id = None if matched == "step" else matched.id
        self._pause(point, span, self._stack(span_id), bp_id)

    def checkpoint(self, name: str, value: Any) -> Any:
        """A point of the application's own where a person may look at `value` and
        replace it: the value to go on with. Pauses only while a breakpoint names
        this checkpoint (`span_name` = name, `point` start) or the thread is
        stepping; else returns `value` at once. DebugStopped if they stop here."""
        attributes = {"gls.debug.checkpoint": name}
        matched = self._matching("start", name, "span", attributes)
        if matched is None:
            return value
        span = {"name": name, "type": "span", "attributes": attributes}
        bp_id = None if matched == "step" else matched.id
        current = trace.get_current_span().get_span_context()
        stack = self._stack(current.span_id) if current.is_valid else []
        if current.is_valid:
            with self._lock:
                entry = self._open.get(current.span_id)
            if entry is not None:
                stack.append(
                    {"name": entry[0], "type": entry[2], "span_id": f"{current.span_id:016x}"}
                )
        decided = self._pause("checkpoint", span, stack, bp_id, value)
        if decided.get("action") == "stop":
            raise DebugStopped(f"stopped by the debugger at checkpoint {name!r}")
        return decided["value"] if "value" in decided else value

    def _pause(
        self,
        point: str,
        span: dict[str, Any],
        stack: list[dict[str, Any]],
        breakpoint_id: str | None,
        value: Any = _NO_VALUE,
    ) -> dict[str, Any]:
        """Waits for the person's decision; {"action": "continue"} whenever the Studio
        cannot be reached or has not answered within max_pause_s."""
        go_on = {"action": "continue"}
        app_id = self._app_id
        if app_id is None:
            return go_on
        body: dict[str, Any] = {
            "point": point,
            "span": span,
            "stack": stack,
            "breakpoint_id": breakpoint_id,
        }
        if value is not _NO_VALUE:
            body["value"] = value
        try:
            response = requests.post(
                f"{self._base}/apps/{app_id}/pauses", json=body, timeout=self._connect_timeout_s
            )
            if response.status_code != 201:
                log.warning("the Studio did not take the pause (%s)", response.status_code)
                return go_on
            pause_id = response.json()["id"]
        except (requests.RequestException, TypeError, ValueError) as exc:
            log.warning(
                "the pause at %s could not reach the Studio (%s): going on", span["name"], exc
            )
            return go_on
        log.info("paused at %s (%s of the span)", span["name"], point)
        deadline = time.monotonic() + self.max_pause_s
        while (left := deadline - time.monotonic()) > 0 and not self._closed.is_set():
            wait = min(POLL_WAIT_S, max(left, 0.1))
            try:
                answer = requests.get(
                    f"{self._base}/apps/{app_id}/pauses/{pause_id}/decision",
                    params={"wait": round(wait, 1)},
                    timeout=(self._connect_timeout_s, wait + 10),
                )
            except requests.RequestException:
                return go_on  # the Studio went away: never keep the application stopped
            if answer.status_code == 204:
                continue
            if answer.status_code != 200:
                return go_on
            decided: dict[str, Any] = answer.json()
            if decided.get("action") == "step":
                self._stepping.on = True
            elif decided.get("action") == "stop" and point != "checkpoint":
                with self._lock:
                    self._detached = True
            return decided
        return go_on


def enable_debugging(
    tracer_provider: TracerProvider,
    url: str,
    project: str,
    *,
    service: str | None = None,
    max_pause_s: float = 600.0,
) -> AppDebugger | None:
    """Switches debug mode on for spans of `tracer_provider`: the explicit switch.
    None (and nothing added) when GLS_STUDIO_DEBUG=0 forbids it."""
    if os.environ.get(DISABLE_ENV, "").strip() in ("0", "false", "off"):
        log.info("debug mode not enabled: %s forbids it", DISABLE_ENV)
        return None
    debugger = AppDebugger(url, project, service=service, max_pause_s=max_pause_s).start()
    tracer_provider.add_span_processor(debugger)
    return debugger
