"""The input fields of a GreenLang agent, for `GET /greenlang/agents` and the
playground's forms, from what the agent itself says:

1. a JSON Schema the package bundles for it (`greenlang/schemas/<agent_id>_input.schema.json`:
   FuelAgent and BoilerAgent in 0.3.0), with types, descriptions and `required`;
2. `get_input_schema()` of a `greenlang.sdk.base.Agent` that overrides it;
3. else the fields its code reads: `input_data["x"]`, `input_data.get("x")` and
   `"x" in input_data` in its `run` / `execute` / `validate` / `validate_input`
   methods (read with `ast` from the installed source, never executed).

The TypedDicts in `greenlang/agents/types.py` are not used: in 0.3.0 they
disagree with the code (FuelInput names `consumption`, FuelAgent reads
`amount` and `unit`; IntensityInput names `total_co2e_kg`, IntensityAgent
reads `total_emissions_kg`).
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gls_engine.chains.greenlang_json import to_json_value

METHODS = ("run", "execute", "validate", "validate_input", "preprocess", "process")


@dataclass(frozen=True)
class InputFields:
    source: str  # "schema", "code" or "none"
    fields: tuple[dict[str, Any], ...]  # {name, required, type?, description?, enum?}


def _bundled_schema(agent_class: type) -> dict[str, Any] | None:
    agent_id = getattr(agent_class, "agent_id", None)
    if not isinstance(agent_id, str) or not agent_id.isidentifier():
        return None
    try:
        text = (
            resources.files("greenlang")
            .joinpath("schemas", f"{agent_id}_input.schema.json")
            .read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    schema = json.loads(text)
    return schema if isinstance(schema, dict) else None


def _sdk_schema(agent: Any) -> dict[str, Any] | None:
    method = getattr(agent, "get_input_schema", None)
    if not callable(method):
        return None
    schema = method()
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return schema
    return None


def _from_schema(schema: dict[str, Any]) -> InputFields:
    required = set(schema.get("required") or ())
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        field: dict[str, Any] = {"name": str(name), "required": name in required}
        for key in ("type", "description", "enum", "default"):
            if key in prop:
                field[key] = to_json_value(prop[key])
        fields.append(field)
    return InputFields("schema", tuple(fields))


def _payload_name(function: ast.FunctionDef) -> str | None:
    args = [a.arg for a in function.args.args]
    return args[1] if len(args) > 1 and args[0] == "self" else None


def _reads(function: ast.FunctionDef) -> list[str]:
    payload = _payload_name(function)
    if payload is None:
        return []
    found: list[str] = []

    def is_payload(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == payload

    for node in ast.walk(function):
        key: ast.AST | None = None
        if isinstance(node, ast.Subscript) and is_payload(node.value):
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and is_payload(node.func.value)
            and node.args
        ):
            key = node.args[0]
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and is_payload(node.comparators[0])
        ):
            key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append(key.value)
    return found


def _from_code(agent_class: type) -> InputFields:
    names: list[str] = []
    for cls in agent_class.__mro__:
        if cls.__module__.startswith(("builtins", "abc", "typing")):
            continue
        for method in METHODS:
            function = cls.__dict__.get(method)
            if function is None:
                continue
            try:
                tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
            except (OSError, TypeError, SyntaxError):
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    names.extend(n for n in _reads(node) if n not in names)
    if not names:
        return InputFields("none", ())
    return InputFields("code", tuple({"name": n, "required": False} for n in names))


def input_fields(agent_class: type, agent: Any | None) -> InputFields:
    schema = _bundled_schema(agent_class)
    if schema is None and agent is not None:
        schema = _sdk_schema(agent)
    if schema is not None:
        return _from_schema(schema)
    return _from_code(agent_class)
