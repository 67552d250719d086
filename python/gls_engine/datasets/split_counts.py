"""A version's exact item count per split, stored with the version when it is made
(dataset_versions.split_counts): a version starts from its parent's counts and
adds what it changed, so no request counts a million rows.

Stored and answered as [{"split": name or null, "item_count": n}], names in
order, items without a split (null) last, splits with no item left out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

SplitCounts = Counter[str | None]


def from_json(stored: list[dict[str, Any]] | None) -> SplitCounts:
    return Counter({entry["split"]: int(entry["item_count"]) for entry in stored or []})


def to_json(counts: SplitCounts) -> list[dict[str, Any]]:
    names = sorted(name for name, n in counts.items() if name is not None and n > 0)
    answer: list[dict[str, Any]] = [{"split": name, "item_count": counts[name]} for name in names]
    if counts.get(None, 0) > 0:
        answer.append({"split": None, "item_count": counts[None]})
    return answer
