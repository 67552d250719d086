"""Errors a request is answered with, classed the way the OpenTelemetry Collector classes them.

Permanent: the request is wrong, and sent again unchanged it fails again (the
client drops it). Refused: the Studio is too busy to take it now (the client
backs off, then retries). Retryable: it failed for a passing reason (the client
retries). Components raise these; only the doors (the OTLP/HTTP and OTLP/gRPC
receivers, the JSON API) turn them into status codes, all with the one table
in error_status.py.
"""

from __future__ import annotations


class StudioError(Exception):
    """An error of no class below: a fault of the Studio's (500 / INTERNAL)."""

    code = "internal"


class PermanentError(StudioError):
    """The data is bad; retrying the same request will fail again."""

    code = "invalid_request"


class InvalidParameterError(PermanentError):
    """A parameter of the request (path, query string, body field) is not valid."""

    code = "invalid_parameter"


class ConflictError(PermanentError):
    """The request conflicts with what exists: a name or an id already taken."""

    code = "conflict"


class NotFoundError(PermanentError):
    """What the request names does not exist."""

    code = "not_found"


class PayloadTooLargeError(PermanentError):
    """The body exceeds the configured limit."""

    code = "payload_too_large"


class UnsupportedMediaTypeError(PermanentError):
    """The body is of a media type this endpoint does not read."""

    code = "unsupported_media_type"


class ForbiddenError(PermanentError):
    """The request may not be made from where it came (browser_guard.py: a Host or
    Origin the Studio does not answer); `code` says which check refused it."""

    code = "forbidden"

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.code = code


class RefusedError(StudioError):
    """The pipeline is full; the client should back off and retry after `retry_after_s`."""

    code = "resource_exhausted"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RetryableError(StudioError):
    """Storage failed or is shutting down; the same request may succeed later."""

    code = "unavailable"

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
