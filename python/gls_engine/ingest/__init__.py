"""Ingestion: receivers -> IngestPipeline.consume -> group-commit writer -> storage."""

from gls_engine.ingest.pipeline import ExportResult, IngestPipeline

__all__ = ["ExportResult", "IngestPipeline"]
