"""An upload's failure at one row and column of its file."""

from __future__ import annotations

from gls_engine.errors import InvalidParameterError


class UploadRowError(InvalidParameterError):
    """`row`: CSV counts the header as row 1 (as a spreadsheet shows it), JSON Lines
    counts lines, Parquet counts rows from 1. `column` is None when the row as a
    whole is wrong (a CSV row with too few fields, a line that is not JSON)."""

    def __init__(self, row: int, column: str | None, problem: str) -> None:
        where = f"row {row}" + (f", column {column!r}" if column is not None else "")
        super().__init__(f"{where}: {problem}")
        self.row = row
        self.column = column
        self.problem = problem
