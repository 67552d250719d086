"""A trace of the Studio's own work: spans under one resource, which names the
project the trace is stored in, its environment (e.g. `gls-evaluator` for the
judges' calls, so a filter on the production environment leaves them out) and
the Studio as the service (`greenlang-studio`)."""

from __future__ import annotations

import os
from typing import Any

from gls_engine import __version__
from gls_engine.self_traces.self_span import SPAN_KIND_INTERNAL, SelfSpan

STUDIO_SERVICE_NAME = "greenlang-studio"


def _nonzero_id(size: int) -> bytes:
    while True:  # an all-zero id is invalid in OTLP (1 in 2^64 or 2^128)
        value = os.urandom(size)
        if any(value):
            return value


class SelfTrace:
    def __init__(
        self,
        project: str,
        environment: str,
        *,
        scope: str,
        service_name: str = STUDIO_SERVICE_NAME,
        resource_attributes: dict[str, Any] | None = None,
    ) -> None:
        self.project = project
        self.environment = environment
        self.scope = scope  # the instrumentation scope: the Studio's module that records
        self.trace_id = _nonzero_id(16)
        self.resource_attributes: dict[str, Any] = {
            "service.name": service_name,
            "service.version": __version__,
            "deployment.environment.name": environment,
            "gls.project": project,
            **(resource_attributes or {}),
        }
        self.spans: list[SelfSpan] = []

    @property
    def trace_id_hex(self) -> str:
        return self.trace_id.hex()

    def start_span(
        self,
        name: str,
        *,
        parent: SelfSpan | None = None,
        kind: int = SPAN_KIND_INTERNAL,
        attributes: dict[str, Any] | None = None,
    ) -> SelfSpan:
        """A span started now: a root without `parent`, else its child."""
        span = SelfSpan(
            trace_id=self.trace_id,
            span_id=_nonzero_id(8),
            parent_span_id=b"" if parent is None else parent.span_id,
            name=name,
            kind=kind,
        )
        span.set_all(attributes or {})
        self.spans.append(span)
        return span

    def end_all(self) -> None:
        """Ends every span still open (a trace is sent whole)."""
        for span in reversed(self.spans):  # children before their parents
            span.end()
