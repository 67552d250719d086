"""JSON Schema: the output is JSON that a user's schema (draft 2020-12) accepts.

The schema is checked when the evaluator is made: a bad schema is a 400 naming
where it is wrong. Its `pattern` and `patternProperties` match with RE2 instead
of Python's backtracking `re` (a user's pattern must not hang the server; see
linear_regex.py), which is why patterns RE2 refuses are refused here, and why
`unevaluatedProperties` beside `patternProperties` is refused (jsonschema
matches those with `re` in code that cannot be swapped).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import orjson
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import SchemaError

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.linear_regex import compile_linear
from gls_engine.evaluators.parameters import error_path, object_schema
from gls_engine.evaluators.score import Score
from gls_engine.evaluators.text_normalisation import shortened

MAX_REPORTED_ERRORS = 5
SCHEMA_FIELD = "parameters.schema"


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    # Compiled by RE2 once when the schema was checked, so this cannot fail.
    return compile_linear(pattern, SCHEMA_FIELD)


def _matches(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{shortened(instance, 60)!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in properties and not any(_matches(p, key) for p in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        listed = ", ".join(repr(shortened(e, 60)) for e in sorted(extras)[:10])
        yield ValidationError(f"additional properties are not allowed ({listed})")


LinearValidator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str, Any]]:
    """Every (path, key, value) of a schema's objects, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def checked_schema(schema: dict) -> None:
    """Refuse a schema jsonschema would not accept or this evaluator cannot run safely."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = error_path(SCHEMA_FIELD, exc.absolute_path)
        raise InvalidParameterError(f"{where}: {exc.message[:300]}") from None
    has_pattern_properties = False
    for path, key, value in _walk(schema):
        if key == "pattern" and isinstance(value, str):
            compile_linear(value, error_path(SCHEMA_FIELD, (*path, key)))
        elif key == "patternProperties" and isinstance(value, dict):
            has_pattern_properties = True
            for pattern in value:
                compile_linear(pattern, error_path(SCHEMA_FIELD, (*path, key)))
    if has_pattern_properties and any(k == "unevaluatedProperties" for _, k, _ in _walk(schema)):
        raise InvalidParameterError(
            f"{SCHEMA_FIELD}: unevaluatedProperties with patternProperties is not supported"
        )


class JsonSchemaMatch(Evaluator):
    name = "json_schema"
    score_kind = "boolean"
    description = (
        "Passes when the output is JSON that `schema` (JSON Schema draft 2020-12) "
        "accepts; the explanation lists the first errors with their paths. Patterns "
        "are RE2's (no backreferences or lookaround)."
    )
    parameter_schema = object_schema(
        {"schema": {"type": "object", "description": "A JSON Schema (draft 2020-12)."}},
        required=("schema",),
    )

    def configure(self) -> None:
        checked_schema(self.parameters["schema"])
        self.validator = LinearValidator(self.parameters["schema"])

    def score(self, case: EvalCase) -> Score:
        value = case.output
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                return Score.boolean(self.name, False, f"not JSON: {exc}")
        try:
            errors = sorted(self.validator.iter_errors(value), key=lambda e: list(e.path))
        except RecursionError:
            return Score.failed(self.name, "boolean", "the schema refers to itself without end")
        if not errors:
            return Score.boolean(self.name, True)
        reported = [
            f"{error_path('$', e.absolute_path)}: {e.message[:200]}"
            for e in errors[:MAX_REPORTED_ERRORS]
        ]
        more = len(errors) - len(reported)
        return Score.boolean(
            self.name, False, "; ".join(reported) + (f" (and {more} more)" if more > 0 else "")
        )
