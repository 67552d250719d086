"""End-to-end OTLP/HTTP protobuf ingest: the Studio, then Arize Phoenix, same load, same run.

    python benches/bench_ingest.py                       # 30 s, C=8, then Phoenix
    python benches/bench_ingest.py --duration 10 --skip-phoenix --json /tmp/ingest.json
    python benches/bench_ingest.py --skip-phoenix -c 32 --protocol grpc   # the Studio's OTLP/gRPC
    python benches/bench_ingest.py --skip-phoenix -c 32 --encoding json+gzip   # OTLP JSON, gzip'd

For each server: start it on loopback with a fresh temporary data dir (the
Studio with production defaults except its ports), run a load generator in a
separate process (aiohttp, C concurrent connections, each posting 500-span
requests from benches/workload.py back to back), warm up, then measure for
--duration seconds: spans acknowledged (HTTP 200) and refused (429; Phoenix says 503), acked
spans/s, request latency p50/p99, server RSS and CPU. A 429 is honoured like an
exporter would: the connection waits Retry-After (at most 1 s) and goes on.

Afterwards durability: the Studio answers only after storing, so the spans it
stores (sum of span_count over /api/v1/projects) must equal the spans it
acknowledged. Phoenix answers before storing: the bench polls its SQLite
database until the stored count reaches the acknowledged count and reports how
long that took (bounded by --phoenix-drain-timeout).

Figures are for comparing in the same run: on a 2-core machine the load
generator shares the CPU with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    RssSampler,
    cpu_seconds,
    ensure_phoenix,
    exit_on_sigterm,
    http_json,
    loadavg,
    log,
    machine_info,
    percentile,
    phoenix_process,
    studio_process,
    write_json,
)

PROJECTS = ["bench-ingest-a", "bench-ingest-b"]
REFUSED = (429, 503)  # "retry later": the Studio's full queue (429), Phoenix at capacity (503)


# --- the load generator (runs in its own process) ------------------------------------------
def _loadgen_entry(
    url: str,
    concurrency: int,
    start_at: float,
    warmup_s: float,
    duration_s: float,
    seed: int,
    track_project: str | None,
    encoding: str,
    out: Any,
) -> None:
    try:
        out.put(
            asyncio.run(
                _loadgen(
                    url, concurrency, start_at, warmup_s, duration_s, seed, track_project, encoding
                )
            )
        )
    except BaseException as exc:  # report, never hang the parent
        out.put({"error": repr(exc)})


async def _loadgen(
    url: str,
    concurrency: int,
    start_at: float,
    warmup_s: float,
    duration_s: float,
    seed: int,
    track_project: str | None,
    encoding: str = "protobuf",
) -> dict[str, Any]:
    """C workers posting 500-span requests back to back: OTLP/HTTP protobuf, or
    OTLP/gRPC when `url` is grpc://host:port (one HTTP/2 channel, as the SDK's
    exporter; the serialized request sent as it is, no protobuf work).
    `encoding` (HTTP only): protobuf or json (the OTLP JSON mapping), each
    optionally "+gzip" (compressed per request by the generator, level 1).

    With `track_project`, a random quarter of the requests note the traces of that
    project they carried and the wall time of their 2xx (for the live-update delay)."""
    import random

    from workload import Workload

    wl = Workload(projects=PROJECTS, seed=seed)
    records: list[tuple[float, float, int, int]] = []  # (start, end, status, spans)
    tracked: list[tuple[str, float]] = []  # (trace id hex, wall time of the 2xx)
    sample = random.Random(seed).random
    kind, _, compression = encoding.partition("+")
    make_body = wl.request_json if kind == "json" else wl.request
    gzipped = compression == "gzip"

    def zlib_gzip(body: bytes) -> bytes:
        import zlib

        packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: gzip framing
        return packer.compress(body) + packer.flush()

    while time.time() < start_at:
        await asyncio.sleep(min(0.05, max(0.0, start_at - time.time())))
    t_start = time.monotonic()
    cpu0 = time.process_time()
    stop_at = t_start + warmup_s + duration_s

    async def worker(send: Any) -> None:
        while time.monotonic() < stop_at:
            traces: list[tuple[str, bytes]] | None = (
                [] if track_project is not None and sample() < 0.25 else None
            )
            body = make_body(trace_ids_out=traces)
            if gzipped:
                body = zlib_gzip(body)
            t0 = time.monotonic()
            status, retry_after = await send(body)
            records.append((t0 - t_start, time.monotonic() - t_start, status, wl.spans_per_request))
            if traces and status == 200:
                acked_at = time.time()
                tracked.extend(
                    (tid.hex(), acked_at) for proj, tid in traces if proj == track_project
                )
            if status in (429, 503) or status < 0:
                try:
                    delay = min(float(retry_after or 1), 1.0)
                except ValueError:
                    delay = 1.0
                await asyncio.sleep(delay)

    if url.startswith("grpc://"):
        import grpc

        channel = grpc.aio.insecure_channel(
            url.removeprefix("grpc://"),
            options=[
                ("grpc.max_send_message_length", 64 << 20),
                ("grpc.max_receive_message_length", 64 << 20),
            ],
        )
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        # The statuses an exporter reads as the HTTP ones: refused (retry) or failed.
        as_http = {grpc.StatusCode.RESOURCE_EXHAUSTED: 429, grpc.StatusCode.UNAVAILABLE: 503}

        async def send_grpc(body: bytes) -> tuple[int, str | None]:
            try:
                await export(body, timeout=300)
                return 200, None
            except grpc.aio.AioRpcError as exc:
                return as_http.get(exc.code(), -1), "1"

        async with channel:
            await asyncio.gather(*(worker(send_grpc) for _ in range(concurrency)))
    else:
        import aiohttp

        headers = {
            "Content-Type": "application/json" if kind == "json" else "application/x-protobuf"
        }
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=300)
        ) as session:

            async def send_http(body: bytes) -> tuple[int, str | None]:
                try:
                    async with session.post(url, data=body, headers=headers) as resp:
                        await resp.read()
                        return resp.status, resp.headers.get("Retry-After")
                except (TimeoutError, aiohttp.ClientError, OSError):
                    return -1, "0.5"

            await asyncio.gather(*(worker(send_http) for _ in range(concurrency)))
    return {
        "records": records,
        "request_bytes": wl.request_bytes,
        "cpu_s": time.process_time() - cpu0,
        "tracked": tracked,
    }


def run_load(
    url: str,
    concurrency: int,
    procs: int,
    warmup_s: float,
    duration_s: float,
    track_project: str | None = None,
    encoding: str = "protobuf",
) -> dict[str, Any]:
    """Run the load from `procs` processes sharing `concurrency` connections; merge results
    (`tracked`: the traces of `track_project` noted with the time of their 2xx)."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 4.0  # time for the children to build their templates
    shares = [concurrency // procs + (1 if i < concurrency % procs else 0) for i in range(procs)]
    children = [
        ctx.Process(
            target=_loadgen_entry,
            args=(url, c, start_at, warmup_s, duration_s, 11 + i, track_project, encoding, out),
        )
        for i, c in enumerate(shares)
        if c > 0
    ]
    for child in children:
        child.start()
    results = [out.get() for _ in children]
    for child in children:
        child.join()
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise RuntimeError(f"load generator failed: {errors}")
    records = [rec for r in results for rec in r["records"]]
    summary = summarize(records, warmup_s, duration_s, results[0]["request_bytes"])
    summary["start_wall"] = start_at
    summary["loadgen_cpu_s"] = round(sum(r["cpu_s"] for r in results), 1)
    summary["tracked"] = [t for r in results for t in r["tracked"]]
    return summary


# --- live updates: the Studio's WebSocket, watched during the load ----------------------------
def _live_entry(ws_url: str, ready: Any, stop: Any, out: Any) -> None:
    try:
        out.put(asyncio.run(_live(ws_url, ready, stop)))
    except BaseException as exc:  # report, never hang the parent
        ready.set()
        out.put({"error": repr(exc)})


async def _live(ws_url: str, ready: Any, stop: Any) -> dict[str, Any]:
    """Subscribe as the web UI does; note when each trace id first arrives."""
    import json

    import aiohttp

    first_seen: dict[str, float] = {}
    lagged = messages = 0
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        hello = await ws.receive_json(timeout=30)
        if hello.get("type") != "subscribed":
            raise RuntimeError(f"unexpected first message {hello}")
        ready.set()
        while not stop.is_set():
            try:
                msg = await ws.receive(timeout=0.2)
            except TimeoutError:
                continue
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"live socket ended: {msg.type}")
            now = time.time()
            data = json.loads(msg.data)
            messages += 1
            if data["type"] == "lagged":
                lagged += data["dropped"]
            elif data["type"] == "traces":
                for trace in data["traces"]:
                    first_seen.setdefault(trace["trace_id"], now)
    return {"first_seen": first_seen, "lagged": lagged, "messages": messages}


class LiveWatcher:
    """A WebSocket subscriber in its own process for the length of the load; then, for the
    traces the load generator noted, the delay from their 2xx to their first live update."""

    def __init__(self, ws_url: str) -> None:
        ctx = mp.get_context("spawn")
        self.ready, self.stop, self.out = ctx.Event(), ctx.Event(), ctx.Queue()
        self.proc = ctx.Process(target=_live_entry, args=(ws_url, self.ready, self.stop, self.out))

    def start(self) -> None:
        self.proc.start()
        if not self.ready.wait(60):
            raise RuntimeError("live subscriber did not connect")

    def finish(self, load: dict[str, Any], grace_s: float = 3.0) -> dict[str, Any]:
        time.sleep(grace_s)  # updates of the last requests are still on their way
        self.stop.set()
        got = self.out.get(timeout=60)
        self.proc.join(10)
        if "error" in got:
            raise RuntimeError(f"live subscriber failed: {got['error']}")
        lo = load["start_wall"] + load["warmup_s"]
        hi = lo + load["duration_s"]
        delays, missing = [], 0
        for tid, acked_at in load["tracked"]:
            if not lo <= acked_at < hi:
                continue
            seen = got["first_seen"].get(tid)
            if seen is None:
                missing += 1
            else:
                delays.append((seen - acked_at) * 1000)
        return {
            "live_traces_checked": len(delays) + missing,
            "live_traces_missing": missing,
            "live_lagged_messages": got["lagged"],
            "live_messages": got["messages"],
            "live_delay_ms_p50": _round(percentile(delays, 50)),
            "live_delay_ms_p99": _round(percentile(delays, 99)),
            "live_delay_ms_max": _round(max(delays) if delays else None),
            "live_within_1s_pct": _round(
                100 * sum(d <= 1000 for d in delays) / len(delays) if delays else None, 2
            ),
        }


def summarize(
    records: list[tuple[float, float, int, int]],
    warmup_s: float,
    duration_s: float,
    request_bytes: int,
) -> dict[str, Any]:
    lo, hi = warmup_s, warmup_s + duration_s
    window = [r for r in records if lo <= r[1] < hi]  # completed inside the measured window
    ok = [r for r in window if r[2] == 200]
    latencies = [(r[1] - r[0]) * 1000 for r in window if r[0] >= lo and r[2] == 200]
    by_status: dict[str, int] = {}
    for r in records:
        by_status[str(r[2])] = by_status.get(str(r[2]), 0) + 1
    acked_total = sum(r[3] for r in records if r[2] == 200)
    return {
        "duration_s": duration_s,
        "warmup_s": warmup_s,
        "request_bytes": request_bytes,
        "requests_measured": len(window),
        "acked_spans_measured": sum(r[3] for r in ok),
        "refused_spans_measured": sum(r[3] for r in window if r[2] in REFUSED),
        "acked_spans_per_s": round(sum(r[3] for r in ok) / duration_s, 1),
        "acked_mib_per_s": round(len(ok) * request_bytes / duration_s / 2**20, 2),
        "latency_ms_p50": _round(percentile(latencies, 50)),
        "latency_ms_p99": _round(percentile(latencies, 99)),
        "latency_ms_max": _round(max(latencies) if latencies else None),
        "requests_by_status_all": by_status,
        "acked_spans_total": acked_total,  # warm-up and the tail included: what must be stored
        "refused_spans_total": sum(r[3] for r in records if r[2] in REFUSED),
        "failed_requests_total": sum(1 for r in records if r[2] != 200 and r[2] not in REFUSED),
        "load_wall_s": round(max((r[1] for r in records), default=0.0), 2),
    }


def _round(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


class py_spy:
    """`py-spy record` of a pid for the duration of a with-block (when out is set)."""

    def __init__(self, out: str | None, pid: int, args: argparse.Namespace) -> None:
        self.out, self.pid, self.args, self.proc = out, pid, args, None

    def __enter__(self) -> py_spy:
        if self.out:
            fmt = "raw" if self.out.endswith(".txt") else "flamegraph"
            seconds = int(self.args.warmup + self.args.duration + 5)
            self.proc = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(self.pid),
                    "--output",
                    self.out,
                    "--format",
                    fmt,
                    "--duration",
                    str(seconds),
                    "--rate",
                    "50",
                    "--nonblocking",
                    "--threads",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait()
            log(f"py-spy profile written to {self.out}")


# --- the Studio ------------------------------------------------------------------------------
def bench_studio(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    server, ports = studio_process(tmp / "studio-data", tmp / "studio.log", *args.studio_arg)
    log(f"starting the Studio ({' '.join(server.cmd[3:])})")
    server.start(ready_line="ready")
    try:
        api = f"http://127.0.0.1:{ports['api']}"
        url = (
            f"grpc://127.0.0.1:{ports['otlp_grpc']}"
            if args.protocol == "grpc"
            else f"http://127.0.0.1:{ports['otlp_http']}/v1/traces"
        )
        live = None
        if args.live:
            live = LiveWatcher(f"ws://127.0.0.1:{ports['api']}/api/v1/projects/{PROJECTS[0]}/live")
            live.start()
        cpu0 = cpu_seconds(server.pid)
        log(
            f"Studio load: OTLP/{args.protocol} {args.encoding}, C={args.concurrency} for {args.warmup:.0f}+{args.duration:.0f} s"
            + (f", {PROJECTS[0]} watched live" if live else "")
        )
        with RssSampler(server.pid) as rss, py_spy(args.py_spy, server.pid, args):
            load = run_load(
                url,
                args.concurrency,
                args.procs,
                args.warmup,
                args.duration,
                track_project=PROJECTS[0] if live else None,
                encoding=args.encoding,
            )
        load["server_cpu_s"] = round(cpu_seconds(server.pid) - cpu0, 1)
        if live:
            load.update(live.finish(load))
            log(
                f"live updates: {load['live_traces_checked']} traces checked, delay after the 2xx"
                f" p50 {load['live_delay_ms_p50']} ms, p99 {load['live_delay_ms_p99']} ms,"
                f" max {load['live_delay_ms_max']} ms; within 1 s {load['live_within_1s_pct']}%,"
                f" missing {load['live_traces_missing']}, lagged {load['live_lagged_messages']}"
            )
        del load["tracked"]
        load.update(rss.summary())
        projects = http_json(f"{api}/api/v1/projects")["projects"]
        status = http_json(f"{api}/api/v1/status")
        stored = sum(p["span_count"] for p in projects if p["name"] in PROJECTS)
        load["stored_spans_api"] = stored
        load["stored_spans_counter"] = status.get("counters", {}).get("spans_stored")
        load["durable"] = stored == load["acked_spans_total"]
        load["server_counters"] = status.get("counters", {})
        log(
            f"Studio: {load['acked_spans_per_s']:.0f} acked spans/s, p50 {load['latency_ms_p50']} ms,"
            f" p99 {load['latency_ms_p99']} ms, acked {load['acked_spans_total']},"
            f" stored {stored}, refused {load['refused_spans_total']}"
        )
        return load
    finally:
        code = server.stop()
        if code not in (0, None):
            log(f"Studio exited with {code}:\n{server.tail()}")


# --- Arize Phoenix -----------------------------------------------------------------------------
def _phoenix_stored(db: Path) -> int | None:
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return int(conn.execute("SELECT count(*) FROM spans").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def bench_phoenix(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    ensure_phoenix()
    work = tmp / "phoenix-work"
    work.mkdir()
    server, ports = phoenix_process(work, tmp / "phoenix.log")
    log("starting Phoenix (phoenix serve)")
    server.start(ready_url=f"http://127.0.0.1:{ports['http']}/healthz", timeout=300)
    try:
        url = f"http://127.0.0.1:{ports['http']}/v1/traces"
        db = work / "phoenix.db"
        cpu0 = cpu_seconds(server.pid)
        log(f"Phoenix load: C={args.concurrency} for {args.warmup:.0f}+{args.duration:.0f} s")
        with RssSampler(server.pid) as rss:
            load = run_load(
                url,
                args.concurrency,
                args.procs,
                args.warmup,
                args.duration,
                encoding=args.encoding,
            )
            del load["tracked"]
            t_acked = time.monotonic()
            # Phoenix answered before storing: wait until what it acked is in its database.
            acked = load["acked_spans_total"]
            stored, last_change, last = _phoenix_stored(db), time.monotonic(), None
            progress: list[tuple[float, int]] = []  # (seconds after the load, stored)
            log(f"Phoenix acked {acked} spans; waiting for its database to hold them")
            while time.monotonic() - t_acked < args.phoenix_drain_timeout:
                stored = _phoenix_stored(db)
                now = time.monotonic() - t_acked
                if stored is not None:
                    progress.append((now, stored))
                    if len(progress) % 15 == 0:
                        log(f"  Phoenix stored {stored}/{acked} after {now:.0f} s")
                if stored is not None and stored >= acked:
                    break
                if stored != last:
                    last, last_change = stored, time.monotonic()
                elif time.monotonic() - last_change > 120:
                    break  # no progress for 2 minutes: it will not get there
                time.sleep(1.0)
            t_stored = time.monotonic()
            stored_wall = time.time()
        load["server_cpu_s"] = round(cpu_seconds(server.pid) - cpu0, 1)
        load.update(rss.summary())
        load["stored_spans_db"] = stored
        load["stored_all_acked"] = stored == acked
        load["drain_s_after_load"] = round(t_stored - t_acked, 1)
        load["drained"] = stored is not None and stored >= acked
        # The storing rate over the last minute of the wait, and when it would be done.
        recent = [p for p in progress if p[0] >= progress[-1][0] - 60] if progress else []
        if len(recent) >= 2 and recent[-1][0] > recent[0][0]:
            rate = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
            load["store_rate_spans_per_s_last_min"] = round(rate, 1)
            if not load["drained"] and rate > 0:
                load["drain_s_estimated"] = round(
                    load["drain_s_after_load"] + (acked - (stored or 0)) / rate, 0
                )
        # Spans actually stored per second: from the start of the load until stored.
        load["stored_spans_per_s"] = round(
            (stored or 0) / max(stored_wall - load["start_wall"], 1e-9), 1
        )
        log(
            f"Phoenix: {load['acked_spans_per_s']:.0f} acked spans/s, p50 {load['latency_ms_p50']} ms,"
            f" p99 {load['latency_ms_p99']} ms; stored {stored}/{acked}"
            f" {load['drain_s_after_load']} s after the load"
        )
        return load
    finally:
        code = server.stop()
        if code not in (0, None, -15):
            log(f"Phoenix exited with {code}:\n{server.tail()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=float, default=30.0, help="measured seconds (default 30)")
    ap.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds before (default 5)")
    ap.add_argument("--concurrency", "-c", type=int, default=8, help="connections (default 8)")
    ap.add_argument("--procs", type=int, default=1, help="load generator processes (default 1)")
    ap.add_argument("--skip-phoenix", action="store_true")
    ap.add_argument(
        "--protocol",
        choices=("http", "grpc"),
        default="http",
        help="the Studio's OTLP receiver to load: http (protobuf) or grpc",
    )
    ap.add_argument("--skip-studio", action="store_true")
    ap.add_argument(
        "--encoding",
        choices=("protobuf", "json", "protobuf+gzip", "json+gzip"),
        default="protobuf",
        help="OTLP/HTTP body: protobuf or the OTLP JSON mapping, optionally gzip'd by"
        " the load generator (level 1; its CPU is reported)",
    )
    ap.add_argument(
        "--live",
        action="store_true",
        help="a WebSocket subscriber watches one project during the Studio's load:"
        " delay from a request's 2xx to the live update of its traces",
    )
    ap.add_argument(
        "--phoenix-drain-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for Phoenix to store what it acked (default 300)",
    )
    ap.add_argument(
        "--studio-arg",
        action="append",
        default=[],
        help="extra flag for `gls serve` (repeatable), e.g. --studio-arg=--insert-threads=1",
    )
    ap.add_argument(
        "--py-spy",
        metavar="OUT",
        help="profile the Studio with py-spy during the load (OUT.svg flame graph,"
        " OUT.txt collapsed stacks)",
    )
    ap.add_argument("--json", dest="json_out", help="write the results as JSON to this file")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary data dirs and logs")
    args = ap.parse_args(argv)
    if args.protocol == "grpc" and args.encoding != "protobuf":
        ap.error("--encoding is for OTLP/HTTP; OTLP/gRPC sends protobuf")
    exit_on_sigterm()

    result: dict[str, Any] = {
        "bench": "ingest",
        "machine": machine_info(),
        "command": "python benches/bench_ingest.py " + " ".join(argv or sys.argv[1:]),
        "spans_per_request": 500,
        "concurrency": args.concurrency,
        "protocol": args.protocol,
        "encoding": args.encoding,
    }
    tmp_ctx = tempfile.TemporaryDirectory(prefix="gls-bench-ingest-")
    tmp = Path(tmp_ctx.name)
    try:
        if not args.skip_studio:
            result["studio"] = bench_studio(args, tmp)
        if not args.skip_phoenix:
            result["phoenix"] = bench_phoenix(args, tmp)
        if "studio" in result and "phoenix" in result:
            s, p = result["studio"], result["phoenix"]
            result["ratio_acked"] = round(
                s["acked_spans_per_s"] / max(p["acked_spans_per_s"], 1e-9), 2
            )
            result["ratio_stored"] = round(
                s["acked_spans_per_s"] / max(p["stored_spans_per_s"], 1e-9), 2
            )
        print_report(result)
        result["machine"]["loadavg_at_end"] = loadavg()
        write_json(args.json_out, result)
    finally:
        if args.keep_tmp:
            log(f"kept {tmp}")
        else:
            tmp_ctx.cleanup()
    return 0


def print_report(r: dict[str, Any]) -> None:
    rows = [
        (
            "server",
            "acked spans/s",
            "p50 ms",
            "p99 ms",
            "acked",
            "refused",
            "stored",
            "peak RSS MiB",
            "server CPU s",
        )
    ]
    for name in ("studio", "phoenix"):
        if name in r:
            x = r[name]
            stored = x.get("stored_spans_api", x.get("stored_spans_db"))
            rows.append(
                (
                    name,
                    f"{x['acked_spans_per_s']:.0f}",
                    str(x["latency_ms_p50"]),
                    str(x["latency_ms_p99"]),
                    str(x["acked_spans_total"]),
                    str(x["refused_spans_total"]),
                    str(stored),
                    str(x["rss_peak_mib"]),
                    str(x["server_cpu_s"]),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    if "ratio_acked" in r:
        print(
            f"Studio / Phoenix: {r['ratio_acked']}x acked spans/s,"
            f" {r['ratio_stored']}x vs Phoenix's stored spans/s"
        )


if __name__ == "__main__":
    sys.exit(main())
