"""Spans' cost, energy, carbon and quality figures, as the API serves them and as stored.

`flat_span` turns a span of the trace API into the spans table's column names
(docs/span-schema.md), so tests state expectations once, in the documented
terms, and `query_stopped_store` reads the same columns with SQL to check
that the API serves what was stored. chDB lets one process own a data
directory, so the Studio is stopped first and the query runs in a child
process (the test process may hold other chDB sessions). Results travel as
Arrow: floats come back bit for bit, NULL as None.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa

# The API's names for the documented codes (docs/span-schema.md).
COST_STATUS = {"not_llm": 0, "priced": 1, "override": 2, "unpriced": 3}
ENERGY_SOURCE = {"unknown": 0, "llm": 1, "compute": 2}


def _range(value: dict[str, float] | None) -> tuple[Any, Any, Any]:
    return (None, None, None) if value is None else (value["value"], value["min"], value["max"])


def flat_span(span: dict[str, Any]) -> dict[str, Any]:
    """A span of the trace API with its figures under the spans table's column names."""
    cost, carbon, usage = span["cost"], span["carbon"], span["usage"]
    row = {
        "name": span["name"],
        "span_type": span["span_type"],
        "trace_hex": span["trace_id"],
        "start_ns": span["start_time_unix_nano"],
        "duration_ns": span["end_time_unix_nano"] - span["start_time_unix_nano"],
        "model": span["model"],
        "provider": span["provider"],
        "input": span.get("input"),
        "output": span.get("output"),
        "attributes": span["attributes"],
        **{key: usage.get(key) for key in _TOKENS},
        "llm_cost_usd": cost["llm_usd"],
        "llm_input_cost_usd": cost["llm_input_usd"],
        "llm_output_cost_usd": cost["llm_output_usd"],
        "cost_status": COST_STATUS[cost["status"]],
        "infra_cost_usd": cost["infra_usd"],
        "data_cost_usd": cost["data_usd"],
        "cost_usd": cost["total_usd"],
        "system_tokens": span["system_tokens"],
        "token_estimate": span["tokens_estimated"]["input"]
        | span["tokens_estimated"]["output"] << 1,
        "energy_source": ENERGY_SOURCE[carbon["source"]],
        "carbon_zone": carbon["zone"] or "",
        "quality_passed": span["data_quality"]["passed"],
        "quality_checks": span["data_quality"]["checks"],
    }
    for column in ("energy_kwh", "carbon_g", "embodied_carbon_g"):
        row[column], row[f"{column}_min"], row[f"{column}_max"] = _range(carbon[column])
    return row


_TOKENS = ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "total_tokens")

_READER = """
import sys
import chdb
conn = chdb.connect(sys.argv[1])
for sql in sys.stdin.read().split("\\0"):
    body = conn.query(sql, "Arrow").bytes()
    sys.stdout.buffer.write(len(body).to_bytes(8, "little") + body)
conn.close()
"""


def query_stopped_store(data_dir: Path, *queries: str) -> list[list[dict[str, Any]]]:
    """Rows of each query (a list of dicts per query), read from `data_dir`."""
    proc = subprocess.run(
        [sys.executable, "-c", _READER, str(data_dir)],
        input="\0".join(queries).encode(),
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    results, out, pos = [], proc.stdout, 0
    for _ in queries:
        size = int.from_bytes(out[pos : pos + 8], "little")
        body = out[pos + 8 : pos + 8 + size]
        pos += 8 + size
        results.append(
            pa.ipc.open_file(pa.BufferReader(body)).read_all().to_pylist() if size else []
        )
    return results
