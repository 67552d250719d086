"""The pipeline in-process: a storage failure answers retryable, loses nothing acknowledged."""

from __future__ import annotations

import asyncio

import pytest

from gls_engine.config import settings_for_tests
from gls_engine.errors import PermanentError, RetryableError
from gls_engine.ingest import IngestPipeline
from gls_engine.metrics import Counters
from gls_engine.storage import StorageError
from gls_engine.storage.chdb_store import ChdbStore

from otlp_helpers import make_request, make_span, new_trace_id


class FailingOnceStore(ChdbStore):
    """The real chDB store whose next span insert fails, as a full disk would."""

    fail_next = False

    def _insert_arrow(self, table_name, table, writer_index):
        if table_name == "spans" and self.fail_next:
            self.fail_next = False
            raise StorageError("disk full (injected)")
        super()._insert_arrow(table_name, table, writer_index)


@pytest.fixture
async def pipeline(tmp_path):
    settings = settings_for_tests(data_dir=str(tmp_path / "d"), batch_max_wait_ms=1)
    store = FailingOnceStore(settings)
    await store.start()
    counters = Counters()
    pipeline = IngestPipeline(settings, store, counters)
    await pipeline.start()
    yield pipeline
    await pipeline.close()
    await store.close()


async def _span_count(store, tid: bytes) -> int:
    rows = await store.query_rows(
        "SELECT count() AS n FROM spans WHERE trace_id = unhex({t:String})", {"t": tid.hex()}
    )
    return rows[0]["n"]


async def test_storage_failure_is_retryable_and_retry_is_stored(pipeline) -> None:
    tid = new_trace_id()
    body = make_request([make_span(tid) for _ in range(10)]).SerializeToString()
    pipeline.store.fail_next = True
    with pytest.raises(RetryableError, match="disk full"):
        await pipeline.consume(body)
    assert pipeline.counters.get("spans_failed") == 10
    assert await _span_count(pipeline.store, tid) == 0
    result = await pipeline.consume(body)  # the exporter's retry: processed anew, not deduplicated
    assert result.accepted_spans == 10 and not result.duplicate
    assert await _span_count(pipeline.store, tid) == 10
    assert pipeline.pending_spans == 0


async def test_concurrent_requests_share_a_batch(pipeline) -> None:
    pipeline.settings = settings_for_tests(
        data_dir=pipeline.settings.data_dir, batch_max_wait_ms=200
    )
    tids = [new_trace_id() for _ in range(20)]
    bodies = [make_request([make_span(t)]).SerializeToString() for t in tids]
    before = pipeline.counters.get("batches_stored")
    results = await asyncio.gather(*(pipeline.consume(b) for b in bodies))
    assert all(r.accepted_spans == 1 for r in results)
    assert pipeline.counters.get("batches_stored") - before < 20  # group commit happened
    for tid in tids:
        assert await _span_count(pipeline.store, tid) == 1


async def test_same_body_in_flight_twice_is_stored_once(pipeline) -> None:
    tid = new_trace_id()
    body = make_request([make_span(tid) for _ in range(3)]).SerializeToString()
    first, second = await asyncio.gather(pipeline.consume(body), pipeline.consume(body))
    assert first.accepted_spans == second.accepted_spans == 3
    assert [first.duplicate, second.duplicate].count(True) == 1
    assert await _span_count(pipeline.store, tid) == 3


async def test_undecodable_body_is_permanent(pipeline) -> None:
    with pytest.raises(PermanentError, match="protobuf"):
        await pipeline.consume(b"\x0a\xff\xff")
    assert pipeline.counters.get("requests_failed", reason="invalid") == 1
