"""What one chDB insert of decoded spans costs, by schema variant.

Decodes `--spans` spans of the ingest workload once, then inserts the same
Arrow table, in `--batch`-span slices, into fresh chDB tables that differ in
one respect each (codecs, skip indexes, materialized views, column layout).
Variants run interleaved, `--rounds` times, so machine noise hits them alike;
the figure is spans/s of the insert alone (one thread, one connection).

    python benches/bench_insert.py --spans 200000 --batch 50000 --rounds 3
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import Workload  # noqa: E402

from gls_engine import decode_traces  # noqa: E402
from gls_engine.config import settings_for_tests  # noqa: E402
from gls_engine.ingest.enrichment import Enrichment  # noqa: E402
from gls_engine.storage.chdb_store import INSERT_SETTINGS  # noqa: E402
from gls_engine.storage.migrate import MIGRATIONS, split_statements  # noqa: E402


def schema_statements(up_to: int | None = None) -> list[str]:
    """The schema after migration `up_to` (default: all), data-moving statements left out."""
    out = []
    for version, _, sql in MIGRATIONS:
        if up_to is not None and version > up_to:
            continue
        for stmt in split_statements(sql):
            if stmt.upper().startswith(("INSERT", "DROP")):
                continue
            out.append(stmt)
    return out


def variant_statements(name: str) -> list[str]:
    """The schema of a variant: named parts joined by "+", applied in order.

    Named parts: current, before_cost_carbon, no_mv, no_index, no_mv_no_index, lz4,
    zstd1, no_resource, bundled, plain (MergeTree instead of ReplacingMergeTree),
    drop:<index name>, codec:<column>=<codec> (e.g. codec:attributes=ZSTD(1)),
    create:<setting>=<value> (a spans table setting, e.g. create:index_granularity=16384).
    Settings that can change later are run after the schema: see variant_alters."""
    stmts = schema_statements(4 if name == "before_cost_carbon" else None)
    for part in name.split("+"):
        stmts = _apply_variant_part(part, stmts)
    return stmts


def _apply_variant_part(part: str, stmts: list[str]) -> list[str]:
    if part in ("no_mv", "no_mv_no_index"):
        stmts = [s for s in stmts if "MATERIALIZED VIEW" not in s]
    if part in ("no_index", "no_mv_no_index"):
        stmts = [re.sub(r"\n\s*INDEX [^\n]*", "", s) for s in stmts]
        stmts = [re.sub(r"\),\s*\)", "))", s) for s in stmts]
        stmts = [s.replace(",\n)", "\n)") for s in stmts]
    if part.startswith("drop:"):
        index = part.removeprefix("drop:")
        stmts = [re.sub(rf"\n\s*INDEX {index} [^\n]*", "", s) for s in stmts]
        stmts = [re.sub(r"\),\s*\)", "))", s).replace(",\n)", "\n)") for s in stmts]
    if part == "lz4":
        stmts = [re.sub(r"CODEC\(ZSTD\(\d\)\)", "CODEC(LZ4)", s) for s in stmts]
    if part == "zstd1":
        stmts = [re.sub(r"CODEC\(ZSTD\(\d\)\)", "CODEC(ZSTD(1))", s) for s in stmts]
    if part.startswith("codec:"):
        column, codec = part.removeprefix("codec:").split("=", 1)
        stmts = [_with_codec(s, column, codec) for s in stmts]
    if part == "plain":
        stmts = [s.replace("ENGINE = ReplacingMergeTree\nPARTITION BY toDate(start_time)",
                           "ENGINE = MergeTree\nPARTITION BY toDate(start_time)") for s in stmts]
    if part.startswith("create:"):
        setting = part.removeprefix("create:")
        stmts = [s.replace("SETTINGS index_granularity = 8192",
                           f"SETTINGS index_granularity = 8192, {setting}")
                 if s.startswith("CREATE TABLE IF NOT EXISTS spans") else s for s in stmts]
        stmts = [s.replace("index_granularity = 8192, index_granularity", "index_granularity")
                 for s in stmts]
    if part in ("no_resource", "bundled"):
        drop = BUNDLED if part == "bundled" else ["resource_attributes"]
        stmts = [re.sub(rf"\n\s*({'|'.join(drop)}) [^\n]*,", "", s) for s in stmts]
        stmts = [
            re.sub(
                r"ALTER TABLE spans ADD COLUMN IF NOT EXISTS (\w+) (.*) AFTER \w+",
                r"ALTER TABLE spans ADD COLUMN IF NOT EXISTS \1 \2",
                s,
            )
            for s in stmts
        ]
        if part == "bundled":
            stmts = [
                s.replace(
                    "    ingested_at DateTime64",
                    "    extras String CODEC(ZSTD(1)),\n    ingested_at DateTime64",
                )
                for s in stmts
            ]
    return stmts


def _with_codec(stmt: str, column: str, codec: str) -> str:
    """The column's definition line (CREATE TABLE or ADD COLUMN) with CODEC(codec)."""
    lines = stmt.split("\n")
    for i, line in enumerate(lines):
        body = line.strip()
        if body.startswith("ALTER TABLE spans ADD COLUMN IF NOT EXISTS "):
            body = body.removeprefix("ALTER TABLE spans ADD COLUMN IF NOT EXISTS ")
        if not body.startswith(column + " ") or body.startswith("INDEX"):
            continue
        comma = line.endswith(",")
        head = line.removesuffix(",")
        if " CODEC(" in head:
            head = head[: head.index(" CODEC(")]
        lines[i] = f"{head} CODEC({codec})" + ("," if comma else "")
    return "\n".join(lines)


def variant_alters(name: str) -> list[str]:
    """`set:<setting>=<value>` parts: ALTER TABLE spans MODIFY SETTING, as a migration would;
    `setall:` does the same on every MergeTree table of the schema."""
    out = []
    for part in name.split("+"):
        if part.startswith("set:"):
            out.append(f"ALTER TABLE spans MODIFY SETTING {part.removeprefix('set:')}")
        if part.startswith("setall:"):
            for table in ("spans", "trace_summaries", "trace_index", "metric_sketches"):
                out.append(f"ALTER TABLE {table} MODIFY SETTING {part.removeprefix('setall:')}")
    return out


# Columns the "bundled" variant folds into one `extras` text column (resource dropped).
BUNDLED = [
    "resource_attributes",
    "trace_state",
    "flags",
    "scope_attributes",
    "events",
    "links",
    "dropped_attributes_count",
    "dropped_events_count",
    "dropped_links_count",
]

# Per-insert settings: the store's own, except where a variant measures another.
VARIANT_INSERT_SETTINGS = {"optimize_on_insert": "optimize_on_insert=1"}

VARIANTS = [
    "current",
    "no_optimize_on_insert",
    "no_mv",
    "no_index",
    "no_mv_no_index",
    "zstd1",
    "no_resource",
    "bundled",
]


def variant_table(name: str, table: pa.Table) -> pa.Table:
    if name == "before_cost_carbon":  # the schema before migration 0005 (issue 4)
        return table.select(table.column_names[: table.column_names.index("ingested_at") + 1])
    if name == "no_resource":
        return table.drop_columns(["resource_attributes"])
    if name == "bundled":
        import pyarrow.compute as pc

        parts = [pc.cast(table[c], pa.string()) for c in BUNDLED[1:]]
        extras = pc.binary_join_element_wise(*parts, "\x1f")
        return table.drop_columns(BUNDLED).append_column("extras", extras)
    return table


def decoded_table(n_spans: int) -> pa.Table:
    wl = Workload(projects=["bench"], seed=1)
    batches = []
    start = time.time_ns() - 3600 * 10**9
    enricher = Enrichment.load(settings_for_tests(data_dir=tempfile.mkdtemp())).current
    for body, _ in wl.bulk_requests(n_spans, start, start + 3000 * 10**9):
        decoded = decode_traces(body, received_ns=time.time_ns(), enricher=enricher)
        batches.append(decoded.record_batch())
    return pa.Table.from_batches(batches)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spans", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args(argv)
    import chdb

    table = decoded_table(args.spans)
    print(
        f"{table.num_rows} spans, {table.nbytes / table.num_rows:.0f} Arrow bytes/span", flush=True
    )
    variants = args.variants.split(",")
    results: dict[str, list[float]] = {v: [] for v in variants}
    # CPU time of every thread of the process: steadier than wall time on a busy machine.
    cpu_us: dict[str, list[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory(prefix="gls-bench-insert-") as tmp:
        conn = chdb.connect(tmp)
        for round_no in range(args.rounds):
            for v in variants:
                db = f"v_{v}_{round_no}"
                conn.query(f"CREATE DATABASE {db}")
                for stmt in variant_statements(v):
                    stmt = re.sub(r"(TABLE|VIEW)( IF NOT EXISTS)? (\w+)", rf"\1\2 {db}.\3", stmt)
                    stmt = re.sub(
                        r"\b(TO|FROM) (spans|trace_summaries|trace_index)\b", rf"\1 {db}.\2", stmt
                    )
                    conn.query(stmt)
                vt = variant_table(v, table)
                cols = ", ".join(f"`{c}`" for c in vt.column_names)
                settings = " SETTINGS " + VARIANT_INSERT_SETTINGS.get(v, INSERT_SETTINGS)
                t0, c0 = time.perf_counter(), time.process_time()
                for off in range(0, table.num_rows, args.batch):
                    tbl = vt.slice(off, args.batch)  # noqa: F841 (read by Python(tbl))
                    conn.query(
                        f"INSERT INTO {db}.spans ({cols}) SELECT {cols} FROM Python(tbl){settings}"
                    )
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                results[v].append(table.num_rows / dt)
                cpu_us[v].append(cpu / table.num_rows * 1e6)
                print(
                    f"round {round_no} {v:16s} {table.num_rows / dt / 1000:7.1f}K spans/s"
                    f"  {cpu_us[v][-1]:6.2f} us CPU/span",
                    flush=True,
                )
                conn.query(f"DROP DATABASE {db} SYNC")
        conn.close()
    base = statistics.median(results[variants[0]])
    base_cpu = statistics.median(cpu_us[variants[0]])
    print("\nvariant            median K spans/s   vs first   us CPU/span   vs first")
    for v in variants:
        med, cpu = statistics.median(results[v]), statistics.median(cpu_us[v])
        print(
            f"{v:18s} {med / 1000:10.1f}        {med / base:5.2f}x   {cpu:10.2f}   {cpu / base_cpu:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
