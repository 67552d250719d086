"""What one chDB insert of decoded spans costs, by schema variant; with --settle, the
inserts and the background merges they cause.

Decodes `--spans` spans of the ingest workload once, then inserts the same
Arrow table, in `--batch`-span slices, into fresh chDB tables that differ in
one respect each (codecs, skip indexes, materialized views, column layout).
Variants run interleaved, `--rounds` times, so machine noise hits them alike;
the figure is spans/s of the insert alone (one thread, one connection).

    python benches/bench_insert.py --spans 200000 --batch 50000 --rounds 3

--settle: the whole CPU cost of ingest in the store. The decoded workload (cached as an
Arrow file) goes in as the store writes it (spans, then their sketch rows) in --batch
slices; then the bench waits until no merge has run for --quiet seconds. CPU of every
thread of the process (background merges included) per span, for the inserts and for the
merges still running after them; merged rows and bytes (system.events), disk bytes per
span and parts left. Variants alternate order from round to round.

    python benches/bench_insert.py --settle --spans 2000000 --batch 100000 --rounds 2 \
        --variants current,no_index,set:merge_selector_base=8

Variant names join parts with "+": see variant_statements and variant_alters.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine_info, write_json  # noqa: E402
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
    drop:<index name>, nomv:<view name>, codec:<column>=<codec> (e.g. codec:attributes=ZSTD(1)),
    create:<setting>=<value> (a spans table setting, e.g. create:index_granularity=16384),
    upto:<N> (the schema after migration N, e.g. upto:7 is before the call signature).
    Settings that can change later are run after the schema: see variant_alters."""
    up_to = 4 if name == "before_cost_carbon" else None
    for part in name.split("+"):
        if part.startswith("upto:"):
            up_to = int(part.removeprefix("upto:"))
    stmts = schema_statements(up_to)
    for part in name.split("+"):
        stmts = _apply_variant_part(part, stmts)
    return stmts


def _apply_variant_part(part: str, stmts: list[str]) -> list[str]:
    if part.startswith("upto:"):
        return stmts
    if part in ("no_mv", "no_mv_no_index"):
        stmts = [s for s in stmts if "MATERIALIZED VIEW" not in s]
    if part.startswith("nomv:"):  # one view left out, e.g. nomv:trace_index_mv
        view = part.removeprefix("nomv:")
        stmts = [s for s in stmts if f"MATERIALIZED VIEW IF NOT EXISTS {view} " not in s]
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
        stmts = [
            s.replace(
                "ENGINE = ReplacingMergeTree\nPARTITION BY toDate(start_time)",
                "ENGINE = MergeTree\nPARTITION BY toDate(start_time)",
            )
            for s in stmts
        ]
    if part.startswith("create:"):
        setting = part.removeprefix("create:")
        stmts = [
            s.replace(
                "SETTINGS index_granularity = 8192", f"SETTINGS index_granularity = 8192, {setting}"
            )
            if s.startswith("CREATE TABLE IF NOT EXISTS spans")
            else s
            for s in stmts
        ]
        stmts = [
            s.replace("index_granularity = 8192, index_granularity", "index_granularity")
            for s in stmts
        ]
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


def variant_alters(name: str, stmts: list[str]) -> list[str]:
    """`set:<setting>=<value>` parts: ALTER TABLE spans MODIFY SETTING, as a migration would;
    `setall:` does the same on every table of the schema `stmts` (ingest_requests aside)."""
    out = []
    for part in name.split("+"):
        if part.startswith("set:"):
            out.append(f"ALTER TABLE spans MODIFY SETTING {part.removeprefix('set:')}")
        if part.startswith("setall:"):
            for table in schema_tables(stmts):
                if table != "ingest_requests":
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
    "optimize_on_insert",
    "no_mv",
    "no_index",
    "no_mv_no_index",
    "zstd1",
    "no_resource",
    "bundled",
]


def variant_table(name: str, table: pa.Table) -> pa.Table:
    parts = name.split("+")
    if "before_cost_carbon" in parts:  # the schema before migration 0005 (issue 4)
        return table.select(table.column_names[: table.column_names.index("ingested_at") + 1])
    if "no_resource" in parts:
        return table.drop_columns(["resource_attributes"])
    if "bundled" in parts:
        import pyarrow.compute as pc

        texts = [pc.cast(table[c], pa.string()) for c in BUNDLED[1:]]
        extras = pc.binary_join_element_wise(*texts, "\x1f")
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


def create_variant(conn: Any, db: str, variant: str) -> None:
    """The variant's schema in database `db` (table and view names qualified)."""
    conn.query(f"CREATE DATABASE {db}")
    stmts = variant_statements(variant)
    tables = "|".join(schema_tables(stmts))
    for stmt in [*stmts, *variant_alters(variant, stmts)]:
        stmt = re.sub(r"(TABLE|VIEW)( IF NOT EXISTS)? (\w+)", rf"\1\2 {db}.\3", stmt)
        stmt = re.sub(rf"\b(TO|FROM) ({tables})\b", rf"\1 {db}.\2", stmt)
        conn.query(stmt)


def schema_tables(stmts: list[str]) -> list[str]:
    return [m for s in stmts for m in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", s)]


def insert_only(args: argparse.Namespace, variants: list[str]) -> None:
    """Insert cost alone: each variant's inserts, timed, then its database dropped."""
    import chdb

    table = decoded_table(args.spans)
    print(
        f"{table.num_rows} spans, {table.nbytes / table.num_rows:.0f} Arrow bytes/span", flush=True
    )
    results: dict[str, list[float]] = {v: [] for v in variants}
    # CPU time of every thread of the process: steadier than wall time on a busy machine.
    cpu_us: dict[str, list[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory(prefix="gls-bench-insert-") as tmp:
        conn = chdb.connect(tmp)
        for round_no in range(args.rounds):
            for index, v in enumerate(variants):
                db = f"v{index}_r{round_no}"
                create_variant(conn, db, v)
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


# --- settle mode: inserts and the merges they cause ---------------------------------

# system.events counters reported per run (deltas); absent ones read 0.
MERGE_EVENTS = [
    "Merge",
    "MergedRows",
    "MergedUncompressedBytes",
    "MergeTotalMilliseconds",
    "MergeHorizontalStageTotalMilliseconds",
    "MergeVerticalStageTotalMilliseconds",
    "MergeTreeDataWriterRows",
    "MergeTreeDataWriterCompressedBytes",
    "MergeTreeDataWriterSkipIndicesCalculationMicroseconds",
    "MergeTreeDataWriterStatisticsCalculationMicroseconds",
    "MergeTreeDataWriterSortingBlocksMicroseconds",
]
DAY_NS = 86_400 * 10**9


def decoded_file(n_spans: int, cache_dir: Path) -> Path:
    """The decoded workload as an Arrow IPC file (500-span batches, as decoded), made once.

    Spans start in time order over 50 minutes of one UTC day (yesterday, from 01:00), so
    every variant fills the same single partition. Kept on disk and memory-mapped: 4M
    decoded spans are ~9 GB, more than is worth holding per process."""
    from gls_engine import _core

    marker = f"{Path(_core.__file__).stat().st_mtime_ns}"  # a rebuilt decoder makes a new file
    path = cache_dir / f"insert-decoded-{n_spans}-{marker}.arrow"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob(f"insert-decoded-{n_spans}-*.arrow"):
        old.unlink()
    wl = Workload(projects=["bench"], seed=1)
    start = (time.time_ns() // DAY_NS - 1) * DAY_NS + 3600 * 10**9
    enricher = Enrichment.load(settings_for_tests(data_dir=tempfile.mkdtemp())).current
    tmp = path.with_suffix(".tmp")
    writer = None
    t0 = time.perf_counter()
    for body, _ in wl.bulk_requests(n_spans, start, start + 3000 * 10**9):
        batch = decode_traces(body, received_ns=time.time_ns(), enricher=enricher).record_batch()
        if writer is None:
            writer = pa.ipc.new_file(str(tmp), batch.schema)
        writer.write_batch(batch)
    if writer is not None:
        writer.close()
    tmp.replace(path)
    print(f"decoded {n_spans:,} spans into {path} in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def thread_cpu_by_name() -> dict[str, float]:
    """CPU seconds (user + system) of this process's live threads, summed by thread name."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime, stime: fields 14, 15
        out[name] = out.get(name, 0.0) + cpu
    return out


def events(conn: Any) -> dict[str, int]:
    names = ", ".join(f"'{n}'" for n in MERGE_EVENTS)
    res = conn.query(f"SELECT name, value FROM system.events WHERE name IN ({names})", "CSV")
    out = dict.fromkeys(MERGE_EVENTS, 0)
    for line in res.bytes().decode().splitlines():
        name, value = line.split(",")
        out[name.strip('"')] = int(value)
    return out


def wait_for_merges(conn: Any, db: str, quiet_s: float, cap_s: float) -> tuple[float, bool]:
    """Waits until no merge of `db` has run for quiet_s (or cap_s passed): (seconds, settled)."""
    t0 = time.monotonic()
    quiet_since = None
    while time.monotonic() - t0 < cap_s:
        res = conn.query(f"SELECT count() FROM system.merges WHERE database = '{db}'", "CSV")
        if int(res.bytes().decode().strip() or 0) == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= quiet_s:
                return quiet_since - t0, True
        else:
            quiet_since = None
        time.sleep(0.25)
    return time.monotonic() - t0, False


def settle_run(conn: Any, db: str, variant: str, table: pa.Table, args: argparse.Namespace) -> dict:
    """Inserts `table` as the store does (spans, then sketch rows) in --batch slices, waits
    for the merges to settle; returns CPU, merge counters and disk figures per span."""
    from gls_engine import _core

    create_variant(conn, db, variant)
    vt = variant_table(variant, table)
    cols = ", ".join(f"`{c}`" for c in vt.column_names)
    settings = " SETTINGS " + VARIANT_INSERT_SETTINGS.get(variant, INSERT_SETTINGS)
    ev0, threads0 = events(conn), thread_cpu_by_name()
    t0, c0, sys0 = time.perf_counter(), time.process_time(), os.times().system
    for off in range(0, table.num_rows, args.batch):
        batch_table = table.slice(off, args.batch)
        deltas = (
            [] if args.no_sketches else [_core.sketch_rows(b) for b in batch_table.to_batches()]
        )
        tbl = vt.slice(off, args.batch)  # noqa: F841 (read by Python(tbl))
        conn.query(f"INSERT INTO {db}.spans ({cols}) SELECT {cols} FROM Python(tbl){settings}")
        deltas = [d for d in deltas if d.num_rows]
        if deltas:
            tbl = pa.Table.from_batches(deltas)  # noqa: F841 (read by Python(tbl))
            conn.query(f"INSERT INTO {db}.metric_sketches SELECT * FROM Python(tbl){settings}")
    t1, c1 = time.perf_counter(), time.process_time()
    settle_s, settled = wait_for_merges(conn, db, args.quiet, args.settle_cap)
    c2 = time.process_time()  # the quiet wait adds next to nothing: the process idles
    kernel_s = os.times().system - sys0
    ev1, threads1 = events(conn), thread_cpu_by_name()
    n = table.num_rows
    parts = conn.query(
        "SELECT table, count(), sum(rows), sum(bytes_on_disk) FROM system.parts"
        f" WHERE active AND database = '{db}' GROUP BY table ORDER BY table",
        "CSV",
    )
    tables = {}
    for line in parts.bytes().decode().splitlines():
        name, count, rows, size = line.split(",")
        tables[name.strip('"')] = {"parts": int(count), "rows": int(rows), "bytes": int(size)}
    merge_threads = sum(
        threads1.get(k, 0.0) - threads0.get(k, 0.0) for k in threads1 if k.startswith("MergeMutate")
    )
    ev = {k: ev1[k] - ev0[k] for k in MERGE_EVENTS}
    conn.query(f"DROP DATABASE {db} SYNC")
    return {
        "variant": variant,
        "insert_us": (c1 - c0) / n * 1e6,
        "after_insert_us": (c2 - c1) / n * 1e6,
        "total_us": (c2 - c0) / n * 1e6,
        "merge_threads_us": merge_threads / n * 1e6,
        "kernel_us": kernel_s / n * 1e6,
        "insert_wall_s": t1 - t0,
        "settle_s": settle_s,
        "settled": settled,
        "merged_rows_per_span": ev["MergedRows"] / n,
        "merged_mb": ev["MergedUncompressedBytes"] / 2**20,
        "disk_bytes_per_span": sum(t["bytes"] for t in tables.values()) / n,
        "spans_parts": tables.get("spans", {}).get("parts", 0),
        "tables": tables,
        "events": ev,
        "threads_s": {
            k: round(threads1[k] - threads0.get(k, 0.0), 2)
            for k in threads1
            if threads1[k] - threads0.get(k, 0.0) >= 0.05
        },
    }


def settle(args: argparse.Namespace, variants: list[str]) -> list[dict]:
    import chdb

    path = decoded_file(args.spans, Path(args.cache_dir).expanduser())
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    print(
        f"{table.num_rows:,} spans, {table.nbytes / table.num_rows:.0f} Arrow bytes/span,"
        f" batches of {args.batch:,}; CPU us/span: insert (while merges run too),"
        " after (merges after the last insert), total; merge threads' share of the total",
        flush=True,
    )
    with open(path, "rb") as f:  # page the file in before anything is measured
        while f.read(1 << 24):
            pass
    runs = []
    with tempfile.TemporaryDirectory(prefix="gls-bench-settle-", dir=args.data_root) as tmp:
        conn = chdb.connect(tmp)
        for round_no in range(args.rounds):
            order = list(enumerate(variants))
            if round_no % 2:  # alternate the order: neither variant always runs first
                order.reverse()
            for index, v in order:
                r = settle_run(conn, f"v{index}_r{round_no}", v, table, args)
                r["round"] = round_no
                runs.append(r)
                print(
                    f"round {round_no} {v:34s} insert {r['insert_us']:6.1f}"
                    f"  after {r['after_insert_us']:6.1f}  total {r['total_us']:6.1f} us/span"
                    f"  (merge threads {r['merge_threads_us']:5.1f}, kernel {r['kernel_us']:5.1f})"
                    f"  merged {r['merged_rows_per_span']:4.2f} rows/span"
                    f"  disk {r['disk_bytes_per_span']:5.0f} B/span"
                    f"  {r['spans_parts']} parts"
                    f"  settle {r['settle_s']:4.0f} s{'' if r['settled'] else ' (CAP)'}",
                    flush=True,
                )
        conn.close()
    base = statistics.median(r["total_us"] for r in runs if r["variant"] == variants[0])
    print(
        f"\n{'medians (us CPU/span)':14s} {'variant':34s} insert  after  total"
        "  vs first  merge-thr  kernel  merged rows/span  disk B/span  parts"
    )
    for v in variants:
        mine = [r for r in runs if r["variant"] == v]

        def med(key: str, rows: list[dict] = mine) -> float:
            return statistics.median(r[key] for r in rows)

        print(
            f"{len(mine)} runs{'':16s} {v:34s} {med('insert_us'):6.1f} {med('after_insert_us'):6.1f}"
            f" {med('total_us'):6.1f}  {med('total_us') / base:6.2f}x"
            f"  {med('merge_threads_us'):8.1f}  {med('kernel_us'):6.1f}"
            f"  {med('merged_rows_per_span'):10.2f}"
            f"  {med('disk_bytes_per_span'):11.0f}  {med('spans_parts'):5.0f}"
        )
    return runs


VARIANTS_SETTLE = ["current", "no_index", "zstd1", "no_mv"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--spans", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variants", help="comma-separated (default: the mode's list)")
    ap.add_argument(
        "--settle",
        action="store_true",
        help="measure inserts and the merges they cause: CPU until no merge runs",
    )
    ap.add_argument("--quiet", type=float, default=5.0, help="settled: no merge for this long (s)")
    ap.add_argument("--settle-cap", type=float, default=300.0, help="longest wait for merges (s)")
    ap.add_argument("--no-sketches", action="store_true", help="settle: spans only")
    ap.add_argument("--cache-dir", default="~/.cache/gls-bench", help="settle: decoded spans file")
    ap.add_argument("--data-root", default=None, help="settle: where chDB's temporary dir goes")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    if args.settle:
        variants = (args.variants or ",".join(VARIANTS_SETTLE)).split(",")
        runs = settle(args, variants)
        write_json(
            args.json_out,
            {
                "bench": "insert-settle",
                "command": "python benches/bench_insert.py " + " ".join(argv or sys.argv[1:]),
                "machine": machine_info(),
                "spans": args.spans,
                "batch": args.batch,
                "runs": runs,
            },
        )
    else:
        insert_only(args, (args.variants or ",".join(VARIANTS)).split(","))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
