"""How text evaluators loosen a comparison: case folding and whitespace rules."""

from __future__ import annotations

import re

WHITESPACE_RULES = ("exact", "trim", "collapse", "ignore")
_RUNS = re.compile(r"\s+")


def normalised(text: str, case_sensitive: bool = True, whitespace: str = "exact") -> str:
    """`trim` strips the ends, `collapse` also makes every run of whitespace one space,
    `ignore` removes all whitespace."""
    if whitespace == "trim":
        text = text.strip()
    elif whitespace == "collapse":
        text = _RUNS.sub(" ", text).strip()
    elif whitespace == "ignore":
        text = _RUNS.sub("", text)
    return text if case_sensitive else text.casefold()


def shortened(text: str, limit: int = 200) -> str:
    """Text quoted in an explanation, cut to a readable length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
