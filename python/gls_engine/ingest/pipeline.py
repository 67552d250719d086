"""The ingest pipeline: decode -> admit -> group commit -> answer.

`IngestPipeline.consume()` is the one entry point both receivers call with the
raw request bytes. It returns only after the request's spans are stored (or
raises a StudioError the receiver maps to a status code). Nothing is queued
without limit: spans waiting for storage are counted against
`max_pending_spans`, and a request that would exceed it is refused (429).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from gls_engine import _core
from gls_engine.config import Settings
from gls_engine.errors import (
    PayloadTooLargeError,
    PermanentError,
    RefusedError,
    RetryableError,
)
from gls_engine.ingest.dedup import DedupWindow, request_digest
from gls_engine.ingest.enrichment import Enrichment
from gls_engine.ingest.memory_limiter import MemoryLimiter
from gls_engine.metrics import Counters
from gls_engine.request_params import PROJECT_RE
from gls_engine.storage import SpanStore, StorageError
from gls_engine.storage.retention import oldest_kept_ns

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportResult:
    accepted_spans: int
    rejected_spans: int = 0
    rejection_message: str = ""
    duplicate: bool = False


@dataclass(frozen=True)
class _Decoded:
    digest: bytes
    batch: pa.RecordBatch
    rejected: int
    message: str


@dataclass
class _PendingRequest:
    batch: pa.RecordBatch
    future: asyncio.Future[None]
    digest: bytes
    project_key: str
    enqueued: float = field(default_factory=time.monotonic)


# Called with every stored batch (e.g. the live WebSocket hub); must not block.
StoredListener = Callable[[pa.Table], None]


class IngestPipeline:
    def __init__(
        self,
        settings: Settings,
        store: SpanStore,
        counters: Counters,
        enrichment: Enrichment | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.counters = counters
        # Cost, energy and carbon per span; None leaves them unknown (NULL).
        self.enrichment = enrichment
        self.dedup = DedupWindow(settings.dedup_window_s)
        self._decode_pool = concurrent.futures.ThreadPoolExecutor(
            settings.decode_threads, thread_name_prefix="gls-decode"
        )
        self._queue: collections.deque[_PendingRequest] = collections.deque()
        self._pending_spans = 0  # admitted, not yet stored (queued or being inserted)
        self._inflight_bytes = 0  # request bodies being read or decoded
        self._inserting = 0  # inserts running now
        self._queued_spans = 0  # admitted, waiting for a writer
        self._wakeup = asyncio.Event()
        self._writers: list[asyncio.Task[None]] = []
        self._listeners: list[StoredListener] = []
        self._closing = False
        self.memory = MemoryLimiter(
            settings.memory_limit_mib,
            settings.memory_purge_mib,
            settings.memory_check_interval_ms,
            counters,
            store.release_free_memory,
            lambda: self._pending_spans,
        )

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        await self._preload_dedup()
        self.memory.start()
        self._writers = [
            asyncio.create_task(self._writer_loop(i), name=f"gls-writer-{i}")
            for i in range(self.settings.insert_threads)
        ]

    async def close(self) -> None:
        """Store everything admitted, then stop (a graceful shutdown loses nothing)."""
        self._closing = True
        self._wakeup.set()
        if self._writers:
            await asyncio.gather(*self._writers, return_exceptions=True)
        await self.memory.stop()
        self._decode_pool.shutdown(wait=True)

    def add_listener(self, listener: StoredListener) -> None:
        self._listeners.append(listener)

    @property
    def pending_spans(self) -> int:
        return self._pending_spans

    def reserve_body(self, size: int) -> None:
        """Count a body about to be read against max_inflight_bytes, or refuse it.

        Bodies are held before their spans count as pending; without this bound
        many concurrent large requests could take unbounded memory.
        """
        if self._inflight_bytes + size > self.settings.max_inflight_bytes:
            self.counters.add("requests_refused", 1)
            raise RefusedError(
                f"too many request bytes in flight ({self._inflight_bytes}); retry later",
                self.settings.retry_after_s,
            )
        self._refuse_over_memory_limit()
        self._inflight_bytes += size

    def release_body(self, size: int) -> None:
        self._inflight_bytes -= size

    # --- the one entry point ---------------------------------------------------
    async def consume(
        self,
        body: bytes,
        *,
        json: bool = False,
        gzip: bool = False,
        project_override: str | None = None,
        on_decoded: Callable[[], None] | None = None,
    ) -> ExportResult:
        """Decode, store, answer. The caller should not keep `body`: it is
        dropped once decoded (then `on_decoded` runs), so a request waiting for
        its commit holds its Arrow batch only (at C = 256, 170 MB of bodies)."""
        if self._closing:
            raise RetryableError("server is shutting down", self.settings.retry_after_s)
        self.counters.add("requests_received", 1)
        if project_override is not None and not PROJECT_RE.fullmatch(project_override):
            # The header names the project of the whole request: refused whole (400 /
            # INVALID_ARGUMENT), not span by span as a resource's invalid project is.
            self.counters.add("requests_failed", 1, reason="invalid_project")
            raise PermanentError(
                f"project {project_override[:64]!r} (X-GLS-Project) is not a valid project"
                " name: 1-128 characters of [A-Za-z0-9._-]"
            )
        # Hashing and decoding run together off the event loop (one thread hop);
        # a retried request is decoded again, which is cheaper than hashing on the loop.
        try:
            decoded = await asyncio.get_running_loop().run_in_executor(
                self._decode_pool, self._decode, body, json, gzip, project_override
            )
        except _core.BodyTooLargeError as exc:
            self.counters.add("requests_failed", 1, reason="too_large")
            raise PayloadTooLargeError(str(exc)) from None
        except _core.DecodeError as exc:
            self.counters.add("requests_failed", 1, reason="invalid")
            raise PermanentError(str(exc)) from None
        finally:
            del body
            if on_decoded is not None:
                on_decoded()
        first_attempt = self.dedup.lookup(decoded.digest)
        if first_attempt is not None:
            self.counters.add("requests_deduplicated", 1)
            result: ExportResult = await asyncio.shield(first_attempt)
            return ExportResult(
                result.accepted_spans,
                result.rejected_spans,
                result.rejection_message,
                duplicate=True,
            )
        attempt = self.dedup.claim(decoded.digest)
        try:
            result = await self._store(decoded, project_override)
        except BaseException as exc:
            self.dedup.forget(decoded.digest)
            attempt.set_exception(
                exc if isinstance(exc, Exception) else RetryableError("cancelled")
            )
            attempt.exception()  # mark retrieved: retries of this digest start anew
            raise
        attempt.set_result(result)
        return result

    async def _store(self, decoded: _Decoded, project_override: str | None) -> ExportResult:
        accepted = decoded.batch.num_rows
        if decoded.rejected:
            self.counters.add("spans_rejected", decoded.rejected)
            self._count_for_project(
                "project_spans_rejected", decoded.rejected, decoded, project_override
            )
        result = ExportResult(accepted, decoded.rejected, decoded.message)
        if accepted == 0:
            return result
        self._refuse_over_memory_limit(accepted, decoded, project_override)
        if self._pending_spans + accepted > self.settings.max_pending_spans:
            self.counters.add("spans_refused", accepted)
            self.counters.add("requests_refused", 1)
            self._count_for_project("project_spans_refused", accepted, decoded, project_override)
            self._count_for_project("project_requests_refused", 1, decoded, project_override)
            raise RefusedError(
                f"ingest queue is full ({self._pending_spans} spans waiting for storage);"
                " retry later",
                self.settings.retry_after_s,
            )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(
            _PendingRequest(decoded.batch, future, decoded.digest, project_override or "")
        )
        self._pending_spans += accepted
        self._queued_spans += accepted
        self.counters.set_gauge("pending_spans", self._pending_spans)
        self._wakeup.set()
        # Shielded: a client that disconnects does not cancel a batch others share.
        await asyncio.shield(future)
        return result

    def _count_for_project(
        self, name: str, value: int, decoded: _Decoded, project_override: str | None
    ) -> None:
        """A refused or partly rejected request's count under its project, when its
        spans are of one (the notification centre shows it to that project). Only
        on those paths, never per accepted request."""
        if project_override is not None:
            self.counters.add(name, value, project=project_override)
            return
        column = decoded.batch.column("project")
        projects = set(pc.unique(column).to_pylist()) if len(column) else set()
        if len(projects) == 1:
            self.counters.add(name, value, project=projects.pop())

    def _refuse_over_memory_limit(
        self,
        spans: int = 0,
        decoded: _Decoded | None = None,
        project_override: str | None = None,
    ) -> None:
        """Refuse (429) while memory is over its limit and admitted spans are
        being stored; `spans` of a decoded request are counted as refused."""
        if not self.memory.refuses(self._pending_spans):
            return
        if spans:
            self.counters.add("spans_refused", spans)
        self.counters.add("requests_refused", 1, reason="memory")
        if decoded is not None:
            self._count_for_project("project_spans_refused", spans, decoded, project_override)
            self._count_for_project("project_requests_refused", 1, decoded, project_override)
        raise RefusedError(
            f"server memory is over its limit ({self.memory.last_rss >> 20} MiB of"
            f" {self.settings.memory_limit_mib} MiB) while {self._pending_spans} spans are"
            " being stored; retry later",
            self.settings.retry_after_s,
        )

    def _decode(
        self, body: bytes, json: bool, gzip: bool, project_override: str | None
    ) -> _Decoded:
        digest = request_digest(body, json=json, gzip=gzip, project=project_override)
        received_ns = time.time_ns()
        decoded = _core.decode_traces(
            body,
            json=json,
            gzip=gzip,
            max_body_bytes=self.settings.max_body_bytes,
            default_project=self.settings.default_project,
            project_override=project_override,
            received_ns=received_ns,
            oldest_start_ns=oldest_kept_ns(received_ns, self.settings.retention_days),
            enricher=None if self.enrichment is None else self.enrichment.current,
        )
        return _Decoded(
            digest, decoded.record_batch(), decoded.rejected_spans, decoded.rejection_message
        )

    # --- group commit ---------------------------------------------------------------
    async def _writer_loop(self, index: int) -> None:
        while True:
            max_wait = self.settings.batch_max_wait_ms / 1000
            while not self._queue:
                if self._closing:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
            # Let the batch fill up until it is full, the oldest request has
            # waited max_wait, or we are draining for shutdown; with
            # commit-when-idle, only while another insert is running (requests
            # then gather behind it, so batches grow with the load by themselves).
            while (
                self._queued_spans < self.settings.batch_max_spans
                and not self._closing
                and (self._inserting > 0 or not self.settings.batch_commit_when_idle)
                and (wait := max_wait - (time.monotonic() - self._queue[0].enqueued)) > 0
            ):
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), wait)
                except TimeoutError:
                    break
                if not self._queue:
                    break
            taken = self._take_batch()
            if taken:
                await self._commit(taken, index)

    def _take_batch(self) -> list[_PendingRequest]:
        taken: list[_PendingRequest] = []
        rows = 0
        while self._queue and (
            not taken or rows + self._queue[0].batch.num_rows <= self.settings.batch_max_spans
        ):
            item = self._queue.popleft()
            rows += item.batch.num_rows
            taken.append(item)
        self._queued_spans -= rows
        return taken

    async def _commit(self, taken: list[_PendingRequest], index: int) -> None:
        rows = sum(item.batch.num_rows for item in taken)
        table = pa.Table.from_batches([item.batch for item in taken])
        started = time.monotonic()
        self._inserting += 1
        try:
            await self.store.insert_spans(table, index, sketches=self.enrichment is not None)
        except StorageError as exc:
            self._release(rows)
            log.error("insert of %d spans failed: %s", rows, exc)
            self.counters.add("spans_failed", rows)
            error = RetryableError(
                f"storage failed, nothing from this request was acknowledged: {exc}",
                self.settings.retry_after_s,
            )
            for item in taken:
                if not item.future.done():
                    item.future.set_exception(error)
                    item.future.exception()
            return
        except BaseException:
            self._release(rows)
            raise
        self._release(rows)
        self.counters.add("spans_stored", rows)
        self.counters.add("batches_stored", 1)
        self.counters.add("insert_seconds", time.monotonic() - started)
        for item in taken:
            if not item.future.done():
                item.future.set_result(None)
        for listener in self._listeners:
            try:
                listener(table)
            except Exception:  # a listener must never fail the ingest path
                log.exception("stored-batch listener failed")
        await self._remember_digests(taken, index)

    def _release(self, rows: int) -> None:
        self._inserting -= 1
        self._wakeup.set()  # a writer waiting behind this insert may commit now
        self._pending_spans -= rows
        self.counters.set_gauge("pending_spans", self._pending_spans)

    # --- dedup persistence --------------------------------------------------------------
    async def _remember_digests(self, taken: list[_PendingRequest], index: int) -> None:
        now_ms = time.time_ns() // 1_000_000
        rows = [(item.digest, item.project_key, item.batch.num_rows, now_ms) for item in taken]
        try:
            await self.store.insert_request_digests(rows, index)
        except StorageError as exc:  # the spans are stored; only retry detection weakens
            log.warning("could not record request digests: %s", exc)

    async def _preload_dedup(self) -> None:
        rows = await self.store.query_rows(
            "SELECT hex(digest) AS digest, span_count,"
            " toUnixTimestamp64Milli(stored_at) AS stored_ms FROM ingest_requests"
            " WHERE stored_at > now64(3) - toIntervalSecond({window:UInt32})"
            " ORDER BY stored_at",
            {"window": self.settings.dedup_window_s},
            refusable=False,
        )
        now_ms = time.time_ns() // 1_000_000
        for row in rows:
            self.dedup.preload(
                bytes.fromhex(row["digest"]),
                (now_ms - row["stored_ms"]) / 1000,
                ExportResult(row["span_count"]),
            )
