"""The trigram index of dataset_item_revisions.search_text, one per engine, made by
migration 0008 and not by the models (neither SQLAlchemy nor Alembic describes
them; env.py and the schema test leave these names out of comparisons):

- PostgreSQL: a GIN index with pg_trgm's gin_trgm_ops (the extension is trusted:
  a database owner creates it; Debian's postgresql package ships it). The
  planner answers `search_text LIKE '%term%'` from it, or walks the items in
  order when the term is common.
- SQLite: an FTS5 table with the trigram tokenizer, contentless (the text is in
  the revisions already), kept in step by triggers on insert and delete (a
  revision's text never changes). Its rowid is the revision's key, item_id *
  2^31 + version (versions are below 2^31, item row ids below 2^32), so its
  matches come in item order, from any cursor, and no rowid of the revisions
  table (which VACUUM may renumber) is relied on. A migration that rebuilds
  dataset_item_revisions on SQLite drops the triggers with the table: make them
  again (SQLITE_TRIGGERS).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

POSTGRES_INDEX = "ix_dataset_item_revisions_search_trgm"
SQLITE_TRIGRAM_SINCE = (3, 34, 0)
SQLITE_TABLE = "dataset_item_search"
VERSION_BITS = 31
VERSION_MASK = (1 << VERSION_BITS) - 1

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX {POSTGRES_INDEX} ON dataset_item_revisions USING gin (search_text gin_trgm_ops)",
]
POSTGRES_DROP = [f"DROP INDEX IF EXISTS {POSTGRES_INDEX}"]

_KEY_NEW = f"(new.item_id << {VERSION_BITS}) + new.version"
_KEY_OLD = f"(old.item_id << {VERSION_BITS}) + old.version"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER {SQLITE_TABLE}_insert AFTER INSERT ON dataset_item_revisions BEGIN"
    f" INSERT INTO {SQLITE_TABLE}(rowid, search_text) VALUES ({_KEY_NEW}, new.search_text);"
    " END",
    f"CREATE TRIGGER {SQLITE_TABLE}_delete AFTER DELETE ON dataset_item_revisions BEGIN"
    f" INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_text)"
    f" VALUES ('delete', {_KEY_OLD}, old.search_text);"
    " END",
]
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5("
    "search_text, content='', tokenize='trigram case_sensitive 1')",
    # the revisions already there
    f"INSERT INTO {SQLITE_TABLE}(rowid, search_text)"
    f" SELECT (item_id << {VERSION_BITS}) + version, search_text FROM dataset_item_revisions",
    *SQLITE_TRIGGERS,
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_insert",
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
]


def missing_support(connection: Connection) -> str | None:
    """Why this database cannot hold the search index (None: it can), said before
    the migration fails on it with the engine's own words."""
    if connection.dialect.name == "postgresql":
        installed = connection.execute(
            text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        ).first()
        available = connection.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).first()
        if installed is None and available is None:
            return (
                "PostgreSQL's pg_trgm extension (dataset search) is not installed on the"
                " server: install its contrib package (postgresql-contrib; Debian's"
                " postgresql package has it)"
            )
        return None
    version = connection.execute(text("SELECT sqlite_version()")).scalar_one()
    if tuple(int(part) for part in str(version).split(".")[:3]) < SQLITE_TRIGRAM_SINCE:
        return f"SQLite {version} has no FTS5 trigram tokenizer (dataset search): 3.34 or later is needed"
    return None


def is_search_index_object(name: str | None) -> bool:
    """The FTS5 table and its shadow tables, or the GIN index."""
    return name is not None and (name == POSTGRES_INDEX or name.startswith(SQLITE_TABLE))


def fts_phrase(term: str) -> str:
    """The term as one FTS5 phrase: an exact substring with the trigram tokenizer."""
    return '"' + term.replace('"', '""') + '"'
