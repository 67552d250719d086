"""Turning stored attribute text back into typed values (see docs/span-schema.md)."""

from __future__ import annotations

from typing import Any

import orjson

BOOL, INT, DOUBLE, BYTES, ARRAY, KVLIST, EMPTY = 1, 2, 3, 4, 5, 6, 7

# The keys whose string value the decoder may store once, in `input` / `output`
# (their key then in `input_key` / `output_key`, not in the map): the Input and
# Output rows of rust/src/decode/semconv/keys.rs, checked against it by
# tests/query/test_attributes.py. An attribute filter on any other key reads
# the map alone, not the input and output texts (the largest columns).
VERBATIM_INPUT_KEYS = frozenset(
    ("input.value", "gen_ai.input.messages", "traceloop.entity.input", "gen_ai.prompt")
)
VERBATIM_OUTPUT_KEYS = frozenset(
    ("output.value", "gen_ai.output.messages", "traceloop.entity.output", "gen_ai.completion")
)
_SPECIAL_DOUBLES = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}


def any_value_to_python(value: dict[str, Any]) -> Any:
    """An OTLP/JSON AnyValue as plain JSON (arrays as lists, kvlists as objects)."""
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        raw = value["doubleValue"]
        return _SPECIAL_DOUBLES.get(raw, raw) if isinstance(raw, str) else raw
    if "bytesValue" in value:
        return value["bytesValue"]
    if "arrayValue" in value:
        return [any_value_to_python(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return {
            kv["key"]: any_value_to_python(kv.get("value", {}))
            for kv in value["kvlistValue"].get("values", [])
        }
    return None


def decode_attribute(text: str, type_code: int | None) -> Any:
    if type_code is None:
        return text
    if type_code == BOOL:
        return text == "true"
    if type_code == INT:
        return int(text)
    if type_code == DOUBLE:
        if text in _SPECIAL_DOUBLES:
            return text  # JSON has no NaN/Infinity; attribute_types says it is a double
        return float(text)
    if type_code == BYTES:
        return text  # base64, as OTLP/JSON sends bytes
    if type_code == ARRAY:
        return [any_value_to_python(v) for v in orjson.loads(text).get("values", [])]
    if type_code == KVLIST:
        return {
            kv["key"]: any_value_to_python(kv.get("value", {}))
            for kv in orjson.loads(text).get("values", [])
        }
    if type_code == EMPTY:
        return None
    return text


def decode_attributes(attributes: dict[str, str], types: dict[str, int]) -> dict[str, Any]:
    return {key: decode_attribute(text, types.get(key)) for key, text in attributes.items()}


def key_values_to_python(key_values: list[dict[str, Any]]) -> dict[str, Any]:
    return {kv["key"]: any_value_to_python(kv.get("value", {})) for kv in key_values}
