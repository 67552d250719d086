"""Metadata people edit (project settings now; datasets, evaluators, experiments next).

SQLAlchemy 2 (async) on SQLite, the embedded default, or PostgreSQL, with Alembic
migrations applied at open (docs/metadata.md). What a feature needs:

- `MetadataStore(url)`: `await store.open()`, then `store.sessions()` (an
  AsyncSession factory), `store.engine`, `store.dialect`; the project settings.
- `Base`: the declarative base a new table's model extends (models/).
- `create_metadata_engine(url)`, `create_session_factory(engine)`: the same engine
  and sessions without a store (tools, tests).
- `upsert(dialect, Model, values, key)`: insert or update in one statement.
"""

from gls_engine.metadata.engine import create_metadata_engine
from gls_engine.metadata.migrate import MetadataMigrationError, upgrade_to_head
from gls_engine.metadata.models import Base, UtcDateTime
from gls_engine.metadata.project_settings import (
    PriceOverride,
    ProjectSettings,
    RateCard,
    SettingsValidationError,
)
from gls_engine.metadata.sessions import MetadataDatabaseUnavailable, create_session_factory
from gls_engine.metadata.store import MetadataOpenError, MetadataStore
from gls_engine.metadata.upsert import upsert
from gls_engine.metadata.urls import (
    MetadataUrlError,
    async_metadata_url,
    printable_url,
)

__all__ = [
    "Base",
    "MetadataDatabaseUnavailable",
    "MetadataMigrationError",
    "MetadataStore",
    "MetadataOpenError",
    "MetadataUrlError",
    "PriceOverride",
    "ProjectSettings",
    "RateCard",
    "SettingsValidationError",
    "UtcDateTime",
    "async_metadata_url",
    "create_metadata_engine",
    "create_session_factory",
    "printable_url",
    "upgrade_to_head",
    "upsert",
]
