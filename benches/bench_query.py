"""Query latency of the Studio's HTTP API over a loaded data dir (1M spans, or 10M).

    python benches/bench_query.py                         # 1M spans, 200 cold + 200 warm per query
    python benches/bench_query.py --spans 10000000        # 10M (loaded once, then reused)
    python benches/bench_query.py --requests 50 --json /tmp/query.json

Loading (skipped when the data dir already holds the spans): requests from
benches/workload.py (500 spans, traces of 8-12 agent/chain/llm/tool/retriever
spans), their start times spread in time order over --days days before the
first load, over --projects projects. Two ways:

  --load-via direct (default): the same code the server runs per request, without
      HTTP: `gls_engine._core.decode_traces(body).record_batch()`, batches of
      ~200K spans inserted with the store's own `insert_spans_sync` (what the
      group commit does) on 2 inserting threads, then waits for merges to settle.
  --load-via otlp: POST /v1/traces to a running Studio at --load-concurrency.

The data dir (--data-dir, default ~/.cache/gls-bench/query-<spans>) keeps the
chDB data under studio/ and what was loaded in meta.json; a later run with as
many or fewer spans reuses it, one with more tops it up.

Then the Studio starts on it (production defaults except ports, and retention off) and,
one query kind at a time, over a kept-alive connection, one request at a time:

  warm-up  --warmup requests of the kind, never the measured ones;
  cold     --requests requests, each made for the first time (no cache holds its result
           or was filled by it): time windows, projects, filter values and traces vary
           across them, a seeded random choice over what the data holds (--seed; see
           benches/query_requests.py);
  warm     the same requests again, in the same order, --warm-repeats times.

p50/p99 of cold and of warm per query and the server's RSS are reported next to the
targets (trace list p99 < 50 ms, open trace p99 < 20 ms at 10M spans, analytics p99 <
200 ms, RSS < 2 GiB). Nothing is asserted: benchmarks measure.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import queue
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    KEEP_EVERY_DAY,
    RssSampler,
    cpu_seconds,
    exit_on_sigterm,
    loadavg,
    log,
    machine_info,
    percentile,
    studio_process,
    write_json,
)
from query_requests import DataShape, Request, RequestPlan, read_filter_values  # noqa: E402
from workload import Workload  # noqa: E402

DAY_NS = 86_400 * 10**9
SAMPLE_TRACES = 5000
TARGETS_MS = {
    "traces_24h": 50,
    "traces_7d": 50,
    "traces_model_24h": 50,
    "traces_any_filter_24h": 50,
    "traces_error_model_7d": 50,
    "open_trace": 20,
    "open_trace_in_window": 20,
    "open_trace_outline": 20,
    "open_trace_columns": 20,
    # issue 4: every analytics endpoint p99 < 200 ms at 10M spans
    **{
        name: 200
        for name in (
            "metrics_latency_24h",
            "metrics_latency_chain_7d",
            "metrics_cost_model_24h",
            "metrics_cost_model_7d",
            "metrics_errors_chain_24h",
            "metrics_carbon_llm_24h",
            "leaders_latency_agent_7d",
            "histogram_latency_24h",
            "suggestions_7d",
            "costs_24h",
            "costs_7d",
            "tokens_24h",
            "tokens_7d",
            # issue 11: every endpoint the pages call, the new groupings and filters too
            "facets_24h",
            "facets_7d",
            "metrics_latency_chain_series_7d",
            "metrics_cost_chain_trace_7d",
            "metrics_latency_env_7d",
            "costs_chain_7d",
            "costs_env_7d",
            "tokens_env_7d",
        )
    },
}
RSS_TARGET_MIB = 2048


# --- loading ---------------------------------------------------------------------------------
class Meta:
    def __init__(self, root: Path) -> None:
        self.path = root / "meta.json"
        self.data: dict[str, Any] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        tmp.replace(self.path)


class _Sampler:
    """Keeps a uniform sample of (project, trace_id hex) out of everything loaded."""

    def __init__(self, existing: list[list[str]], seen: int, size: int = SAMPLE_TRACES) -> None:
        self.sample = [tuple(x) for x in existing]
        self.seen, self.size = seen, size
        self.rng = random.Random(seen + 1)
        self.pending: list[tuple[str, bytes]] = []

    def flush(self) -> None:
        for project, tid in self.pending:
            self.seen += 1
            if len(self.sample) < self.size:
                self.sample.append((project, tid.hex()))
            else:
                j = self.rng.randrange(self.seen)
                if j < self.size:
                    self.sample[j] = (project, tid.hex())
        self.pending.clear()


def load_direct(
    root: Path,
    wl: Workload,
    n_spans: int,
    start_ns: int,
    end_ns: int,
    seed: int,
    sampler: _Sampler,
    batch_spans: int = 200_000,
) -> float:
    """Decode with the Rust core and insert with the store, as the pipeline does; returns seconds."""
    import pyarrow as pa

    from gls_engine import _core
    from gls_engine.config import settings_for_tests
    from gls_engine.ingest.enrichment import Enrichment
    from gls_engine.storage import open_store

    settings = settings_for_tests(data_dir=str(root / "studio"))
    enricher = Enrichment.load(settings).current  # cost, carbon, sketches as the server makes them
    store = open_store(settings)
    store._open()
    store.migrate()
    tables: queue.Queue[Any] = queue.Queue(maxsize=2)
    errors: list[BaseException] = []
    done = [0]
    t0 = time.monotonic()

    def inserter(index: int) -> None:
        while (table := tables.get()) is not None:
            try:
                if not errors:
                    store.insert_spans_sync(table, index)
                    done[0] += table.num_rows
            except BaseException as exc:  # reported after the join
                errors.append(exc)

    threads = [
        threading.Thread(target=inserter, args=(i,), daemon=True)
        for i in range(settings.insert_threads)
    ]
    for t in threads:
        t.start()
    batches: list[Any] = []
    rows = 0
    last_log = time.monotonic()
    try:
        for body, _ in wl.bulk_requests(
            n_spans, start_ns, end_ns, seed=seed, trace_ids_out=sampler.pending
        ):
            sampler.flush()
            decoded = _core.decode_traces(
                body, default_project="default", received_ns=time.time_ns(), enricher=enricher
            )
            if decoded.rejected_spans:
                raise RuntimeError(f"decoder rejected spans: {decoded.rejection_message}")
            batches.append(decoded.record_batch())
            rows += decoded.accepted_spans
            if rows >= batch_spans:
                tables.put(pa.Table.from_batches(batches))
                batches, rows = [], 0
            if errors:
                raise errors[0]
            if time.monotonic() - last_log > 10:
                last_log = time.monotonic()
                el = last_log - t0
                log(f"  loaded {done[0]:,} / {n_spans:,} spans ({done[0] / el:,.0f} spans/s)")
        if batches:
            tables.put(pa.Table.from_batches(batches))
    finally:
        for _ in threads:
            tables.put(None)
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    seconds = time.monotonic() - t0
    log(f"  inserted {done[0]:,} spans in {seconds:.0f} s; waiting for merges to settle")
    _settle(store)
    store._close()
    return seconds


def _settle(store: Any, timeout: float = 600, quiet: float = 8) -> None:
    """Wait until chDB has run no merge for `quiet` seconds (bounded), so queries do not race
    the loader's merges, which the merge selector may start a few seconds after the tables load."""
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        rows = store.query_rows_sync("SELECT count() AS n FROM system.merges")
        if rows and rows[0]["n"] > 0:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            break
        time.sleep(1)
    parts = store.query_rows_sync(
        "SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes"
        " FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table"
    )
    for p in parts:
        log(
            f"  {p['table']}: {p['parts']} parts, {p['rows']:,} rows, {p['bytes'] / 2**20:,.0f} MiB"
        )


def load_otlp(
    root: Path,
    wl: Workload,
    n_spans: int,
    start_ns: int,
    end_ns: int,
    seed: int,
    sampler: _Sampler,
    concurrency: int,
) -> float:
    """POST the requests to a Studio on this data dir; a 429 is retried after Retry-After."""
    import aiohttp

    server, ports = studio_process(root / "studio", root / "load-server.log", *KEEP_EVERY_DAY)
    server.start(ready_line="ready")
    url = f"http://127.0.0.1:{ports['otlp_http']}/v1/traces"
    bodies = wl.bulk_requests(n_spans, start_ns, end_ns, seed=seed, trace_ids_out=sampler.pending)
    sent = [0]
    t0 = time.monotonic()

    async def worker(session: aiohttp.ClientSession) -> None:
        for body, spans in bodies:  # a shared generator: each worker takes the next request
            sampler.flush()
            while True:
                async with session.post(
                    url, data=body, headers={"Content-Type": "application/x-protobuf"}
                ) as r:
                    await r.read()
                    if r.status == 200:
                        break
                    if r.status not in (429, 503):
                        raise RuntimeError(f"ingest failed: {r.status}")
                    await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
            sent[0] += spans

    async def progress() -> None:
        while True:
            await asyncio.sleep(10)
            el = time.monotonic() - t0
            log(f"  loaded {sent[0]:,} / {n_spans:,} spans ({sent[0] / el:,.0f} spans/s)")

    async def run() -> None:
        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            ticker = asyncio.create_task(progress())
            await asyncio.gather(*(worker(session) for _ in range(concurrency)))
            ticker.cancel()

    try:
        asyncio.run(run())
    finally:
        server.stop()
    return time.monotonic() - t0


def ensure_loaded(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    meta = Meta(root)
    d = meta.data
    loaded = d.get("spans", 0)
    if loaded >= args.spans:
        log(f"{root} already holds {loaded:,} spans: not loading")
        return d
    if not d:
        now = time.time_ns()
        d.update(
            {
                "version": 1,
                "spans": 0,
                "anchor_ns": now,
                "days": args.days,
                "projects": [f"bench-q{i}" for i in range(args.projects)],
                "loads": [],
                "sample_traces": [],
                "traces_seen": 0,
            }
        )
    todo = args.spans - loaded
    projects = d["projects"]
    wl = Workload(projects=projects, seed=5 + loaded)
    sampler = _Sampler(d["sample_traces"], d["traces_seen"])
    end_ns = d["anchor_ns"]
    start_ns = end_ns - d["days"] * DAY_NS
    log(
        f"loading {todo:,} spans into {root / 'studio'} via {args.load_via}"
        f" ({len(projects)} projects over {d['days']} days)"
    )
    if args.load_via == "direct":
        seconds = load_direct(root, wl, todo, start_ns, end_ns, loaded + 1, sampler)
    else:
        seconds = load_otlp(
            root, wl, todo, start_ns, end_ns, loaded + 1, sampler, args.load_concurrency
        )
    sampler.flush()
    added = -(-todo // wl.spans_per_request) * wl.spans_per_request
    d["spans"] = loaded + added
    d["sample_traces"] = [list(x) for x in sampler.sample]
    d["traces_seen"] = sampler.seen
    d["loads"].append(
        {
            "via": args.load_via,
            "spans": added,
            "seconds": round(seconds, 1),
            "spans_per_s": round(added / seconds, 1),
            "date": time.strftime("%Y-%m-%d %H:%M"),
        }
    )
    meta.save()
    log(f"loaded {added:,} spans in {seconds:.0f} s ({added / seconds:,.0f} spans/s)")
    return d


# --- queries -----------------------------------------------------------------------------------
class Client:
    """One kept-alive HTTP connection to the API."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _items(name: str, body: bytes) -> int:
    data = json.loads(body)
    if name.startswith("traces"):
        return len(data["traces"])
    if name.startswith("facets"):
        return int(data["total"])
    if name.startswith("open_trace"):
        return int(data["span_count"])
    if name.startswith(("metrics", "histogram")):
        return int(data.get("summary", data).get("count", 0))
    if name.startswith("leaders"):
        return len(data["top"])
    if name.startswith("suggestions"):
        return len(data["suggestions"])
    if name.startswith(("costs", "tokens")):
        return len(data)
    return len(data["spans"])


def _timed_requests(
    client: Client, name: str, requests: Iterator[Request], max_seconds: float
) -> tuple[dict[str, Any], list[Request]]:
    """Makes each request once, one at a time; its latency figures and the requests made."""
    lat: list[float] = []
    items: list[int] = []
    made: list[Request] = []
    errors = 0
    t0 = time.monotonic()
    for request in requests:
        t = time.perf_counter()
        status, body = client.get(request.path)
        ms = (time.perf_counter() - t) * 1000
        made.append(request)
        if status != 200:
            errors += 1
            if errors == 1:
                log(f"  {name}: HTTP {status} for {request.path}: {body[:300]!r}")
        else:
            lat.append(ms)
            items.append(_items(name, body))
        if time.monotonic() - t0 > max_seconds:
            break
    stats = {
        "n": len(lat),
        "errors": errors,
        "p50_ms": _r(percentile(lat, 50)),
        "p99_ms": _r(percentile(lat, 99)),
        "max_ms": _r(max(lat) if lat else None),
        "mean_items": _r(sum(items) / len(items) if items else None),
    }
    return stats, made


def _fresh(plan: RequestPlan, name: str, count: int) -> Iterator[Request]:
    """Up to `count` requests of kind `name` never made before."""
    for i in range(count):
        request = plan.next(name)
        if request is None:
            log(f"  {name}: no new request left after {i} (sampled traces spent?)")
            return
        yield request


def run_queries(args: argparse.Namespace, shape: DataShape, root: Path) -> dict[str, Any]:
    """Per query kind: --warmup requests of its own (never measured), then --requests new
    requests, each made for the first time (cold), then the same requests again
    --warm-repeats times in the same order (warm)."""
    plan = RequestPlan(shape, seed=args.seed)
    unknown = set(args.only or ()) - set(plan.names())
    if unknown:
        raise SystemExit(
            f"unknown query in --only: {', '.join(sorted(unknown))};"
            f" known: {', '.join(plan.names())}"
        )
    names = [n for n in plan.names() if not args.only or n in args.only]
    server, ports = studio_process(root / "studio", root / "query-server.log", *KEEP_EVERY_DAY)
    t0 = time.monotonic()
    server.start(ready_line="ready", timeout=600)
    startup_s = time.monotonic() - t0
    log(f"Studio ready in {startup_s:.1f} s (pid {server.pid})")
    results: dict[str, Any] = {}
    profiler = None
    try:
        client = Client(ports["api"])
        with RssSampler(server.pid, 0.25) as rss:
            rss_idle_mib = None
            time.sleep(0.6)
            if rss.samples:
                rss_idle_mib = round(rss.samples[-1] / 2**20, 1)
            if args.py_spy:
                fmt = "raw" if args.py_spy.endswith(".txt") else "flamegraph"
                profiler = subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "--pid",
                        str(server.pid),
                        "--output",
                        args.py_spy,
                        "--format",
                        fmt,
                        "--rate",
                        "100",
                        "--nonblocking",
                        "--threads",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.STDOUT,
                )
            cpu0 = cpu_seconds(server.pid)
            for name in names:
                for request in _fresh(plan, name, args.warmup):
                    client.get(request.path)
                cold, made = _timed_requests(
                    client, name, _fresh(plan, name, args.requests), args.max_seconds_per_query
                )
                again = (r for _ in range(args.warm_repeats) for r in made)
                warm, _ = _timed_requests(client, name, again, args.max_seconds_per_query)
                results[name] = {
                    "cold": cold,
                    "warm": warm,
                    "target_p99_ms": TARGETS_MS.get(name),
                    "examples": [r.path for r in made[:2]],
                }
                log(
                    f"  {name:24s} cold p50 {cold['p50_ms']!s:>7} p99 {cold['p99_ms']!s:>7} ms"
                    f" (n={cold['n']}) | warm p50 {warm['p50_ms']!s:>7} p99 {warm['p99_ms']!s:>7} ms"
                    f" (n={warm['n']}) | {cold['mean_items']} items/answer"
                )
            cpu_s = cpu_seconds(server.pid) - cpu0
        summary = rss.summary()
    finally:
        if profiler is not None:
            profiler.send_signal(2)  # SIGINT: py-spy writes its output and exits
            try:
                profiler.wait(60)
            except subprocess.TimeoutExpired:
                profiler.kill()
            log(f"py-spy profile written to {args.py_spy}")
        server.stop()
    return {
        "startup_s": round(startup_s, 1),
        "rss_after_start_mib": rss_idle_mib,
        "rss_peak_mib": summary["rss_peak_mib"],
        "rss_target_mib": RSS_TARGET_MIB,
        "server_cpu_s": round(cpu_s, 1),
        "seed": args.seed,
        "warm_repeats": args.warm_repeats,
        "queries": results,
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def inspect_data_dir(root: Path, d: dict[str, Any]) -> tuple[dict[str, dict[str, int]], DataShape]:
    """Rows, parts and bytes on disk of each table's active parts (not parts a merge replaced,
    which stay on disk for a few minutes), once a reused data dir has been migrated to the
    current schema and its merges have settled; and what the requests vary over: each
    sampled trace's (start, end) as the trace list gives them, and the filter values the
    data holds. Opens the data dir, so only while no server runs."""
    from gls_engine.config import settings_for_tests
    from gls_engine.storage import open_store

    store = open_store(settings_for_tests(data_dir=str(root / "studio")))
    store._open()
    try:
        store.migrate()
        _settle(store)
        rows = store.query_rows_sync(
            "SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes"
            " FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table"
        )
        windows = store.query_rows_sync(
            "SELECT lower(hex(trace_id)) AS t, toUnixTimestamp64Nano(min(start_time)) AS s,"
            " toUnixTimestamp64Nano(max(end_time)) AS e FROM trace_summaries"
            " WHERE lower(hex(trace_id)) IN {ids:Array(String)} GROUP BY trace_id",
            {"ids": [tid.lower() for _, tid in d["sample_traces"]]},
        )
        values = read_filter_values(store)
    finally:
        store._close()
    shape = DataShape(
        projects=list(d["projects"]),
        first_ms=(d["anchor_ns"] - d["days"] * DAY_NS) // 10**6,
        now_ms=d["anchor_ns"] // 10**6 + 5 * 60_000,
        traces=[(project, tid) for project, tid in d["sample_traces"]],
        trace_windows={w["t"]: (int(w["s"]), int(w["e"])) for w in windows},
        values=values,
    )
    tables = {
        r["table"]: {"parts": r["parts"], "rows": r["rows"], "bytes": r["bytes"]} for r in rows
    }
    return tables, shape


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--spans", type=int, default=1_000_000, help="spans to load (default 1M)")
    ap.add_argument("--data-dir", help="bench data dir (default ~/.cache/gls-bench/query-<spans>)")
    ap.add_argument("--fresh", action="store_true", help="delete the data dir and load anew")
    ap.add_argument("--days", type=int, default=7, help="spread start times over this many days")
    ap.add_argument("--projects", type=int, default=4)
    ap.add_argument("--load-via", choices=("direct", "otlp"), default="direct")
    ap.add_argument(
        "--load-concurrency", type=int, default=8, help="connections for --load-via otlp"
    )
    ap.add_argument("--load-only", action="store_true")
    ap.add_argument(
        "--requests",
        type=int,
        default=200,
        help="distinct measured requests per query, each made once cold (default 200)",
    )
    ap.add_argument(
        "--warm-repeats",
        type=int,
        default=1,
        help="times the measured requests are made again, warm (default 1)",
    )
    ap.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="warm-up requests per query, other requests than the measured ones (default 20)",
    )
    ap.add_argument("--seed", type=int, default=42, help="seed of the requests' random choices")
    ap.add_argument(
        "--max-seconds-per-query",
        type=float,
        default=60.0,
        help="stop measuring a query's cold, and its warm, requests after this long (default 60)",
    )
    ap.add_argument("--only", action="append", help="run only this query (repeatable)")
    ap.add_argument("--py-spy", metavar="OUT", help="profile the Studio during the queries")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    exit_on_sigterm()

    root = Path(args.data_dir or Path.home() / ".cache" / "gls-bench" / f"query-{args.spans}")
    if args.fresh and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    d = ensure_loaded(args, root)
    result: dict[str, Any] = {
        "bench": "query",
        "machine": machine_info(),
        "command": "python benches/bench_query.py " + " ".join(argv or sys.argv[1:]),
        "data_dir": str(root),
        "spans": d["spans"],
        "projects": len(d["projects"]),
        "days": d["days"],
        "loads": d["loads"],
    }
    parts, shape = inspect_data_dir(root, d)
    result["tables"] = parts
    result["disk_bytes"] = sum(t["bytes"] for t in parts.values())
    result["disk_bytes_per_span"] = round(result["disk_bytes"] / max(d["spans"], 1), 1)
    result["filter_values"] = {k: len(v) for k, v in shape.values.items()}
    if not args.load_only:
        result.update(run_queries(args, shape, root))
        print_report(result)
    result["machine"]["loadavg_at_end"] = loadavg()
    write_json(args.json_out, result)
    return 0


def print_report(r: dict[str, Any]) -> None:
    print(
        f"{r['spans']:,} spans, {r['projects']} projects over {r['days']} days,"
        f" {r['disk_bytes'] / 2**20:,.0f} MiB in active parts ({r['disk_bytes_per_span']} B/span)"
    )
    print(
        f"{'query':24s} {'cold p50':>8s} {'p99':>8s} {'warm p50':>8s} {'p99':>8s}"
        f" {'target p99':>10s} {'n cold':>6s} {'n warm':>6s} {'items':>8s}"
    )
    for name, q in r["queries"].items():
        cold, warm = q["cold"], q["warm"]
        target = f"< {q['target_p99_ms']}" if q["target_p99_ms"] else ""
        print(
            f"{name:24s} {cold['p50_ms']!s:>8s} {cold['p99_ms']!s:>8s} {warm['p50_ms']!s:>8s}"
            f" {warm['p99_ms']!s:>8s} {target:>10s} {cold['n']:>6d} {warm['n']:>6d}"
            f" {cold['mean_items']!s:>8s}"
        )
    print(
        f"server RSS: {r['rss_after_start_mib']} MiB after start, peak {r['rss_peak_mib']} MiB"
        f" (target < {r['rss_target_mib']} MiB); startup {r['startup_s']} s"
    )


if __name__ == "__main__":
    sys.exit(main())
