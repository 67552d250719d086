"""INSERT ... ON CONFLICT DO UPDATE on either backend: one statement, so two Studios
writing the same row at once both succeed, the later winning (a read then a write
would let both insert, and one fail)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import Insert


def upsert(
    dialect: str, model: type[DeclarativeBase], values: Mapping[str, Any], key: Sequence[str]
) -> Insert:
    """Inserts `values`, or updates every other column of the row whose `key` columns
    (a primary key or unique constraint) match."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(dict(values))
    changed = {name: statement.excluded[name] for name in values if name not in key}
    return statement.on_conflict_do_update(index_elements=list(key), set_=changed)
