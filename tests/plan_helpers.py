"""Reading ClickHouse's query plan in tests: which indexes ruled out which parts."""

from __future__ import annotations

import json


def explain_indexes(store, sql: str, params: dict) -> list[dict]:
    """Every index step of the plan of `sql` (Type, Name, Initial Parts, Selected Parts...)."""
    # The plan quotes binary ids: not UTF-8, so read the raw bytes.
    raw = store._query_bytes(f"EXPLAIN json = 1, indexes = 1 {sql}", params)
    [line] = raw.decode("utf-8", "replace").splitlines()
    plan = json.loads(next(iter(json.loads(line).values())))

    found: list[dict] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            found.extend(node.get("Indexes", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan)
    return found
