"""Which columns of an uploaded file become an item's id, input, expected output,
metadata and split.

Query parameters name them: input_columns, expected_columns, metadata_columns
(comma-separated), split_column, id_column, and json_columns (cells holding JSON
text, parsed; a cell that does not parse fails the upload at its row).

Default, for each role not named: input is the column `input` if the file has
one, else every column no other role takes; expected is the first of
`expected`, `expected_output`, `output`; metadata is `metadata`; split is
`split`; id is `id` (absent: the Studio makes ids). A role given one column
named as its default is that column's value whole; any other columns become
an object keyed by column name ({"question": ..., "context": ...}).
`metadata` taken whole must be a JSON object, so in CSV it is a JSON column
by default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gls_engine.errors import InvalidParameterError

EXPECTED_DEFAULTS = ("expected", "expected_output", "output")
WHOLE_NAMES = {"input": ("input",), "expected": EXPECTED_DEFAULTS, "metadata": ("metadata",)}
QUERY_NAMES = (
    "input_columns",
    "expected_columns",
    "metadata_columns",
    "split_column",
    "id_column",
    "json_columns",
)


@dataclass(frozen=True)
class ColumnMapping:
    input: tuple[str, ...]
    expected: tuple[str, ...]
    metadata: tuple[str, ...]
    split: str | None
    id: str | None
    json_columns: frozenset[str]

    def whole(self, role: str) -> bool:
        """Is `role` one column's value as it is (not an object of columns)?"""
        columns: tuple[str, ...] = getattr(self, role)
        return len(columns) == 1 and columns[0] in WHOLE_NAMES[role]

    @property
    def columns(self) -> list[str]:
        named = [*self.input, *self.expected, *self.metadata]
        named += [c for c in (self.split, self.id) if c is not None]
        return list(dict.fromkeys(named))

    def to_json(self) -> dict[str, Any]:
        return {
            "input": list(self.input),
            "expected": list(self.expected),
            "metadata": list(self.metadata),
            "split": self.split,
            "id": self.id,
            "json_columns": sorted(self.json_columns),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnMapping:
        return cls(
            tuple(data["input"]),
            tuple(data["expected"]),
            tuple(data["metadata"]),
            data["split"],
            data["id"],
            frozenset(data["json_columns"]),
        )


def _listed(query: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    if name not in query:
        return None
    columns = tuple(c.strip() for c in query[name].split(",") if c.strip())
    if not columns and name == "input_columns":
        raise InvalidParameterError("input_columns must name at least one column")
    return columns


def _one(query: Mapping[str, str], name: str) -> str | None:
    if name not in query:
        return None
    value = query[name].strip()
    if not value:
        raise InvalidParameterError(f"{name} must name a column")
    return value


def resolve_mapping(
    query: Mapping[str, str], columns: Sequence[str], file_format: str
) -> ColumnMapping:
    """The mapping a request's query names, defaults filled in from the file's
    `columns`; 400 naming the parameter and the column a mapping names that the
    file lacks."""
    present = set(columns)
    split = _one(query, "split_column")
    if split is None and "split" in present:
        split = "split"
    item_id = _one(query, "id_column")
    if item_id is None and "id" in present:
        item_id = "id"
    expected = _listed(query, "expected_columns")
    if expected is None:
        expected = next(((c,) for c in EXPECTED_DEFAULTS if c in present), ())
    metadata = _listed(query, "metadata_columns")
    if metadata is None:
        metadata = ("metadata",) if "metadata" in present else ()
    input_columns = _listed(query, "input_columns")
    if input_columns is None:
        if "input" in present:
            input_columns = ("input",)
        else:
            taken = {*expected, *metadata, split, item_id}
            input_columns = tuple(c for c in columns if c not in taken)
            if not input_columns:
                raise InvalidParameterError(
                    "input_columns: the file has no column left for the input; name them"
                )
    json_listed = _listed(query, "json_columns")
    if json_listed is None:
        json_listed = ("metadata",) if metadata == ("metadata",) and file_format == "csv" else ()
    for parameter, names in (
        ("input_columns", input_columns),
        ("expected_columns", expected),
        ("metadata_columns", metadata),
        ("split_column", (split,) if split else ()),
        ("id_column", (item_id,) if item_id else ()),
        ("json_columns", json_listed),
    ):
        for name in names:
            if name not in present:
                shown = ", ".join(repr(c) for c in list(columns)[:50])
                raise InvalidParameterError(
                    f"{parameter}: column {name!r} is not in the file (its columns: {shown})"
                )
    return ColumnMapping(input_columns, expected, metadata, split, item_id, frozenset(json_listed))
