"""A full pipeline answers 429 / RESOURCE_EXHAUSTED with Retry-After; nothing is lost silently."""

from __future__ import annotations

import concurrent.futures
import time

import grpc
import requests
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from conftest import make_studio
from otlp_helpers import api_get, make_request, make_span, new_trace_id, post_protobuf


def test_full_pipeline_refuses_with_retry_after(tmp_path) -> None:
    # Batches wait up to 3 s to fill (to 5000 spans), and at most 1000 spans may
    # wait: the third concurrent 500-span request finds the pipeline full.
    studio = make_studio(
        tmp_path,
        "--max-pending-spans",
        "1000",
        "--batch-max-spans",
        "5000",
        "--batch-max-wait-ms",
        "3000",
        "--no-batch-commit-when-idle",
        "--retry-after-s",
        "2",
    ).start()
    try:
        tids = [new_trace_id() for _ in range(6)]
        bodies = [
            make_request([make_span(t) for _ in range(500)]).SerializeToString() for t in tids
        ]

        def send(body: bytes) -> requests.Response:
            return requests.post(
                studio.otlp_http,
                data=body,
                timeout=30,
                headers={"Content-Type": "application/x-protobuf", "X-GLS-Project": "pressure"},
            )

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(send, bodies))
        codes = sorted(r.status_code for r in responses)
        assert codes.count(200) >= 1 and codes.count(429) >= 1, codes
        refused = [r for r in responses if r.status_code == 429]
        for r in refused:
            assert r.headers["Retry-After"] == "2"
        stored = api_get(studio.api, "/api/v1/projects/pressure/traces", limit=1000)["traces"]
        assert len(stored) == codes.count(200)
        assert all(t["span_count"] == 500 for t in stored)
        status = api_get(studio.api, "/api/v1/status")["counters"]
        assert status["spans_refused"] == 500 * len(refused)
        assert status["requests_refused"] == len(refused)

        # gRPC: the same limit answers RESOURCE_EXHAUSTED.
        channel = grpc.insecure_channel(studio.otlp_grpc)
        stub = trace_service_pb2_grpc.TraceServiceStub(channel)
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        requests_ = [ExportTraceServiceRequest.FromString(b) for b in bodies]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            futures = [
                pool.submit(
                    stub.Export, r, timeout=30, metadata=(("x-gls-project", "pressure-grpc"),)
                )
                for r in requests_
            ]
            codes = []
            for f in futures:
                try:
                    f.result()
                    codes.append("OK")
                except grpc.RpcError as exc:
                    codes.append(exc.code().name)
                    assert "full" in exc.details()
        assert "OK" in codes and "RESOURCE_EXHAUSTED" in codes, codes
        channel.close()
    finally:
        studio.stop()


def test_request_bytes_in_flight_are_bounded(tmp_path) -> None:
    """Bodies held before decoding count too: one larger than the in-flight budget is refused."""
    studio = make_studio(tmp_path, "--max-inflight-bytes", "100000").start()
    try:
        big = make_request(
            [make_span(new_trace_id(), attributes={"input.value": "x" * 2000}) for _ in range(100)]
        ).SerializeToString()
        assert len(big) > 100_000
        resp = requests.post(
            studio.otlp_http,
            data=big,
            timeout=30,
            headers={"Content-Type": "application/x-protobuf"},
        )
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
        # gRPC applies the same budget.
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        with grpc.insecure_channel(studio.otlp_grpc) as channel:
            stub = trace_service_pb2_grpc.TraceServiceStub(channel)
            try:
                stub.Export(ExportTraceServiceRequest.FromString(big), timeout=30)
                code = "OK"
            except grpc.RpcError as exc:
                code = exc.code().name
        assert code == "RESOURCE_EXHAUSTED"
        small = make_request([make_span(new_trace_id())]).SerializeToString()
        resp = requests.post(
            studio.otlp_http, data=small, headers={"Content-Type": "application/x-protobuf"}
        )
        assert resp.status_code == 200
        assert api_get(studio.api, "/api/v1/status")["counters"]["requests_refused"] == 2
    finally:
        studio.stop()


def test_a_request_waiting_for_its_commit_no_longer_holds_its_body(tmp_path) -> None:
    """The in-flight budget covers bodies until decoded: a request whose spans wait
    2 s for their batch does not keep a second body of the same size out."""
    studio = make_studio(
        tmp_path,
        "--max-inflight-bytes",
        "90000",
        "--batch-max-wait-ms",
        "2000",
        "--no-batch-commit-when-idle",
    ).start()
    try:
        bodies = [
            make_request(
                [
                    make_span(new_trace_id(), attributes={"input.value": "y" * 1000})
                    for _ in range(50)
                ]
            ).SerializeToString()
            for _ in range(2)
        ]
        assert all(60_000 > len(b) > 45_000 for b in bodies)  # two do not fit at once

        def send(body: bytes, delay: float) -> requests.Response:
            time.sleep(delay)
            return post_protobuf(studio.otlp_http, body, {"X-GLS-Project": "bodies"})

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = pool.submit(send, bodies[0], 0)
            second = pool.submit(send, bodies[1], 0.7)  # the first is waiting for its batch
            codes = [first.result().status_code, second.result().status_code]
        assert codes == [200, 200]
        traces = api_get(studio.api, "/api/v1/projects/bodies/traces", limit=1000)["traces"]
        assert len(traces) == 100
    finally:
        studio.stop()
