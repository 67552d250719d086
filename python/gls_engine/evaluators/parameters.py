"""An evaluator's parameters: described by a JSON Schema (which the UI renders as a
form) and validated against it, defaults filled in.

A parameter that breaks its schema is a 400 naming it (`parameters.threshold:
...`), the first error by path so the message is stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from gls_engine.errors import InvalidParameterError

MAX_MESSAGE_CHARS = 300


def object_schema(properties: dict[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def error_path(field: str, path: Any) -> str:
    return "".join([field, *(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)])


def validated_parameters(
    schema: dict, parameters: Mapping[str, Any] | None, field: str = "parameters"
) -> dict[str, Any]:
    given = {} if parameters is None else parameters
    if not isinstance(given, Mapping):
        raise InvalidParameterError(f"{field} must be an object")
    errors = sorted(
        Draft202012Validator(schema).iter_errors(dict(given)), key=lambda e: list(e.path)
    )
    if errors:
        first = errors[0]
        # A missing or unknown key is reported at the object: name the key itself.
        where = error_path(field, first.absolute_path)
        raise InvalidParameterError(f"{where}: {first.message[:MAX_MESSAGE_CHARS]}")
    filled = {
        name: spec["default"]
        for name, spec in schema.get("properties", {}).items()
        if "default" in spec
    }
    filled.update(given)
    return filled
