"""The one table from error class to status: what every door answers for each error.

The OTLP/HTTP and OTLP/gRPC receivers and the JSON API all answer from here,
so a class means the same at each: the HTTP status (JSON API, OTLP/HTTP), the
google.rpc.Code (OTLP/gRPC, and inside OTLP/HTTP's Status bodies), and a retry
delay where the class has one. The codes follow the OTLP specification's
failure rules: INVALID_ARGUMENT / 4xx are not retried; RESOURCE_EXHAUSTED with
RetryInfo / 429 and UNAVAILABLE / 503 are, after the delay given.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from gls_engine.errors import (
    ConflictError,
    ForbiddenError,
    InvalidParameterError,
    NotFoundError,
    PayloadTooLargeError,
    PermanentError,
    RefusedError,
    RetryableError,
    UnsupportedMediaTypeError,
)
from gls_engine.storage.base import StorageError


class GrpcCode(IntEnum):
    """The google.rpc.Code values the table uses."""

    INVALID_ARGUMENT = 3
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    INTERNAL = 13
    UNAVAILABLE = 14


@dataclass(frozen=True)
class Status:
    http: int
    grpc: GrpcCode


INTERNAL = Status(500, GrpcCode.INTERNAL)
UNAVAILABLE = Status(503, GrpcCode.UNAVAILABLE)

# Every class has its row; the first row whose class the error is an instance of
# answers, so subclasses come first.
STATUS_BY_CLASS: tuple[tuple[type[Exception], Status], ...] = (
    # permanent: the client drops the data
    (PayloadTooLargeError, Status(413, GrpcCode.INVALID_ARGUMENT)),
    (UnsupportedMediaTypeError, Status(415, GrpcCode.INVALID_ARGUMENT)),
    (NotFoundError, Status(404, GrpcCode.NOT_FOUND)),
    (ConflictError, Status(409, GrpcCode.ALREADY_EXISTS)),
    (ForbiddenError, Status(403, GrpcCode.PERMISSION_DENIED)),
    (InvalidParameterError, Status(400, GrpcCode.INVALID_ARGUMENT)),
    (PermanentError, Status(400, GrpcCode.INVALID_ARGUMENT)),
    # refused: back off, then retry
    (RefusedError, Status(429, GrpcCode.RESOURCE_EXHAUSTED)),
    # retryable: retry later
    (RetryableError, UNAVAILABLE),
)


def status_for(error: BaseException) -> Status:
    if isinstance(error, StorageError):
        # The store judges its own failures: a read that ran out of time may pass
        # (retryable), any other failure is the Studio's fault.
        return UNAVAILABLE if error.retryable else INTERNAL
    for error_class, status in STATUS_BY_CLASS:
        if isinstance(error, error_class):
            return status
    return INTERNAL


def retry_after_s(error: BaseException) -> int | None:
    """Seconds the client should wait before retrying (Retry-After, RetryInfo); None: no hint."""
    if isinstance(error, (RefusedError, RetryableError)):
        return error.retry_after_s
    return None
