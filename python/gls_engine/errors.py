"""Pipeline errors, classed the way the OpenTelemetry Collector classes them.

Components raise these; only the edges (HTTP and gRPC receivers, API handlers)
turn them into status codes.
"""

from __future__ import annotations


class PipelineError(Exception):
    code = "internal"


class PermanentError(PipelineError):
    """The data is bad; retrying the same request will fail again (HTTP 400)."""

    code = "invalid_request"


class PayloadTooLargeError(PermanentError):
    """The body exceeds the configured limit (HTTP 413)."""

    code = "payload_too_large"


class RefusedError(PipelineError):
    """The pipeline is full; the client should back off and retry (HTTP 429)."""

    code = "resource_exhausted"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RetryableError(PipelineError):
    """Storage failed or is shutting down; the same request may succeed later (HTTP 503)."""

    code = "unavailable"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
