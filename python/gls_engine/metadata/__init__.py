"""Metadata people edit (project settings now; users, keys, datasets later).

SQLite in the data directory on one machine; the schema is numbered
migrations like the span store's.
"""

from gls_engine.metadata.project_settings import (
    PriceOverride,
    ProjectSettings,
    RateCard,
    SettingsValidationError,
)
from gls_engine.metadata.store import MetadataStore

__all__ = [
    "MetadataStore",
    "PriceOverride",
    "ProjectSettings",
    "RateCard",
    "SettingsValidationError",
]
