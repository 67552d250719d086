"""Acknowledged spans survive kill -9; retries are not stored twice; graceful stop drains."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import requests

from conftest import make_studio
from otlp_helpers import api_get, make_request, make_span, new_trace_id, post_protobuf

PROJECT = "crash"


def _count_spans(studio, project: str) -> int:
    rows = api_get(studio.api, f"/api/v1/projects/{project}/traces", limit=1000)
    return sum(t["span_count"] for t in rows["traces"])


def test_acknowledged_spans_survive_sigkill_under_load(tmp_path) -> None:
    studio = make_studio(tmp_path).start()
    acked: list[bytes] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(worker: int) -> None:
        session = requests.Session()
        while not stop.is_set():
            tid = new_trace_id()
            spans = [make_span(tid, name=f"w{worker}-{i}") for i in range(200)]
            body = make_request(spans).SerializeToString()
            try:
                resp = session.post(
                    studio.otlp_http,
                    data=body,
                    timeout=10,
                    headers={"Content-Type": "application/x-protobuf", "X-GLS-Project": PROJECT},
                )
            except requests.RequestException:
                return  # the server died mid-request: that request was never acknowledged
            if resp.status_code == 200:
                with lock:
                    acked.append(tid)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for w in range(4):
            pool.submit(sender, w)
        deadline = time.monotonic() + 60
        while len(acked) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        studio.kill9()  # mid-load: requests are in flight, batches half gathered
        stop.set()
    assert len(acked) >= 30, "the load never got going"

    studio.start()
    try:
        missing = []
        for tid in acked:
            resp = requests.get(
                f"{studio.api}/api/v1/projects/{PROJECT}/traces/{tid.hex()}", timeout=30
            )
            if resp.status_code != 200 or resp.json()["span_count"] != 200:
                missing.append(tid.hex())
        assert not missing, (
            f"{len(missing)} of {len(acked)} acknowledged traces lost: {missing[:5]}"
        )
    finally:
        studio.stop()


def test_retried_request_is_stored_once(tmp_path) -> None:
    studio = make_studio(tmp_path).start()
    try:
        tid = new_trace_id()
        body = make_request([make_span(tid, name=f"s{i}") for i in range(50)]).SerializeToString()
        headers = {"X-GLS-Project": "retry"}
        assert post_protobuf(studio.otlp_http, body, headers).status_code == 200
        assert post_protobuf(studio.otlp_http, body, headers).status_code == 200
        trace = api_get(studio.api, f"/api/v1/projects/retry/traces/{tid.hex()}")
        assert trace["span_count"] == 50
        listed = api_get(studio.api, "/api/v1/projects/retry/traces")["traces"]
        assert [t["span_count"] for t in listed] == [50]
        # The dedup window survives a restart (digests are stored with the spans).
        studio.stop()
        studio.start()
        assert post_protobuf(studio.otlp_http, body, headers).status_code == 200
        listed = api_get(studio.api, "/api/v1/projects/retry/traces")["traces"]
        assert [t["span_count"] for t in listed] == [50]
        status = api_get(studio.api, "/api/v1/status")
        assert status["counters"]["requests_deduplicated"] >= 1
    finally:
        studio.stop()


def test_graceful_stop_stores_everything_acknowledged(tmp_path) -> None:
    studio = make_studio(
        tmp_path, "--batch-max-wait-ms", "500", "--no-batch-commit-when-idle"
    ).start()
    try:
        tids = [new_trace_id() for _ in range(8)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(
                    lambda t: (
                        post_protobuf(
                            studio.otlp_http,
                            make_request([make_span(t)]),
                            {"X-GLS-Project": "drain"},
                        ).status_code
                    ),
                    tids,
                )
            )
        assert codes == [200] * 8
        assert studio.stop() == 0
        studio.start()
        assert _count_spans(studio, "drain") == 8
    finally:
        studio.stop()
