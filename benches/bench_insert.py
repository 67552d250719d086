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
from gls_engine.storage.migrate import MIGRATIONS, split_statements  # noqa: E402


def schema_statements() -> list[str]:
    """The current schema: every migration's statements, data-moving ones left out."""
    out = []
    for _, _, sql in MIGRATIONS:
        for stmt in split_statements(sql):
            if stmt.upper().startswith(("INSERT", "DROP")):
                continue
            out.append(stmt)
    return out


def variant_statements(name: str) -> list[str]:
    stmts = schema_statements()
    joined = ";\n".join(stmts)
    if name in ("no_mv", "no_mv_no_index"):
        stmts = [s for s in stmts if "MATERIALIZED VIEW" not in s]
    if name in ("no_index", "no_mv_no_index"):
        stmts = [re.sub(r"\n\s*INDEX [^\n]*", "", s) for s in stmts]
        stmts = [re.sub(r"\),\s*\)", "))", s) for s in stmts]
        stmts = [s.replace(",\n)", "\n)") for s in stmts]
    if name == "lz4":
        stmts = [re.sub(r"CODEC\(ZSTD\(\d\)\)", "CODEC(LZ4)", s) for s in stmts]
    if name == "zstd1":
        stmts = [re.sub(r"CODEC\(ZSTD\(\d\)\)", "CODEC(ZSTD(1))", s) for s in stmts]
    if name in ("no_resource", "bundled"):
        drop = BUNDLED if name == "bundled" else ["resource_attributes"]
        stmts = [re.sub(rf"\n\s*({'|'.join(drop)}) [^\n]*,", "", s) for s in stmts]
        stmts = [
            re.sub(
                r"ALTER TABLE spans ADD COLUMN IF NOT EXISTS (\w+) (.*) AFTER \w+",
                r"ALTER TABLE spans ADD COLUMN IF NOT EXISTS \1 \2",
                s,
            )
            for s in stmts
        ]
        if name == "bundled":
            stmts = [
                s.replace(
                    "    ingested_at DateTime64",
                    "    extras String CODEC(ZSTD(1)),\n    ingested_at DateTime64",
                )
                for s in stmts
            ]
    del joined
    return stmts


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

# Per-insert settings of a variant (the schema is the current one).
INSERT_SETTINGS = {"no_optimize_on_insert": " SETTINGS optimize_on_insert=0"}

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
    for body, _ in wl.bulk_requests(n_spans, start, start + 3000 * 10**9):
        batches.append(decode_traces(body, received_ns=time.time_ns()).record_batch())
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
                settings = INSERT_SETTINGS.get(v, "")
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
