"""What an item's search runs on: its input, expected output and metadata as
compact JSON text (orjson, as both backends store them), lowercased (Python's
Unicode lowering, the same on both engines), kept per revision in
`dataset_item_revisions.search_text` when the revision is written.

The search term is lowered the same way and matched as a substring. Terms with
three letters or digits in a row are answered from each engine's trigram index
(PostgreSQL pg_trgm, SQLite FTS5's trigram tokenizer; search_index.py); shorter
ones have no trigram to look up and are matched over a bounded window of items.
"""

from __future__ import annotations

from typing import Any

import orjson

# Between the fields: JSON text never holds a raw control character, so no
# substring match runs from one field into the next unless the term holds one.
FIELD_SEPARATOR = "\x1f"
TRIGRAM = 3


def search_text(input_value: Any, expected: Any, metadata: Any) -> str:
    parts = (
        "" if v is None else orjson.dumps(v).decode() for v in (input_value, expected, metadata)
    )
    return FIELD_SEPARATOR.join(parts).lower()


def search_term(term: str) -> str:
    return term.lower()


def indexable(term: str) -> bool:
    """True when the term has a run of three letters or digits: pg_trgm makes its
    trigrams from such runs only (FTS5's trigrams take any three characters)."""
    run = 0
    for char in term:
        run = run + 1 if char.isalnum() else 0
        if run >= TRIGRAM:
            return True
    return False
