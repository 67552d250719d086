"""Golden cases: OTLP bodies sent by the official OpenTelemetry Python SDK exporters
(tests/core/golden/*.pb, *.json; golden/capture.py made them), decoded by the core
and compared column by column with the values written by hand beside each body
(<case>.expected.json, from docs/span-schema.md).

Unlike the property test (tests/core/test_decode.py), nothing here derives the
expected values from code: every expected column is a literal in the case file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from gls_engine import _core

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name.removesuffix(".expected.json") for p in GOLDEN.glob("*.expected.json"))

# The decoder's own columns: everything up to ingested_at (enrichment follows it
# and needs an Enricher, which these cases do not pass).
SCHEMA_NAMES = _core.span_schema().names
DECODER_COLUMNS = SCHEMA_NAMES[: SCHEMA_NAMES.index("ingested_at") + 1]
ID_COLUMNS = ("trace_id", "span_id", "parent_span_id")
TIME_COLUMNS = ("start_time", "end_time", "ingested_at")
MAP_COLUMNS = ("attributes", "attribute_types")
JSON_TEXT_COLUMNS = ("resource_attributes", "scope_attributes", "events", "links")


def decoded_rows(case: dict[str, Any]) -> tuple[_core.DecodedBatch, list[dict[str, Any]]]:
    body_name = case["body"]
    decoded = _core.decode_traces(
        (GOLDEN / body_name).read_bytes(),
        json=body_name.endswith(".json"),
        received_ns=case["received_ns"],
    )
    batch = decoded.record_batch()
    columns = {}
    for name in DECODER_COLUMNS:
        column = batch.column(name)
        if name in TIME_COLUMNS:
            column = column.cast(pa.int64())
        columns[name] = column.to_pylist()
    rows = [{name: columns[name][i] for name in DECODER_COLUMNS} for i in range(batch.num_rows)]
    for row in rows:
        for name in ID_COLUMNS:
            row[name] = row[name].hex()
        for name in MAP_COLUMNS:
            # Pairs in stored order: the schema says keys are sorted.
            row[name] = list(row[name])
        for name in JSON_TEXT_COLUMNS:
            row[name] = json.loads(row[name])
    return decoded, rows


@pytest.mark.parametrize("name", CASES)
def test_golden_case(name: str) -> None:
    case = json.loads((GOLDEN / f"{name}.expected.json").read_text())
    decoded, rows = decoded_rows(case)
    assert (decoded.accepted_spans, decoded.rejected_spans) == (
        case["accepted_spans"],
        case["rejected_spans"],
    )
    assert len(rows) == len(case["spans"])
    for got, expected in zip(rows, case["spans"], strict=True):
        assert list(expected) == DECODER_COLUMNS, "a case lists every decoder column"
        for column in DECODER_COLUMNS:
            want = expected[column]
            if column in MAP_COLUMNS:
                want = list(want.items())
            assert got[column] == want, (name, expected["name"], column)


def test_every_case_has_its_body() -> None:
    bodies = {p.name for p in GOLDEN.iterdir() if p.suffix in (".pb", ".json")} - {
        f"{c}.expected.json" for c in CASES
    }
    assert {json.loads((GOLDEN / f"{c}.expected.json").read_text())["body"] for c in CASES} == (
        bodies
    )
    # GenAI, OpenInference, OpenLLMetry, error + events, links + resource, JSON.
    assert len(CASES) >= 6
