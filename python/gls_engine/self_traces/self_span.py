"""One span of a trace the Studio records of its own work: opened with a start
time, given attributes and events as the work goes, ended once (an error sets
the span's status and adds an OpenTelemetry `exception` event)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# OTLP Span.SpanKind and Status.StatusCode values.
SPAN_KIND_INTERNAL = 1
SPAN_KIND_CLIENT = 3
STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2

# What an attribute may hold: OTLP's scalars, or a list of them.
AttributeValue = str | bool | int | float | list[str] | list[int] | list[float] | list[bool]


@dataclass
class SpanEvent:
    name: str
    time_ns: int
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass
class SelfSpan:
    trace_id: bytes
    span_id: bytes
    parent_span_id: bytes  # b"" for a root
    name: str
    kind: int = SPAN_KIND_INTERNAL
    start_ns: int = field(default_factory=time.time_ns)
    end_ns: int | None = None
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    events: list[SpanEvent] = field(default_factory=list)
    status_code: int = STATUS_UNSET
    status_message: str = ""

    @property
    def span_id_hex(self) -> str:
        return self.span_id.hex()

    def set(self, key: str, value: Any) -> None:
        """An attribute; None leaves it out (OTLP has no null)."""
        if value is not None:
            self.attributes[key] = value

    def set_all(self, attributes: dict[str, Any]) -> None:
        for key, value in attributes.items():
            self.set(key, value)

    def add_event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        kept = {k: v for k, v in (attributes or {}).items() if v is not None}
        self.events.append(SpanEvent(name, time.time_ns(), kept))

    def succeed(self) -> None:
        self.status_code = STATUS_OK
        self.status_message = ""

    def fail(self, message: str, exception_type: str | None = None) -> None:
        """Status ERROR with `message`, and the `exception` event OpenTelemetry records
        for an error (exception.type, exception.message)."""
        self.status_code = STATUS_ERROR
        self.status_message = message
        self.add_event(
            "exception", {"exception.type": exception_type or "Error", "exception.message": message}
        )

    def end(self) -> None:
        """Ends the span now; a second end keeps the first time."""
        if self.end_ns is None:
            self.end_ns = max(time.time_ns(), self.start_ns)

    @property
    def ended(self) -> bool:
        return self.end_ns is not None
