"""Judge prompts are Jinja2 templates that clients write, so they are data, never code.

Two walls. First, a template is checked before it is accepted: only the parts a
prompt needs are allowed (text, `{{ variable }}`, `.field` / `['field']`,
`{% if %}`, a few filters and tests, comparisons); calls, loops, macros,
assignments, imports and any name or attribute starting with `_` are refused
with the place they occur. Second, rendering runs in Jinja2's
ImmutableSandboxedEnvironment with no globals, so even a template that got past
the check could not reach Python objects (`{{ ''.__class__.__mro__ }}` raises
SecurityError there).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from jinja2 import Template, Undefined, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from gls_engine.errors import InvalidParameterError

MAX_TEMPLATE_CHARS = 50_000


def _json_text(value: Any) -> str:
    if isinstance(value, Undefined):
        return ""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


ALLOWED_FILTERS = ("default", "trim", "lower", "upper", "truncate", "length", "json")
ALLOWED_TESTS = ("defined", "undefined", "none", "string", "number", "mapping", "sequence")
ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.Getattr,
    nodes.Getitem,
    nodes.If,
    nodes.Filter,
    nodes.Test,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.CondExpr,
    nodes.Concat,
)


class TemplateRefused(InvalidParameterError):
    """A template that does not parse or uses what templates may not."""


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=False, keep_trailing_newline=True, undefined=Undefined
    )
    env.globals.clear()  # range, dict, lipsum, cycler, joiner, namespace
    kept = {name: env.filters[name] for name in ALLOWED_FILTERS if name in env.filters}
    env.filters.clear()
    env.filters.update(kept)
    env.filters["json"] = _json_text
    env.tests = {name: env.tests[name] for name in ALLOWED_TESTS}
    return env


ENVIRONMENT = _environment()


# A chain's prompt may also loop over a list it is given (`{% for doc in docs %}`):
# with no `range` global a loop only walks data the run already holds.
LOOP_NODES = (nodes.For,)


def _refusal(node: nodes.Node, allow_loops: bool = False) -> str | None:
    """Why a node may not be in a template, or None."""
    if not isinstance(node, ALLOWED_NODES) and not (allow_loops and isinstance(node, LOOP_NODES)):
        what = "variables, if, for and filters" if allow_loops else "variables, if and filters"
        return f"{type(node).__name__.lower()} is not allowed (only {what})"
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        return f"name {node.name!r} is not allowed"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"attribute {node.attr!r} is not allowed"
    if isinstance(node, nodes.Getitem) and not (
        isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str | int)
        and not str(node.arg.value).startswith("_")
    ):
        return "only a constant key (not starting with '_') may be looked up with [...]"
    if isinstance(node, nodes.Filter) and node.name not in ENVIRONMENT.filters:
        return f"filter {node.name!r} is not allowed (allowed: {', '.join(ENVIRONMENT.filters)})"
    if isinstance(node, nodes.Test) and node.name not in ENVIRONMENT.tests:
        return f"test {node.name!r} is not allowed (allowed: {', '.join(ENVIRONMENT.tests)})"
    return None


def parse_checked(source: str, field: str, *, allow_loops: bool = False) -> nodes.Template:
    """The template's tree, once nothing in it is refused (a 400 naming `field`)."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateRefused(f"{field} is over {MAX_TEMPLATE_CHARS} characters")
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(f"{field}: line {exc.lineno}: {exc.message}") from None
    for node in (tree, *tree.find_all(nodes.Node)):
        reason = _refusal(node, allow_loops)
        if reason is not None:
            raise TemplateRefused(f"{field}: line {node.lineno}: {reason}")
    return tree


def check_template(
    source: str, field: str, variables: tuple[str, ...], *, allow_loops: bool = False
) -> frozenset[str]:
    """Refuse what a template may not do; return the variables it uses."""
    tree = parse_checked(source, field, allow_loops=allow_loops)
    used = frozenset(meta.find_undeclared_variables(tree))
    unknown = sorted(used - set(variables))
    if unknown:
        raise TemplateRefused(
            f"{field}: unknown variable {unknown[0]!r} (known: {', '.join(variables)})"
        )
    return used


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # Compiling takes milliseconds; a judge renders the same few templates per case.
    return ENVIRONMENT.from_string(source)


def render(source: str, values: Mapping[str, Any]) -> str:
    """Render a checked template; the sandbox refuses whatever the check missed."""
    try:
        return _compiled(source).render(dict(values))
    except SecurityError as exc:
        raise TemplateRefused(f"template refused by the sandbox: {exc}") from None
    except TemplateError as exc:
        raise TemplateRefused(f"template failed to render: {exc}") from None
