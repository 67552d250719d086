"""Span storage: one interface (SpanStore), two backends (embedded chDB, ClickHouse server)."""

from gls_engine.storage.base import SpanStore, StorageError, open_store

__all__ = ["SpanStore", "StorageError", "open_store"]
