"""The client's own OpenTelemetry tracer provider: spans go to the Studio's OTLP/HTTP
endpoint under the client's project (the X-GLS-Project header) in the environment
"experiment", batched, and are flushed when an experiment ends. It is not made the global provider unless asked,
so an application's own tracing set-up is left alone."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

SERVICE_NAME = "greenlang-studio-sdk"
# Experiment runs are told apart from production in the Studio (its environment
# facet, the cost suggestions' production volume) by their environment.
ENVIRONMENT = "experiment"


def studio_tracer_provider(url: str, project: str, set_global: bool) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": SERVICE_NAME,
                "gls.project": project,
                "deployment.environment.name": ENVIRONMENT,
            }
        )
    )
    exporter = OTLPSpanExporter(
        endpoint=url.rstrip("/") + "/v1/traces", headers={"X-GLS-Project": project}
    )
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200))
    if set_global:
        trace.set_tracer_provider(provider)
    return provider
