"""Span storage: one interface (SpanStore), two backends (embedded chDB, ClickHouse server)."""

from gls_engine.storage.backends import open_store
from gls_engine.storage.base import SpanStore, StorageError

__all__ = ["SpanStore", "StorageError", "open_store"]
