"""Every error class answers the same at every door where it can occur.

The doors are OTLP/HTTP (protobuf and JSON bodies), OTLP/gRPC and the JSON API;
gls_engine/error_status.py is the one table they answer from. Each class is
provoked by real requests to a Studio running here (in this process, so a test
can break its real storage by renaming the spans table, and give reads no time),
and the expected statuses are written out literally: a wrong row in the table
fails here, whichever door shows it.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import grpc
import pytest
import requests
from google.rpc import error_details_pb2, status_pb2

from gls_engine import errors
from gls_engine.error_status import STATUS_BY_CLASS, GrpcCode, status_for
from gls_engine.storage import StorageError

from conftest import free_port
from inprocess_studio import InProcessStudio
from otlp_helpers import make_request, make_span, new_trace_id

MAX_BODY = 300_000  # bytes a request body may have
MAX_INFLIGHT = 100_000  # request bytes held at once: a single larger body is refused
PROTOBUF = "application/x-protobuf"
EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("errors"))
    s.settings = dataclasses.replace(
        s.settings,
        otlp_grpc_port=free_port(),
        max_body_bytes=MAX_BODY,
        max_inflight_bytes=MAX_INFLIGHT,
        retry_after_s=3,
    )
    s.start()
    yield s
    s.stop()


def _body(size: int) -> bytes:
    """A valid export request of about `size` bytes."""
    spans = [make_span(new_trace_id(), attributes={"input.value": "x" * 1000})]
    while len(make_request(spans).SerializeToString()) < size:
        spans.append(spans[0])
    return make_request(spans).SerializeToString()


def _otlp_http(studio: InProcessStudio, body: bytes, content_type: str = PROTOBUF, **headers):
    return requests.post(
        f"{studio.api}/v1/traces",
        data=body,
        headers={"Content-Type": content_type, **headers},
        timeout=60,
    )


def _rpc_status(resp: requests.Response) -> tuple[int, str | None]:
    """(google.rpc.Code, the Studio's error code) of an OTLP/HTTP error body."""
    if resp.headers["Content-Type"].startswith(PROTOBUF):
        return status_pb2.Status.FromString(resp.content).code, None
    body = resp.json()
    return body["code"], body["error"]["code"]


@dataclasses.dataclass
class GrpcRefusal:
    code: grpc.StatusCode
    details: str
    # RetryInfo, the same in grpc-status-details-bin and in google.rpc.retryinfo-bin
    # (the trailer the OTel Python exporter reads); None: not sent
    retry_delay_s: int | None


def _otlp_grpc(studio: InProcessStudio, body: bytes) -> GrpcRefusal:
    with grpc.insecure_channel(f"127.0.0.1:{studio.settings.otlp_grpc_port}") as channel:
        export = channel.unary_unary(EXPORT)  # bytes as they are, garbage included
        with pytest.raises(grpc.RpcError) as refused:
            export(body, timeout=60)
    error = refused.value
    in_details = in_trailer = None
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.RetryInfo()
                if detail.Unpack(info):
                    in_details = info.retry_delay.seconds
        if key == "google.rpc.retryinfo-bin":
            in_trailer = error_details_pb2.RetryInfo.FromString(value).retry_delay.seconds
    assert in_details == in_trailer
    return GrpcRefusal(error.code(), error.details(), in_details)


def _api(studio: InProcessStudio, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{studio.api}/api/v1{path}", timeout=60, **kwargs)


def _api_error(resp: requests.Response) -> str:
    assert resp.headers["Content-Type"].startswith("application/json"), resp.text
    return resp.json()["error"]["code"]


# --- permanent ----------------------------------------------------------------------


def test_permanent_error_at_every_door(studio) -> None:
    """A body that is not OTLP: 400 / INVALID_ARGUMENT, no retry hint."""
    resp = _otlp_http(studio, b"\xff\xff\xff not protobuf")
    assert resp.status_code == 400 and "Retry-After" not in resp.headers
    assert _rpc_status(resp) == (3, None)
    resp = _otlp_http(studio, b"{not json", content_type="application/json")
    assert resp.status_code == 400
    assert _rpc_status(resp) == (3, "invalid_request")
    refusal = _otlp_grpc(studio, b"\xff\xff\xff not protobuf")
    assert refusal.code == grpc.StatusCode.INVALID_ARGUMENT and refusal.retry_delay_s is None
    # The JSON API has no plain PermanentError: its permanent errors are the subclasses below.


def test_invalid_parameter_at_the_json_api(studio) -> None:
    resp = _api(studio, "GET", "/projects/errors/traces", params={"limit": "0"})
    assert resp.status_code == 400 and _api_error(resp) == "invalid_parameter"
    assert "limit" in resp.json()["error"]["message"]


def test_not_found_at_the_json_api(studio) -> None:
    resp = _api(studio, "GET", f"/projects/errors/traces/{new_trace_id().hex()}")
    assert resp.status_code == 404 and _api_error(resp) == "not_found"


def test_conflict_at_the_json_api(studio) -> None:
    """A name already taken: 409 conflict, and the first dataset kept as it was."""
    body = {"name": "taken", "description": "first"}
    assert _api(studio, "POST", "/projects/errors/datasets", json=body).status_code == 201
    resp = _api(studio, "POST", "/projects/errors/datasets", json={**body, "description": "2nd"})
    assert resp.status_code == 409 and _api_error(resp) == "conflict"
    assert "already has a dataset named 'taken'" in resp.json()["error"]["message"]
    kept = _api(studio, "GET", "/projects/errors/datasets/taken").json()
    assert kept["description"] == "first"


def test_payload_too_large_at_every_door(studio) -> None:
    big = _body(MAX_BODY + 50_000)
    resp = _otlp_http(studio, big)
    assert resp.status_code == 413 and "Retry-After" not in resp.headers
    assert _rpc_status(resp) == (3, None)
    resp = _otlp_http(studio, b'{"resourceSpans": []}' + b" " * MAX_BODY, "application/json")
    assert resp.status_code == 413 and _rpc_status(resp) == (3, "payload_too_large")
    # The JSON API: project settings have their own limit (256 KiB), below the body limit.
    settings = b'{"pricing": {}}' + b" " * 270_000
    assert len(settings) < MAX_BODY
    resp = _api(
        studio,
        "PUT",
        "/projects/errors/settings",
        data=settings,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 413 and _api_error(resp) == "payload_too_large"
    # gRPC: grpc itself refuses a message over max_receive_message_length before
    # the Studio sees it, as RESOURCE_EXHAUSTED without RetryInfo (so not retried).
    refusal = _otlp_grpc(studio, big)
    assert refusal.code == grpc.StatusCode.RESOURCE_EXHAUSTED and refusal.retry_delay_s is None


def test_unsupported_media_type_at_every_door(studio) -> None:
    resp = _otlp_http(studio, b"spans", content_type="text/plain")
    assert resp.status_code == 415 and _rpc_status(resp) == (3, "unsupported_media_type")
    resp = _api(
        studio,
        "PUT",
        "/projects/errors/settings",
        data=b"{}",
        headers={"Content-Type": "text/plain"},
    )
    assert resp.status_code == 415 and _api_error(resp) == "unsupported_media_type"
    # gRPC has one media type, which grpc itself checks.


# --- refused ------------------------------------------------------------------------


def test_refused_at_every_door(studio) -> None:
    """A body over the in-flight budget: 429 / RESOURCE_EXHAUSTED, with the retry delay."""
    body = _body(MAX_INFLIGHT + 20_000)
    assert len(body) < MAX_BODY
    resp = _otlp_http(studio, body)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
    assert _rpc_status(resp) == (8, None)
    refusal = _otlp_grpc(studio, body)
    assert refusal.code == grpc.StatusCode.RESOURCE_EXHAUSTED and refusal.retry_delay_s == 3
    assert "in flight" in refusal.details
    # Nothing in the JSON API is refused: its reads are bounded by time instead.


# --- retryable ----------------------------------------------------------------------


@contextlib.contextmanager
def spans_table_away(studio: InProcessStudio) -> Iterator[None]:
    """The spans table gone from under the running Studio (a real storage failure)."""
    assert studio.store is not None
    studio.store._command("RENAME TABLE spans TO spans_away")
    try:
        yield
    finally:
        studio.store._command("RENAME TABLE spans_away TO spans")


def test_storage_failure_at_every_door(studio) -> None:
    """Ingest: 503 / UNAVAILABLE with the retry delay (nothing was acknowledged). A read:
    500 storage_error (a missing table is no passing failure)."""
    body = make_request([make_span(new_trace_id())]).SerializeToString()
    with spans_table_away(studio):
        ingest, rpc, read = (
            _otlp_http(studio, body, **{"X-GLS-Project": "errors"}),
            _otlp_grpc(studio, body),
            _api(studio, "GET", "/projects/errors/spans"),
        )
    assert ingest.status_code == 503 and ingest.headers["Retry-After"] == "3"
    assert _rpc_status(ingest) == (14, None)
    assert rpc.code == grpc.StatusCode.UNAVAILABLE and rpc.retry_delay_s == 3
    assert "storage failed" in rpc.details
    assert read.status_code == 500 and _api_error(read) == "storage_error"


def test_storage_recovers_after_the_failure(studio) -> None:
    """The same request, retried once storage is back, is stored (the failure kept nothing)."""
    tid = new_trace_id()
    body = make_request([make_span(tid)]).SerializeToString()
    with spans_table_away(studio):
        assert _otlp_http(studio, body, **{"X-GLS-Project": "errors"}).status_code == 503
    assert _otlp_http(studio, body, **{"X-GLS-Project": "errors"}).status_code == 200
    resp = _api(studio, "GET", f"/projects/errors/traces/{tid.hex()}")
    assert resp.status_code == 200 and resp.json()["span_count"] == 1


def test_read_timeout_at_the_json_api(studio) -> None:
    """A read that runs out of time may pass later: 503 storage_error."""
    store = studio.store
    assert store is not None
    kept = store.settings
    # Reads get one microsecond (startup's own reads needed the usual time).
    store.settings = dataclasses.replace(kept, query_timeout_s=1e-6)
    try:
        resp = _api(studio, "GET", "/projects/errors/spans")
    finally:
        store.settings = kept
    assert resp.status_code == 503 and _api_error(resp) == "storage_error"
    assert "TIMEOUT_EXCEEDED" in resp.json()["error"]["message"]


# --- the table itself -----------------------------------------------------------------

# Each class with a door test above (StudioError itself has no producer: checked below).
TESTED_AT_THE_DOORS = {
    errors.ConflictError,
    errors.ForbiddenError,  # tests/test_browser_guard.py, every HTTP door (gRPC has no browser)
    errors.PermanentError,
    errors.InvalidParameterError,
    errors.NotFoundError,
    errors.PayloadTooLargeError,
    errors.UnsupportedMediaTypeError,
    errors.RefusedError,
    errors.RetryableError,
    StorageError,
}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_class_is_in_the_table_and_tested_at_the_doors() -> None:
    """The classes of errors.py each have their row and a door test; a feature's own
    class (carrying what it needs, e.g. an upload's row and column) subclasses one
    of them and is answered by its row, so the table stays the one place."""
    classes = _subclasses(errors.StudioError)
    kinds = {cls for cls in classes if cls.__module__ == errors.__name__}
    assert kinds <= {cls for cls, _ in STATUS_BY_CLASS}, "a class with no row of its own"
    assert kinds | {StorageError} == TESTED_AT_THE_DOORS
    for cls in classes - kinds:
        assert cls.__bases__[0] in kinds, f"{cls} must subclass one of errors.py's classes"
        assert status_for(cls.__new__(cls)) == status_for(
            cls.__bases__[0].__new__(cls.__bases__[0])
        )


def test_an_error_of_no_class_is_internal() -> None:
    status = status_for(errors.StudioError("a fault"))
    assert (status.http, status.grpc) == (500, GrpcCode.INTERNAL)
    status = status_for(ValueError("a bug"))
    assert (status.http, status.grpc) == (500, GrpcCode.INTERNAL)


def test_grpc_codes_are_google_rpc_codes() -> None:
    for code in GrpcCode:
        assert grpc.StatusCode[code.name].value[0] == code.value
