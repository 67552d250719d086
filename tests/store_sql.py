"""SQL over the span store of a stopped Studio, for columns the HTTP API does not serve.

chDB lets one process own a data directory, so the Studio is stopped first and
the query runs in a child process (the test process may hold other chDB
sessions). Results travel as Arrow: floats come back bit for bit, NULL as None.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa

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
