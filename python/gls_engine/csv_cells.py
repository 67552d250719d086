"""CSV cells as every export of the Studio writes them (cost analysis, trace list)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these
# as a formula, so such text cells are prefixed with a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """Text as is, except that formula-like text is prefixed with a quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number_cell(value: Any) -> str:
    if isinstance(value, float):
        # Fixed point, which spreadsheets and finance tools read as it is, with
        # the shortest digits that give the float back exactly (no 1e-05).
        return format(Decimal(repr(value)), "f")
    return str(value)
