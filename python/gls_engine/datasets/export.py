"""A version exported as CSV, JSON Lines or Parquet, streamed chunk by chunk.

Every format has the same columns: id, input, expected, metadata, split,
source_trace_id, source_span_id. CSV and Parquet hold input, expected and
metadata as JSON text (values of any shape in one column); uploaded again with
json_columns=input,expected,metadata they give the same items.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from gls_engine.csv_cells import text_cell

COLUMNS = ("id", "input", "expected", "metadata", "split", "source_trace_id", "source_span_id")
JSON_COLUMNS = ("input", "expected", "metadata")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
PARQUET_SCHEMA = pa.schema([(name, pa.string()) for name in COLUMNS])


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    row = {name: item[name] for name in COLUMNS}
    for name in JSON_COLUMNS:
        row[name] = _json_text(item[name])
    return row


def csv_chunk(items: list[dict[str, Any]], header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    for item in items:
        row = _flat(item)
        # JSON text starts with {, [, " or a digit/letter: only id and split can
        # look like a formula to a spreadsheet.
        writer.writerow(
            [
                text_cell(row[n]) if n in ("id", "split") and row[n] else (row[n] or "")
                for n in COLUMNS
            ]
        )
    return out.getvalue().encode()


def jsonl_chunk(items: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps({name: item[name] for name in COLUMNS}) + b"\n" for item in items)


class _Collected(io.RawIOBase):
    """A write-only sink whose bytes are taken after each row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


async def export_chunks(
    chunks: AsyncIterator[list[dict[str, Any]]], file_format: str
) -> AsyncIterator[bytes]:
    """The file's bytes, a piece per chunk of items."""
    if file_format == "csv":
        first = True
        async for items in chunks:
            yield csv_chunk(items, header=first)
            first = False
        if first:
            yield csv_chunk([], header=True)
        return
    if file_format == "jsonl":
        async for items in chunks:
            yield jsonl_chunk(items)
        return
    sink = _Collected()
    writer = pq.ParquetWriter(sink, PARQUET_SCHEMA, compression="zstd")
    try:
        async for items in chunks:
            rows = [_flat(item) for item in items]
            writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
            yield sink.take()
    finally:
        writer.close()
    yield sink.take()
