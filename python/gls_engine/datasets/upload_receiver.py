"""An upload's request: the body streamed to a file in the data dir (bounded memory,
the size limit enforced as it comes), its header or schema and its encoding
checked against the mapping as soon as they arrive, so a wrong mapping is a 400
at once; the rows are the job's (upload_jobs.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from aiohttp import web

from gls_engine.datasets.limits import DatasetLimits
from gls_engine.datasets.upload_mapping import ColumnMapping, resolve_mapping
from gls_engine.datasets.upload_parser import FORMATS
from gls_engine.errors import (
    InvalidParameterError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 1024 * 1024  # the header (CSV) or first line (JSON Lines) must fit
MEDIA_FORMATS = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/vnd.apache.parquet": "parquet",
}


@dataclass(frozen=True)
class ReceivedUpload:
    job_id: str
    path: Path
    file_format: str
    columns: list[str]
    mapping: ColumnMapping
    size: int
    # CSV: an odd count of '"' means a quoted cell is never closed
    odd_quotes: bool = False


def upload_format(request: web.Request) -> str:
    named = request.query.get("format")
    if named is not None:
        if named not in FORMATS:
            raise InvalidParameterError(f"format must be one of {', '.join(FORMATS)}")
        return named
    found = MEDIA_FORMATS.get(request.content_type)
    if found is None:
        raise UnsupportedMediaTypeError(
            "name the file's format: ?format=csv|jsonl|parquet, or Content-Type text/csv,"
            " application/x-ndjson or application/vnd.apache.parquet"
        )
    return found


def _utf8_prefix(head: bytes, what: str) -> str:
    """`head` decoded, a character cut at its end allowed; 400 at a bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise InvalidParameterError(
            f"the file is not UTF-8: byte {exc.start} of the {what} ({exc.reason})"
        ) from None


def _csv_columns(head: bytes) -> list[str]:
    first_line = head.split(b"\n", 1)[0]
    text = _utf8_prefix(first_line, "header").lstrip("\ufeff").rstrip("\r")
    try:
        columns = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise InvalidParameterError(f"row 1 (the header) is not valid CSV: {exc}") from None
    return _checked_columns(columns, "row 1 (the header)")


def _jsonl_columns(head: bytes) -> list[str]:
    for number, line in enumerate(head.split(b"\n"), start=1):
        if not line.strip():
            continue
        text = _utf8_prefix(line, f"line {number}")
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InvalidParameterError(f"row {number}: not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise InvalidParameterError(f"row {number}: a line must be a JSON object")
        return _checked_columns(list(record), f"row {number}")
    raise InvalidParameterError("the file holds no JSON object")


def _parquet_columns(path: Path) -> list[str]:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidParameterError(f"the file is not readable as Parquet: {exc}") from None
    return _checked_columns(list(schema.names), "the schema")


def _checked_columns(columns: list[str], where: str) -> list[str]:
    if not columns or all(not c.strip() for c in columns):
        raise InvalidParameterError(f"{where} names no columns")
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise InvalidParameterError(f"{where}: column {column!r} appears twice")
        seen.add(column)
    return columns


def _columns_of_head(head: bytes, file_format: str) -> list[str]:
    if file_format == "csv":
        if b"\n" not in head and len(head) >= HEAD_BYTES:
            raise InvalidParameterError(f"row 1 (the header) is over {HEAD_BYTES} bytes")
        return _csv_columns(head)
    return _jsonl_columns(head)


async def receive_upload(
    request: web.Request,
    upload_dir: Path,
    limits: DatasetLimits,
    query: Mapping[str, str],
) -> ReceivedUpload:
    """Streams the body to upload_dir/<job id>.<format>; checks as it goes. On any
    error the file is removed."""
    file_format = upload_format(request)
    declared = request.content_length
    if declared is not None and declared > limits.max_upload_bytes:
        raise PayloadTooLargeError(
            f"the file is {declared} bytes, over the upload limit of {limits.max_upload_bytes}"
        )
    upload_dir.mkdir(parents=True, exist_ok=True)
    job_id = uuid.uuid4().hex
    path = upload_dir / f"{job_id}.{file_format}"
    size = 0
    quotes = 0
    head = b""
    columns: list[str] | None = None
    mapping: ColumnMapping | None = None
    try:
        with open(path, "wb") as out:
            async for chunk in request.content.iter_chunked(CHUNK_BYTES):
                size += len(chunk)
                if size > limits.max_upload_bytes:
                    raise PayloadTooLargeError(
                        f"the file is over the upload limit of {limits.max_upload_bytes} bytes"
                    )
                out.write(chunk)
                if file_format == "csv":
                    quotes += chunk.count(b'"')
                if columns is None and file_format != "parquet":
                    head += chunk[: HEAD_BYTES - len(head)]
                    complete = b"\n" in head.lstrip(b"\r\n \t") or len(head) >= HEAD_BYTES
                    if complete:
                        columns = _columns_of_head(head, file_format)
                        mapping = resolve_mapping(query, columns, file_format)
        if size == 0:
            raise InvalidParameterError("the file is empty")
        if columns is None:
            columns = (
                _parquet_columns(path)
                if file_format == "parquet"
                else _columns_of_head(head, file_format)
            )
            mapping = resolve_mapping(query, columns, file_format)
        assert mapping is not None
        return ReceivedUpload(
            job_id, path, file_format, columns, mapping, size, odd_quotes=quotes % 2 == 1
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
