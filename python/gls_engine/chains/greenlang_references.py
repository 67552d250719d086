"""GreenLang workflow references and conditions as JMESPath over a chain's state.

GreenLang 0.3.0's Orchestrator (greenlang/core/orchestrator.py) keeps a context
`{"input": <workflow input>, "results": {<step name>: {"success", "data", ...}},
"errors", "workflow_id", "execution_id"}`:

- a mapping path (`input_mapping`, `output_mapping`) is split on "." and looked
  up key by key in dicts; a missing key gives None and the input is left out;
- a `condition` is a Python expression it evaluates itself over `ast`: names
  `input`, `results`, `context`; attribute access (`dict.get`), subscripts,
  constants, comparisons (== != < <= > >= in, not in), and/or/not; anything
  else (a call, arithmetic, a list literal) raises, and a raising condition
  skips the step.

A chain's state is `{"inputs": ..., "steps": {<id>: <the agent's data>}}`, so
`input.x` -> `inputs.x` and `results.<step>.data.y` -> `steps.<id>.y`. What has
no faithful equivalent is refused, naming the step and field, never guessed.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gls_engine.errors import InvalidParameterError

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_INPUTS = ("inputs", "steps")  # names a chain's input schema may not use
ORDERING = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
EQUALITY = {ast.Eq: "==", ast.NotEq: "!="}


def quote(name: str) -> str:
    """A JMESPath identifier for a key: bare when it can be, else quoted."""
    return name if IDENTIFIER.fullmatch(name) else json.dumps(name)


def literal(value: Any) -> str:
    return "`" + json.dumps(value).replace("`", "\\`") + "`"


TRUE = "`true`"


def _and(*parts: str) -> str:
    kept = [p for p in parts if p != TRUE]
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else "(" + " && ".join(kept) + ")"


def _or(first: str, second: str) -> str:
    if TRUE in (first, second):
        return TRUE
    return f"({first} || {second})"


def _constant_kind(node: ast.expr) -> str | None:
    if not isinstance(node, ast.Constant):
        return None
    value = node.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return "string" if isinstance(value, str) else "other"


def _same_kind(
    left: ast.expr, left_value: str, right: ast.expr, right_value: str, where: str
) -> str:
    """JMESPath true when both sides are numbers or both strings (what Python orders)."""
    kinds = {_constant_kind(left), _constant_kind(right)} - {None}
    if "other" in kinds:
        raise InvalidParameterError(f"{where}: ordering against null or a boolean")
    if len(kinds) == 2:  # a number and a string: Python raises, the step is skipped
        return "`false`"
    if kinds:
        kind = kinds.pop()
        unknown = [
            v for n, v in ((left, left_value), (right, right_value)) if _constant_kind(n) is None
        ]
        return _and(*(f"type({v}) == '{kind}'" for v in unknown))
    return (
        f"(type({left_value}) == 'number' && type({right_value}) == 'number' || "
        f"type({left_value}) == 'string' && type({right_value}) == 'string')"
    )


@dataclass
class References:
    """Translates one workflow's references; collects the input names they read."""

    step_ids: Mapping[str, str]  # GreenLang step name -> chain step id
    input_names: set[str] = field(default_factory=set)

    def path(self, parts: list[str], where: str) -> str:
        text = ".".join(parts)
        if any(not p for p in parts):
            raise InvalidParameterError(f"{where}: {text!r} has an empty key")
        if parts[0] == "context" and len(parts) > 1:  # context.input / context.results
            parts = parts[1:]
        root = parts[0]
        if root == "input":
            if len(parts) == 1:
                return "inputs"
            name = parts[1]
            if name in RESERVED_INPUTS or name.startswith("_"):
                raise InvalidParameterError(
                    f"{where}: input.{name}: a chain input may not be named {name}"
                )
            self.input_names.add(name)
            return "inputs." + ".".join(quote(p) for p in parts[1:])
        if root == "results":
            if len(parts) < 2:
                raise InvalidParameterError(
                    f"{where}: {text!r} (every step's result) has no chain equivalent;"
                    " name a step's data: results.<step>.data"
                )
            step = parts[1]
            if step not in self.step_ids:
                raise InvalidParameterError(
                    f"{where}: {text!r} names no step of the workflow "
                    f"(steps: {', '.join(self.step_ids)})"
                )
            if len(parts) == 2 or parts[2] != "data":
                raise InvalidParameterError(
                    f"{where}: {text!r}: a chain keeps an agent's data only "
                    f"(success, error and metadata are not kept); use results.{step}.data..."
                )
            return "steps." + ".".join(quote(p) for p in [self.step_ids[step], *parts[3:]])
        raise InvalidParameterError(
            f"{where}: {text!r} cannot be translated: a reference starts with input. or results."
        )

    def mapping_path(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidParameterError(f"{where} must be a path such as input.x")
        return self.path(value.strip().split("."), where)

    def condition(self, source: Any, where: str) -> str:
        if not isinstance(source, str) or not source.strip():
            raise InvalidParameterError(f"{where} must be an expression")
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise InvalidParameterError(
                f"{where}: GreenLang cannot parse it either (it would skip the step): {exc.msg}"
            ) from None
        ok, value = self._truthy(tree.body, where)
        # GreenLang skips the step when evaluating the condition raises
        return value if ok == TRUE else f"({ok} && {value})"

    def _truthy(self, node: ast.expr, where: str) -> tuple[str, str]:
        """(JMESPath true when GreenLang's evaluation of `node` does not raise,
        JMESPath whose truthiness is Python's truthiness of `node`)."""
        if isinstance(node, ast.BoolOp):
            # all() / any() over a generator: left to right, stopping at the first
            # false (and) or true (or) operand; a later operand is never evaluated.
            parts = [self._truthy(v, where) for v in node.values]
            is_and = isinstance(node.op, ast.And)
            ok = parts[-1][0]
            for part_ok, part_value in reversed(parts[:-1]):
                stop = f"!{part_value}" if is_and else part_value
                ok = _and(part_ok, _or(stop, ok))
            joiner = " && " if is_and else " || "
            return ok, "(" + joiner.join(v for _, v in parts) + ")"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            ok, value = self._truthy(node.operand, where)
            return ok, "!" + value
        if isinstance(node, ast.Compare):
            return self._compare(node, where)
        ok, value = self._value(node, where)
        # Python's 0 is false, JMESPath's is true: both must be false here.
        return ok, f"({value} && {value} != `0`)"

    def _compare(self, node: ast.Compare, where: str) -> tuple[str, str]:
        pairs: list[tuple[str, str]] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            # operands first: a call or literal GreenLang cannot evaluate is the first news
            (left_ok, left_value), (right_ok, right_value) = (
                self._value(left, where),
                self._value(right, where),
            )
            ok = _and(left_ok, right_ok)
            if type(op) in EQUALITY:
                pairs.append((ok, f"{left_value} {EQUALITY[type(op)]} {right_value}"))
            elif type(op) in ORDERING:
                # Python orders two numbers or two strings and raises on anything else
                same_kind = _same_kind(left, left_value, right, right_value, where)
                pairs.append(
                    (_and(ok, same_kind), f"{left_value} {ORDERING[type(op)]} {right_value}")
                )
            elif isinstance(op, ast.In | ast.NotIn):
                if not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
                    raise InvalidParameterError(
                        f"{where}: `in` is translated against a literal string only (against a "
                        "dict GreenLang tests its keys, which JMESPath's contains cannot)"
                    )
                test = f"contains({right_value}, {left_value})"
                # `x in "text"` raises unless x is a string (and so would JMESPath's contains)
                is_string = f"type({left_value}) == 'string'"
                negated = isinstance(op, ast.NotIn)
                pairs.append((_and(ok, is_string), "!" + test if negated else test))
            else:
                raise InvalidParameterError(
                    f"{where}: the comparison {type(op).__name__} is not one GreenLang evaluates"
                )
            left = right
        # a chained comparison stops at its first false pair
        ok = pairs[-1][0]
        for pair_ok, pair_value in reversed(pairs[:-1]):
            ok = _and(pair_ok, _or(f"!({pair_value})", ok))
        value = pairs[0][1] if len(pairs) == 1 else " && ".join(f"({v})" for _, v in pairs)
        return ok, f"({value})"

    def _attribute_path(self, parts: list[str], where: str) -> tuple[str, str]:
        """A condition's `a.b.c`: GreenLang reads each name with dict.get when the
        value is a dict and getattr otherwise, which raises on None, a string or a
        list, so every value read through must be an object."""
        expression = self.path(parts, where)  # checks and translates the path
        if parts[0] == "context":
            parts = parts[1:]
        checks: list[str] = []
        if parts[0] == "results":
            step, data_keys = parts[1], parts[3:]
            # results.<step> is a dict only when the step ran
            checks.append(f"contains(keys(steps), {literal(self.step_ids[step])})")
            for i in range(len(data_keys)):  # the data, then each key read through
                prefix = self.path(["results", step, "data", *data_keys[:i]], where)
                checks.append(f"type({prefix}) == 'object'")
        else:
            keys = parts[1:]
            for i in range(1, len(keys)):
                checks.append(f"type({self.path(['input', *keys[:i]], where)}) == 'object'")
        return _and(*checks), expression

    def _value(self, node: ast.expr, where: str) -> tuple[str, str]:
        """(JMESPath true when reading it does not raise in GreenLang, its JMESPath)."""
        if isinstance(node, ast.Constant):
            if node.value is not None and not isinstance(node.value, bool | int | float | str):
                raise InvalidParameterError(f"{where}: the constant {node.value!r} is not JSON")
            return TRUE, literal(node.value)
        if isinstance(node, ast.List | ast.Tuple | ast.Dict | ast.Set):
            raise InvalidParameterError(
                f"{where}: {ast.unparse(node)!r}: GreenLang 0.3.0's condition evaluator has no "
                "list or dict literals, so the step is skipped every time"
            )
        if isinstance(node, ast.Name | ast.Attribute):
            parts: list[str] = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                parts.insert(0, current.attr)
                current = current.value
            if not isinstance(current, ast.Name):
                raise InvalidParameterError(f"{where}: attributes of {ast.unparse(current)!r}")
            if current.id not in ("input", "results", "context"):
                raise InvalidParameterError(
                    f"{where}: the name {current.id!r} is not one GreenLang allows "
                    "(input, results, context)"
                )
            return self._attribute_path([current.id, *parts], where)
        if isinstance(node, ast.Call):
            raise InvalidParameterError(
                f"{where}: {ast.unparse(node)!r} is a call; GreenLang 0.3.0's condition "
                "evaluator refuses calls, so the step is skipped every time"
            )
        if isinstance(node, ast.Subscript):
            raise InvalidParameterError(
                f"{where}: {ast.unparse(node)!r}: write subscripts as attributes (input.x): "
                "a missing key skips the step in GreenLang but reads null in JMESPath"
            )
        raise InvalidParameterError(
            f"{where}: {ast.unparse(node)!r} is not something GreenLang's condition evaluator "
            "accepts (names, attributes, constants, comparisons, and/or/not)"
        )
