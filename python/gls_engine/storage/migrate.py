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


MIGRATIONS = load_migrations("gls_engine.storage.migrations")
