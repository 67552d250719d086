"""OpenTelemetry spans for GreenLang agent calls in the application's own process,
with the attributes the Studio's chain runner gives its agent steps
(docs/sdk.md, docs/chains.md):

    from greenlang_studio.greenlang_instrumentor import GreenLangInstrumentor
    GreenLangInstrumentor().instrument(tracer_provider=provider)   # None: the global one

Every agent call goes through one of GreenLang 0.3.0's entry points, which are
wrapped: `greenlang.agents.base.BaseAgent.run` (CarbonAgent, BenchmarkAgent,
IntensityAgent, ... and subclasses of BaseAgent), `greenlang.sdk.base.Agent.run`,
and the `run` of the built-ins that implement the `greenlang.types.Agent`
protocol themselves (FuelAgent, BoilerAgent, GridFactorAgent). Each call is a
span `agent <Class>`: `gls.span.type=agent`, `gls.agent.name` (and `gls.agent`,
the key the Studio's decoder reads), `input.value` / `output.value` as JSON,
`gls.cpu.seconds` (the calling thread's CPU time, which the Studio turns into
energy and carbon), status ERROR with an `exception` event when the agent
raises or answers `success: false`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import functools
import json
import sys
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

try:  # the contrib package's base class when it is installed, else the same methods
    from opentelemetry.instrumentation.instrumentor import (  # type: ignore[import-not-found,unused-ignore]
        BaseInstrumentor as _Base,
    )
except ImportError:  # pragma: no cover - depends on the environment
    _Base = object

INSTRUMENTS = ("greenlang-cli >= 0.3.0",)
MAX_VALUE_CHARS = 64 * 1024  # a span attribute, not a data store
_active = threading.local()  # agents whose span is open in this thread (a run calling super().run)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(type(value), "model_fields") and callable(getattr(value, "model_dump", None)):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if callable(getattr(value, "tolist", None)):  # numpy arrays and scalars
        return value.tolist()
    return str(value)


def _json(value: Any) -> str:
    text = json.dumps(value, default=_json_default, ensure_ascii=False, allow_nan=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS]


def _safe_json(value: Any) -> str:
    try:
        return _json(value)
    except ValueError:  # NaN or infinity: JSON has none
        return _json(json.loads(json.dumps(value, default=_json_default)))


def _outcome(result: Any) -> tuple[bool, Any, str | None, str]:
    """(success, data, error text, error type) of any of GreenLang's three result shapes."""
    if isinstance(result, dict):
        if "success" not in result:
            return True, result, None, ""
        success, data, error = (
            result.get("success") is True,
            result.get("data"),
            result.get("error"),
        )
    else:
        success = getattr(result, "success", None) is True
        data, error = getattr(result, "data", None), getattr(result, "error", None)
    kind = "AgentError"
    if isinstance(error, dict):  # GreenLang's ErrorInfo
        kind = str(error.get("type") or kind)
        error = error.get("message")
    text = None if error in (None, "") else str(error)
    if not success and text is None:
        text = "the agent reported failure"
    return success, data, text, kind


def _agent_entry_points() -> list[type]:
    before = list(sys.path)  # importing greenlang puts site-packages/core first on sys.path
    try:
        import greenlang.agents as agents
        from greenlang.agents.base import BaseAgent
        from greenlang.sdk.base import Agent as SdkAgent
    finally:
        sys.path[:] = before
    classes: list[type] = [BaseAgent, SdkAgent]
    for name in agents.__all__:
        cls = getattr(agents, name)
        if not issubclass(cls, BaseAgent | SdkAgent) and "run" in cls.__dict__:
            classes.append(cls)  # a greenlang.types.Agent protocol agent with its own run
    return classes


class GreenLangInstrumentor(_Base):  # type: ignore[misc,valid-type,unused-ignore]
    """instrument() / uninstrument(), as OpenTelemetry's instrumentors; both idempotent."""

    _originals: dict[type, Callable[..., Any]] = {}  # class -> its own run before wrapping

    def instrumentation_dependencies(self) -> Collection[str]:
        return INSTRUMENTS

    def instrument(self, **kwargs: Any) -> None:
        if _Base is not object:
            super().instrument(**kwargs)  # BaseInstrumentor calls _instrument once
        else:
            self._instrument(**kwargs)

    def uninstrument(self, **kwargs: Any) -> None:
        if _Base is not object:
            super().uninstrument(**kwargs)
        else:
            self._uninstrument(**kwargs)

    @property
    def is_instrumented(self) -> bool:
        return bool(GreenLangInstrumentor._originals)

    def _instrument(self, **kwargs: Any) -> None:
        if GreenLangInstrumentor._originals:
            return
        tracer = trace.get_tracer(__name__, tracer_provider=kwargs.get("tracer_provider"))
        for cls in _agent_entry_points():
            original = cls.__dict__["run"]
            GreenLangInstrumentor._originals[cls] = original
            setattr(cls, "run", _traced(original, tracer))  # noqa: B010 - a class attribute swap

    def _uninstrument(self, **kwargs: Any) -> None:
        for cls, original in GreenLangInstrumentor._originals.items():
            setattr(cls, "run", original)  # noqa: B010
        GreenLangInstrumentor._originals = {}


def _traced(run: Callable[..., Any], tracer: trace.Tracer) -> Callable[..., Any]:
    @functools.wraps(run)
    def traced_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        active: set[int] = _active.__dict__.setdefault("agents", set())
        if id(self) in active:  # a run calling super().run: one span per agent call
            return run(self, *args, **kwargs)
        name = type(self).__name__
        payload = args[0] if args else kwargs.get("input_data", kwargs.get("payload"))
        with tracer.start_as_current_span(f"agent {name}", record_exception=False) as span:
            span.set_attribute("gls.span.type", "agent")
            span.set_attribute("gls.agent.name", name)
            span.set_attribute("gls.agent", name)
            span.set_attribute("input.value", _safe_json(payload))
            span.set_attribute("input.mime_type", "application/json")
            active.add(id(self))
            started = time.thread_time()
            try:
                result = run(self, *args, **kwargs)
            except BaseException as exc:
                span.set_attribute("gls.cpu.seconds", time.thread_time() - started)
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                raise
            finally:
                active.discard(id(self))
            span.set_attribute("gls.cpu.seconds", time.thread_time() - started)
            success, data, error, kind = _outcome(result)
            span.set_attribute("output.value", _safe_json(data))
            span.set_attribute("output.mime_type", "application/json")
            if not success:
                span.add_event(
                    "exception", {"exception.type": kind, "exception.message": error or ""}
                )
                span.set_status(Status(StatusCode.ERROR, error))
            return result

    return traced_run
