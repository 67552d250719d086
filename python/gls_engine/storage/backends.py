"""Which backend the settings name: `open_store` is the one place that knows them all.

It lives apart from the interface (base.py) because each backend imports the
interface: with `open_store` in base.py, base and its backends imported each other.
"""

from __future__ import annotations

from gls_engine.config import Settings
from gls_engine.metrics import Counters
from gls_engine.storage.base import SpanStore
from gls_engine.storage.chdb_store import ChdbStore
from gls_engine.storage.clickhouse_store import ClickHouseStore


def open_store(settings: Settings, counters: Counters | None = None) -> SpanStore:
    if settings.storage == "chdb":
        return ChdbStore(settings, counters)
    return ClickHouseStore(settings, counters)
