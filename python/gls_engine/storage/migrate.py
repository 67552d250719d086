"""Numbered schema migrations: `migrations/NNNN_name.sql`, applied in order, once."""

from __future__ import annotations

import re
from importlib import resources


def load_migrations(package: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of the package's `NNNN_name.sql` files, in order."""
    found = []
    for entry in resources.files(package).iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Split a migration file on `;` at line ends. Comment lines go first, so a
    comment ending in `;` never splits a statement."""
    code = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [chunk.strip() for chunk in re.split(r";\s*(?:\n|$)", code) if chunk.strip()]


# `ALTER TABLE t ADD COLUMN ...` and `ADD INDEX ...` with nothing after them: several in
# a row on one table are one ALTER of several actions (ClickHouse's syntax), each
# ALTER costing ~10 ms of metadata commit on chDB whatever it does (a fresh store's
# 21 migrations: 0.98 s, ~60% of a test Studio's start).
_SIMPLE_ALTER = re.compile(
    r"ALTER TABLE (\w+) ((?:ADD COLUMN|ADD INDEX) IF NOT EXISTS (?:(?!\bSETTINGS\b)[^;])*)",
    re.DOTALL,
)


def merged_alters(statements: list[str]) -> list[str]:
    """The statements in order, consecutive simple ALTERs of one table made one."""
    merged: list[str] = []
    table: str | None = None
    for statement in statements:
        found = _SIMPLE_ALTER.fullmatch(statement)
        if found and found.group(1) == table:
            merged[-1] += ", " + found.group(2)
            continue
        merged.append(statement)
        table = found.group(1) if found else None
    return merged


MIGRATIONS = load_migrations("gls_engine.storage.migrations")
