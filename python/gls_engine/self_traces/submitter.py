"""Stores a SelfTrace through the ingest pipeline exactly as the OTLP/HTTP
receiver stores a request (the body counted against the in-flight budget,
decoded by the Rust core, enriched, group-committed, published live), into the
trace's project. A trace that cannot be stored (the queue full, memory over its
limit, storage down) is logged and answered False: the work it recorded has
been done, and must not fail for want of its trace."""

from __future__ import annotations

import logging

from gls_engine.errors import StudioError
from gls_engine.ingest.pipeline import IngestPipeline
from gls_engine.self_traces.otlp_encoding import export_request
from gls_engine.self_traces.self_trace import SelfTrace

log = logging.getLogger(__name__)


class SelfTraceSubmitter:
    def __init__(self, pipeline: IngestPipeline) -> None:
        self._pipeline = pipeline

    async def submit(self, trace: SelfTrace) -> bool:
        """True once the trace's spans are stored (some may be rejected, as the
        pipeline rejects any span); False if none could be."""
        body = export_request(trace)
        reserved = 0

        def release() -> None:
            nonlocal reserved
            self._pipeline.release_body(reserved)
            reserved = 0

        try:
            self._pipeline.reserve_body(len(body))
            reserved = len(body)
            result = await self._pipeline.consume(
                body, project_override=trace.project, on_decoded=release
            )
        except StudioError as exc:
            log.warning(
                "the Studio's own trace %s (%s) was not stored: %s",
                trace.trace_id_hex,
                trace.environment,
                exc,
            )
            return False
        finally:
            release()
        if result.rejected_spans:
            log.warning(
                "the Studio's own trace %s: %d spans rejected: %s",
                trace.trace_id_hex,
                result.rejected_spans,
                result.rejection_message,
            )
        return result.accepted_spans > 0
