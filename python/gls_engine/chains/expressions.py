"""Expressions over a chain run's state, in JMESPath (https://jmespath.org): the
transform step's body, a step's condition, input and output mappings, the
chain's output and the debugger's console. JMESPath is a query language with no
assignment, no calls outside its fixed built-in functions and no access to
Python objects: what a client sends is data, never code.

An expression is compiled once when the chain is checked (a syntax error names
the field and the column) and its references to `steps.<id>` are collected so
a chain that reads a later or unknown step is refused before it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError, ParseError
from jmespath.parser import ParsedResult

from gls_engine.errors import InvalidParameterError

MAX_EXPRESSION_CHARS = 4_000


class ExpressionRefused(InvalidParameterError):
    """An expression that does not parse, or that fails on the state it is given."""


@lru_cache(maxsize=1024)
def _compiled(source: str) -> ParsedResult:
    return jmespath.compile(source)


def compile_expression(source: Any, field: str) -> ParsedResult:
    """A checked expression; a 400 naming `field` (and the column) if it is not one."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionRefused(f"{field} must be a JMESPath expression (a non-empty string)")
    if len(source) > MAX_EXPRESSION_CHARS:
        raise ExpressionRefused(f"{field} is over {MAX_EXPRESSION_CHARS} characters")
    try:
        return _compiled(source)
    except ParseError as exc:
        raise ExpressionRefused(
            f"{field}: JMESPath syntax error at column {exc.lex_position}: {exc.msg}"
        ) from None
    except JMESPathError as exc:
        raise ExpressionRefused(f"{field}: {exc}") from None


def evaluate(source: str, state: Any, field: str = "expression") -> Any:
    """The expression's value on `state` (JSON values in, JSON values out)."""
    try:
        return compile_expression(source, field).search(state)
    except ExpressionRefused:
        raise
    except JMESPathError as exc:  # e.g. a function given the wrong type
        raise ExpressionRefused(f"{field}: {exc}") from None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for child in node.get("children", ()):
            yield from _walk(child)


def _first_field_chain(node: dict[str, Any]) -> list[str]:
    """The leading field names of a sub-expression (`steps.ask.x` -> steps, ask, x)."""
    if node.get("type") == "field":
        return [node["value"]]
    if node.get("type") == "subexpression":
        names: list[str] = []
        for child in node.get("children", ()):
            if child.get("type") == "field":
                names.append(child["value"])
                continue
            if child.get("type") == "index_expression":  # steps.a[0]
                inner = child.get("children", ())
                if inner and inner[0].get("type") == "field":
                    names.append(inner[0]["value"])
            break
        return names
    return []


def referenced_steps(source: str) -> frozenset[str]:
    """Ids of steps an expression reads as `steps.<id>` from the root of the state.

    Conservative: only the leading `steps.<id>` of a sub-expression is a
    reference (what `[*]` or a function reaches is checked at run time)."""
    parsed = _compiled(source).parsed
    found: set[str] = set()
    for node in _walk(parsed):
        chain = _first_field_chain(node)
        if len(chain) >= 2 and chain[0] == "steps":
            found.add(chain[1])
    return frozenset(found)
