"""The bounds of what datasets take: every one of them is a clear 4xx or a failed
job naming the row and column, never a silent cut."""

from __future__ import annotations

from dataclasses import dataclass

from gls_engine.config import Settings

MIB = 1024 * 1024


@dataclass(frozen=True)
class DatasetLimits:
    # An upload's file, as streamed to the data dir.
    max_upload_bytes: int = 2048 * MIB
    # One cell of an upload, or one field (input, expected, metadata) of an item as JSON.
    max_cell_bytes: int = 1 * MIB
    max_id_chars: int = 256
    max_split_chars: int = 128
    # Items in one JSON request (add, change set, from spans).
    max_items_per_request: int = 10_000
    max_json_body_bytes: int = 64 * MIB
    # Rows an upload job validates and inserts per transaction.
    upload_batch_rows: int = 1000
    # Revisions a search page walks in item order: a term without trigrams looks no
    # further (it answers what it found and a cursor to go on from); on PostgreSQL
    # every search walks this window before its index (reading.py).
    max_scanned_per_page: int = 5_000
    # PostgreSQL: how long a search page may look its term up in the trigram index
    # past that window before it answers what the window held (a term whose
    # trigrams are in most items makes the GIN index read most of itself).
    search_index_budget_ms: int = 50

    @classmethod
    def from_settings(cls, settings: Settings) -> DatasetLimits:
        """The bounds the Studio's settings choose (--dataset-max-upload-bytes,
        --dataset-max-cell-bytes, or GLS_DATASET_MAX_... variables)."""
        return cls(
            max_upload_bytes=settings.dataset_max_upload_bytes,
            max_cell_bytes=settings.dataset_max_cell_bytes,
        )
