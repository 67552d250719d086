"""An item as a change names it (new items, patches) and as a version answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from gls_engine.datasets import names
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.errors import InvalidParameterError

CONTENT_FIELDS = ("input", "expected", "metadata", "split")


@dataclass(frozen=True)
class NewItem:
    id: str | None  # None: the Studio makes one
    input: Any
    expected: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    split: str | None = None
    source_trace_id: str | None = None
    source_span_id: str | None = None


@dataclass(frozen=True)
class ItemPatch:
    """The fields of an item to replace (the others kept)."""

    id: str
    fields: dict[str, Any]


def json_size_checked(name: str, value: Any, limits: DatasetLimits) -> Any:
    try:
        size = len(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise InvalidParameterError(f"{name} is not JSON: {exc}") from None
    if size > limits.max_cell_bytes:
        raise InvalidParameterError(
            f"{name} is {size} bytes as JSON, over the limit of {limits.max_cell_bytes}"
        )
    return value


def metadata_checked(name: str, value: Any, limits: DatasetLimits) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameterError(f"{name} must be a JSON object")
    return json_size_checked(name, value, limits)


def _content_field(where: str, key: str, value: Any, limits: DatasetLimits) -> Any:
    name = f"{where}.{key}"
    if key == "metadata":
        return metadata_checked(name, value, limits)
    if key == "split":
        return names.split_name(value, limits.max_split_chars, name)
    if key == "input" and value is None:
        raise InvalidParameterError(f"{name} must not be null")
    return json_size_checked(name, value, limits)


def new_item_from_json(where: str, document: Any, limits: DatasetLimits) -> NewItem:
    """`{"id"?, "input", "expected"?, "metadata"?, "split"?}` from a request."""
    if not isinstance(document, dict):
        raise InvalidParameterError(f"{where} must be an object")
    unknown = set(document) - {"id", *CONTENT_FIELDS}
    if unknown:
        raise InvalidParameterError(f"{where}.{sorted(unknown)[0]} is not an item field")
    if "input" not in document:
        raise InvalidParameterError(f"{where}.input is required")
    item_id = document.get("id")
    return NewItem(
        id=None if item_id is None else names.item_id(item_id, limits.max_id_chars, f"{where}.id"),
        input=_content_field(where, "input", document["input"], limits),
        expected=_content_field(where, "expected", document.get("expected"), limits),
        metadata=_content_field(where, "metadata", document.get("metadata"), limits),
        split=_content_field(where, "split", document.get("split"), limits),
    )


def patch_from_json(where: str, item_id: str, document: Any, limits: DatasetLimits) -> ItemPatch:
    if not isinstance(document, dict):
        raise InvalidParameterError(f"{where} must be an object")
    unknown = set(document) - {"id", *CONTENT_FIELDS}
    if unknown:
        raise InvalidParameterError(f"{where}.{sorted(unknown)[0]} is not an item field")
    fields = {k: _content_field(where, k, v, limits) for k, v in document.items() if k != "id"}
    if not fields:
        raise InvalidParameterError(
            f"{where} changes nothing: name input, expected, metadata or split"
        )
    return ItemPatch(item_id, fields)


def item_json(
    external_id: str,
    revision: Any,
    source_trace_id: str | None,
    source_span_id: str | None,
) -> dict[str, Any]:
    """An item as the API answers it, from its revision row."""
    return {
        "id": external_id,
        "input": revision.input,
        "expected": revision.expected,
        "metadata": revision.meta,
        "split": revision.split,
        "source_trace_id": source_trace_id,
        "source_span_id": source_span_id,
        "revision": {"version": revision.version, "kind": revision.kind},
    }
