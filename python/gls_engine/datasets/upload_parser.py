"""An uploaded file read in batches of items, every row validated: CSV and Parquet
through pyarrow's streaming readers, JSON Lines line by line with orjson
(pyarrow's JSON reader infers one type per column and refuses the mixed shapes
inputs and outputs have). Blocking: the jobs run it in a thread, a batch at a time.

Memory stays bounded by the reader's block (CSV), row group (Parquet) or one line.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from gls_engine.datasets import names
from gls_engine.datasets.items import NewItem
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.datasets.upload_errors import UploadRowError
from gls_engine.datasets.upload_mapping import ColumnMapping
from gls_engine.errors import InvalidParameterError

CSV_BLOCK_BYTES = 8 * 1024 * 1024
FORMATS = ("csv", "jsonl", "parquet")


def _jsonable(value: Any, row: int, column: str) -> Any:
    """Parquet's values as JSON values (bytes must be UTF-8 text)."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UploadRowError(row, column, f"not UTF-8 (byte {exc.start})") from None
    if isinstance(value, dict):
        return {str(k): _jsonable(v, row, column) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, row, column) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


class RowConverter:
    """One row's cells (column -> value) into a NewItem, by the mapping."""

    def __init__(self, mapping: ColumnMapping, limits: DatasetLimits, file_format: str) -> None:
        self.mapping = mapping
        self.limits = limits
        self.csv = file_format == "csv"

    def _cell(self, row: int, column: str, cells: dict[str, Any]) -> Any:
        value = cells.get(column)
        if self.csv:
            raw: bytes | None = value
            if raw is None:
                return None
            if len(raw) > self.limits.max_cell_bytes:
                raise UploadRowError(
                    row,
                    column,
                    f"{len(raw)} bytes, over the cell limit of {self.limits.max_cell_bytes}",
                )
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UploadRowError(
                    row, column, f"not UTF-8 (byte {exc.start} of the cell)"
                ) from None
        if column in self.mapping.json_columns and isinstance(value, str):
            if self.csv and value == "":
                return None
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise UploadRowError(row, column, f"not valid JSON: {exc}") from None
        return value

    def _sized(self, row: int, column: str, value: Any) -> Any:
        if self.csv and not isinstance(value, dict | list):
            return value  # the cell's bytes were checked
        size = len(orjson.dumps(value))
        if size > self.limits.max_cell_bytes:
            raise UploadRowError(
                row,
                column,
                f"{size} bytes as JSON, over the cell limit of {self.limits.max_cell_bytes}",
            )
        return value

    def _role(self, role: str, row: int, cells: dict[str, Any]) -> Any:
        columns: tuple[str, ...] = getattr(self.mapping, role)
        if not columns:
            return None
        if self.mapping.whole(role):
            column = columns[0]
            return self._sized(row, column, self._cell(row, column, cells))
        return {c: self._sized(row, c, self._cell(row, c, cells)) for c in columns}

    def convert(self, row: int, cells: dict[str, Any]) -> NewItem:
        mapping = self.mapping
        item_id = None
        if mapping.id is not None:
            value = self._cell(row, mapping.id, cells)
            if value is None or value == "":
                raise UploadRowError(row, mapping.id, "the id is empty")
            if not isinstance(value, str | int):
                raise UploadRowError(row, mapping.id, "an id must be text or an integer")
            try:
                item_id = names.item_id(str(value), self.limits.max_id_chars)
            except InvalidParameterError as exc:
                raise UploadRowError(row, mapping.id, str(exc)) from None
        input_value = self._role("input", row, cells)
        if input_value is None:
            raise UploadRowError(row, mapping.input[0], "the input is empty (null)")
        expected = self._role("expected", row, cells)
        if mapping.whole("expected") and self.csv and expected == "":
            expected = None
        metadata = self._role("metadata", row, cells)
        if metadata is None:
            metadata = {}
        elif not isinstance(metadata, dict):
            raise UploadRowError(row, mapping.metadata[0], "metadata must be a JSON object")
        split = None
        if mapping.split is not None:
            value = self._cell(row, mapping.split, cells)
            if value is not None and not isinstance(value, str):
                value = str(value)
            try:
                split = names.split_name(value, self.limits.max_split_chars)
            except InvalidParameterError as exc:
                raise UploadRowError(row, mapping.split, str(exc)) from None
        return NewItem(item_id, input_value, expected, metadata, split)


class UploadParser:
    """`next_batch()` until None; raises UploadRowError at the first bad row."""

    def __init__(
        self,
        path: Path,
        file_format: str,
        mapping: ColumnMapping,
        limits: DatasetLimits,
        columns: list[str],
        odd_quotes: bool = False,
    ) -> None:
        self.path = path
        self.odd_quotes = odd_quotes
        self.limits = limits
        self.converter = RowConverter(mapping, limits, file_format)
        self.batch_rows = limits.upload_batch_rows
        self.rows_read = 0
        self._file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        reader = {"csv": self._csv_rows, "jsonl": self._jsonl_rows, "parquet": self._parquet_rows}
        self._rows = reader[file_format](mapping, columns)

    @property
    def bytes_read(self) -> int:
        try:
            return self._file.tell()
        except ValueError:
            return 0

    def close(self) -> None:
        self._file.close()

    def next_batch(self) -> list[tuple[int, NewItem]] | None:
        batch: list[tuple[int, NewItem]] = []
        for row, cells in self._rows:
            batch.append((row, self.converter.convert(row, cells)))
            self.rows_read += 1
            if len(batch) >= self.batch_rows:
                break
        return batch or None

    # --- readers: (row number, cells) ---------------------------------------------
    def _csv_rows(
        self, mapping: ColumnMapping, columns: list[str]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        invalid: list[Any] = []

        def on_invalid_row(row: Any) -> str:
            invalid.append(row)
            return "error"

        def refused(exc: Exception, row: int) -> UploadRowError:
            if invalid:
                bad = invalid[0]
                return UploadRowError(
                    bad.number or row + 1,
                    None,
                    f"expected {bad.expected_columns} fields, found {bad.actual_columns}",
                )
            return UploadRowError(row + 1, None, f"not readable as CSV: {exc}")

        wanted = mapping.columns
        row = 1  # the header
        try:
            reader = pa_csv.open_csv(
                self._file,
                read_options=pa_csv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid_row
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={c: pa.binary() for c in columns},
                    include_columns=wanted,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise refused(exc, row) from None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise refused(exc, row) from None
            cells_by_column = {name: batch.column(name).to_pylist() for name in wanted}
            for index in range(batch.num_rows):
                row += 1
                yield row, {name: cells_by_column[name][index] for name in wanted}
        if self.odd_quotes and row > 1:
            # pyarrow takes a quote left open as a cell running to the end of the file
            raise UploadRowError(
                row, columns[-1], "a quoted cell is not closed: it runs to the end of the file"
            )

    def _jsonl_rows(
        self, mapping: ColumnMapping, columns: list[str]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        line_limit = self.limits.max_cell_bytes * max(4, len(mapping.columns) + 1)
        number = 0
        while True:
            line = self._file.readline(line_limit + 1)
            if not line:
                return
            number += 1
            if len(line) > line_limit and not line.endswith(b"\n"):
                raise UploadRowError(number, None, f"the line is over {line_limit} bytes")
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UploadRowError(
                    number, None, f"not UTF-8 (byte {exc.start} of the line)"
                ) from None
            try:
                record = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise UploadRowError(number, None, f"not valid JSON: {exc}") from None
            if not isinstance(record, dict):
                raise UploadRowError(number, None, "a line must be a JSON object")
            yield number, record

    def _parquet_rows(
        self, mapping: ColumnMapping, columns: list[str]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        parquet = pq.ParquetFile(self._file)
        wanted = mapping.columns
        row = 0
        try:
            for batch in parquet.iter_batches(batch_size=self.batch_rows, columns=wanted):
                values = {name: batch.column(name).to_pylist() for name in wanted}
                for index in range(batch.num_rows):
                    row += 1
                    yield row, {name: _jsonable(values[name][index], row, name) for name in wanted}
        except (pa.ArrowInvalid, OSError) as exc:
            raise UploadRowError(row + 1, None, f"not readable as Parquet: {exc}") from None
