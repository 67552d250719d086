"""Many people in the web UI at once, while the Studio ingests at full speed.

    python benches/bench_users.py                          # 1,000 users, C=32 ingest, 60 s
    python benches/bench_users.py --users 200 --duration 20 --json /tmp/users.json

The Studio starts on a fresh temporary data dir with production defaults
(except its ports). A load generator (benches/bench_ingest.py's: C connections
posting 500-span OTLP/HTTP requests back to back) ingests into two projects.
Meanwhile --users simulated UI users, spread over --user-procs processes, each:

- holds the project's live WebSocket open (as the trace list does);
- every --period seconds (jittered 0.5x..1.5x) reads a page as the UI does,
  its requests at once: the trace list (list, facets, notifications), an
  opened trace (the first of its last list, with the list's times), or an
  analytics page (metrics and costs), all over the last hour;
- while on the trace list, fetches it again after live updates, as the UI
  does (at most once per max(1 s, 4x its last load)).

Requests are the UI's (web/src/api.ts, timeRange.ts): the last hour in whole
10 s steps, `Cache-Control: max-age=2` and `X-GLS-Min-Generation` from the
live updates (--exact-reads leaves those headers out, as before the read gate).

Reported for the measured window (after --warmup): API latency p50/p99 per
kind of request and per page, errors (any non-2xx or failed request; a 429 is
an error here: a person sees it), live-update delay (from the 2xx of an ingest
request to a user's WebSocket message carrying its trace, for a 1/256 sample of
the traces over one user in ten, who read every message whole; the others read
only its generation), users missing a sampled trace, lagged (dropped)
live messages, WebSocket failures, ingest throughput, server RSS and CPU.

On a 2-core machine the users' processes and the load generator share the CPU
with the Studio: the figures are for this whole box, not for the server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import PROJECTS, run_load  # noqa: E402
from harness import (  # noqa: E402
    RssSampler,
    cpu_seconds,
    exit_on_sigterm,
    http_json,
    log,
    machine_info,
    percentile,
    studio_process,
    write_json,
)

WATCHED = PROJECTS[0]
SAMPLED_PREFIX = "00"  # trace ids whose live delay the watchers note (1/256 of them)
PAGES = (("traces", 0.5), ("trace", 0.25), ("analytics", 0.25))
STEP_MS = 10_000  # the UI's step for "Last hour" (web/src/timeRange.ts)
WATCH_EVERY = 10  # 1 user in 10 reads every trace of every live message
GENERATION = re.compile(r'"generation":(\d+)')


# --- the users (each process runs many on one event loop) ------------------------------------
def _users_entry(api: str, users: int, seed: int, plan: dict[str, float], out: Any) -> None:
    try:
        out.put(asyncio.run(_users(api, users, seed, plan)))
    except BaseException as exc:  # report, never hang the parent
        out.put({"error": repr(exc)})


async def _users(api: str, users: int, seed: int, plan: dict[str, float]) -> dict[str, Any]:
    import aiohttp
    import orjson

    rng = random.Random(seed)
    t0 = plan["start_at"]
    measure_from, stop_at = plan["measure_from"], plan["stop_at"]
    requests: list[tuple[str, float, int]] = []  # (kind, ms, status) in the measured window
    pages: list[tuple[str, float, bool]] = []  # (page, ms of its slowest request, all 2xx)
    seen: dict[str, list[float]] = {}  # sampled trace id -> wall times users first got it
    ws = {"connected": 0, "watchers": 0, "failed": 0, "ended_early": 0, "messages": 0, "lagged": 0}
    base = f"{api}/api/v1/projects/{WATCHED}"

    def window() -> dict[str, str]:
        now_ms = int(time.time() * 1000)
        start = (now_ms - 3_600_000) // STEP_MS * STEP_MS
        end = -(-now_ms // STEP_MS) * STEP_MS + 60_000
        return {"start": str(start), "end": str(end)}

    async def get(
        session: aiohttp.ClientSession, kind: str, url: str, params: dict, generation: int = 0
    ) -> Any:
        started = time.time()
        status, body = -1, None
        headers = (
            {}
            if plan["exact_reads"]
            else {"Cache-Control": "max-age=2", "X-GLS-Min-Generation": str(generation)}
        )
        try:
            async with session.get(url, params=params, headers=headers) as resp:
                status = resp.status
                raw = await resp.read()
                if status == 200:
                    body = orjson.loads(raw)
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
        if started >= measure_from:
            requests.append((kind, (time.time() - started) * 1000, status))
        return status, body

    async def live(session: aiohttp.ClientSession, me: dict[str, Any]) -> None:
        mine: set[str] = set()
        try:
            async with session.ws_connect(f"{base.replace('http', 'ws', 1)}/live") as sock:
                hello = await sock.receive_json(timeout=60)
                if hello.get("type") != "subscribed":
                    raise RuntimeError(f"unexpected first message {hello}")
                ws["connected"] += 1
                ws["watchers"] += me["watcher"]
                while time.time() < stop_at:
                    try:
                        msg = await sock.receive(timeout=max(0.1, stop_at - time.time()))
                    except TimeoutError:
                        break
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        ws["ended_early"] += 1
                        return
                    now = time.time()
                    if now >= measure_from:
                        ws["messages"] += 1
                    if not me["watcher"]:
                        # most users only need the generation, near the start of the
                        # message: parsing every trace of every message for 500 users in
                        # one process was the bench's own bottleneck, not the Studio's
                        head = GENERATION.search(msg.data, 0, 200)
                        if head:
                            me["generation"] = max(me["generation"], int(head.group(1)))
                        elif '"lagged"' in msg.data[:40]:
                            ws["lagged"] += orjson.loads(msg.data)["dropped"]
                        if head and me["on_list"] and me["refresh"] is None:
                            me["refresh"] = asyncio.create_task(refresh(session, me))
                        continue
                    data = orjson.loads(msg.data)
                    if data["type"] == "lagged":
                        ws["lagged"] += data["dropped"]
                    elif data["type"] == "traces":
                        me["generation"] = max(me["generation"], data.get("generation", 0))
                        if me["on_list"] and me["refresh"] is None:
                            me["refresh"] = asyncio.create_task(refresh(session, me))
                        for t in data["traces"]:
                            tid = t["trace_id"]
                            if tid.startswith(SAMPLED_PREFIX) and tid not in mine:
                                mine.add(tid)
                                seen.setdefault(tid, []).append(now)
        except (TimeoutError, aiohttp.ClientError, OSError, RuntimeError):
            ws["failed"] += 1

    async def refresh(session: aiohttp.ClientSession, me: dict[str, Any]) -> None:
        """The trace list's refresh after live updates (web/src/TraceList.tsx)."""
        await asyncio.sleep(max(1.0, 4 * me["last_load_s"]))
        if me["on_list"] and time.time() < stop_at:
            started = time.time()
            params = {**window(), "limit": "50"}
            await get(session, "list_live", f"{base}/traces", params, me["generation"])
            me["last_load_s"] = time.time() - started
        me["refresh"] = None

    async def browse(session: aiohttp.ClientSession, period: float, me: dict[str, Any]) -> None:
        last_trace: dict[str, Any] | None = None
        while True:
            await asyncio.sleep(period * rng.uniform(0.5, 1.5))
            if time.time() >= stop_at:
                return
            page = rng.choices([p for p, _ in PAGES], [w for _, w in PAGES])[0]
            if page == "trace" and last_trace is None:
                page = "traces"
            started = time.time()
            w = window()
            g = me["generation"]
            me["on_list"] = page == "traces"
            if page == "traces":
                got = await asyncio.gather(
                    get(session, "list", f"{base}/traces", {**w, "limit": "50"}, g),
                    get(session, "facets", f"{base}/traces/facets", w, g),
                    get(
                        session,
                        "notifications",
                        f"{api}/api/v1/notifications",
                        {"project": WATCHED, **w},
                        g,
                    ),
                )
                listed = got[0][1]
                if listed and listed.get("traces"):
                    last_trace = listed["traces"][0]
            elif page == "trace":
                assert last_trace is not None
                params = {
                    "start": str(last_trace["start_time_unix_nano"] // 10**6),
                    "end": str(last_trace["end_time_unix_nano"] // 10**6 + 1),
                }
                got = [
                    await get(
                        session, "open_trace", f"{base}/traces/{last_trace['trace_id']}", params, g
                    )
                ]
            else:
                got = await asyncio.gather(
                    get(session, "metrics", f"{base}/analytics/metrics", w, g),
                    get(session, "costs", f"{base}/analytics/costs", w, g),
                )
            if started >= measure_from:
                pages.append((page, (time.time() - started) * 1000, all(s == 200 for s, _ in got)))

    async def user(session: aiohttp.ClientSession, i: int) -> None:
        # connect over the ramp, as people arrive
        await asyncio.sleep(max(0.0, t0 + plan["ramp_s"] * i / users - time.time()))
        me: dict[str, Any] = {
            "watcher": i % WATCH_EVERY == 0,  # notes the live delay of sampled traces
            "generation": 0,
            "on_list": False,
            "refresh": None,
            "last_load_s": 0.0,
        }
        await asyncio.gather(live(session, me), browse(session, plan["period_s"], me))
        if me["refresh"] is not None:
            await me["refresh"]

    cpu0 = time.process_time()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(user(session, i) for i in range(users)))
    return {
        "requests": requests,
        "pages": pages,
        "seen": seen,
        "ws": ws,
        "cpu_s": time.process_time() - cpu0,
    }


def run_users(api: str, users: int, procs: int, plan: dict[str, float]) -> list[dict[str, Any]]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    shares = [users // procs + (1 if i < users % procs else 0) for i in range(procs)]
    children = [
        ctx.Process(target=_users_entry, args=(api, n, 101 + i, plan, out))
        for i, n in enumerate(shares)
        if n > 0
    ]
    for child in children:
        child.start()
    results = [out.get() for _ in children]
    for child in children:
        child.join()
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise RuntimeError(f"simulated users failed: {errors}")
    return results


# --- the run ---------------------------------------------------------------------------------
def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def summarize_users(
    results: list[dict[str, Any]], tracked: list[tuple[str, float]], plan: dict[str, float]
) -> dict[str, Any]:
    requests = [r for res in results for r in res["requests"]]
    pages = [p for res in results for p in res["pages"]]
    kinds = sorted({k for k, _, _ in requests})
    by_kind = {}
    for kind in kinds:
        ms = [m for k, m, _ in requests if k == kind]
        by_kind[kind] = {
            "requests": len(ms),
            "p50_ms": _r(percentile(ms, 50)),
            "p99_ms": _r(percentile(ms, 99)),
            "errors": sum(1 for k, _, s in requests if k == kind and s != 200),
        }
    statuses: dict[str, int] = {}
    for _, _, s in requests:
        if s != 200:
            statuses[str(s)] = statuses.get(str(s), 0) + 1
    by_page = {}
    for name, _ in PAGES:
        ms = [m for p, m, _ in pages if p == name]
        by_page[name] = {
            "pages": len(ms),
            "p50_ms": _r(percentile(ms, 50)),
            "p99_ms": _r(percentile(ms, 99)),
            "failed": sum(1 for p, _, ok in pages if p == name and not ok),
        }
    all_ms = [m for _, m, _ in requests]
    ws = {k: sum(res["ws"][k] for res in results) for k in results[0]["ws"]}
    seen: dict[str, list[float]] = {}
    for res in results:
        for tid, times in res["seen"].items():
            seen.setdefault(tid, []).extend(times)
    delays: list[float] = []
    missing = checked = 0
    # traces acked in the measured window, less the last seconds (their updates may be on
    # their way when the users stop)
    for tid, acked_at in tracked:
        if not tid.startswith(SAMPLED_PREFIX):
            continue
        if not plan["measure_from"] <= acked_at < plan["stop_at"] - 3:
            continue
        checked += 1
        times = seen.get(tid, [])
        delays.extend((t - acked_at) * 1000 for t in times)
        missing += ws["watchers"] - len(times)
    measured_s = plan["stop_at"] - plan["measure_from"]
    return {
        "api_requests": len(all_ms),
        "api_requests_per_s": _r(len(all_ms) / measured_s),
        "api_p50_ms": _r(percentile(all_ms, 50)),
        "api_p99_ms": _r(percentile(all_ms, 99)),
        "api_errors": sum(statuses.values()),
        "api_error_statuses": statuses,
        "by_request": by_kind,
        "by_page": by_page,
        "ws": ws,
        "live_sampled_traces": checked,
        "live_deliveries": len(delays),
        "live_missing_deliveries": missing,
        "live_delay_ms_p50": _r(percentile(delays, 50)),
        "live_delay_ms_p99": _r(percentile(delays, 99)),
        "live_delay_ms_max": _r(max(delays) if delays else None),
        "users_cpu_s": _r(sum(res["cpu_s"] for res in results)),
    }


def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    server, ports = studio_process(tmp / "studio-data", tmp / "studio.log", *args.studio_arg)
    log(f"starting the Studio ({' '.join(server.cmd[3:])})")
    server.start(ready_line="ready")
    try:
        api = f"http://127.0.0.1:{ports['api']}"
        otlp = f"http://127.0.0.1:{ports['otlp_http']}/v1/traces"
        # users arrive over the ramp; the ingest starts with the first of them, and the
        # measured window opens once all are in and the warm-up is over
        start_at = time.time() + 6.0
        plan = {
            "start_at": start_at,
            "ramp_s": args.ramp,
            "period_s": args.period,
            "measure_from": start_at + max(args.ramp, args.warmup),
            "stop_at": start_at + max(args.ramp, args.warmup) + args.duration,
            "exact_reads": args.exact_reads,
        }
        log(
            f"{args.users} users in {args.user_procs} processes (ramp {args.ramp:.0f} s, a page every"
            f" ~{args.period:.0f} s), ingest C={args.concurrency}; measured {args.duration:.0f} s"
        )
        load: dict[str, Any] = {}

        def ingest() -> None:
            # run_load starts its generator 4 s after it is called: call it so that its
            # measured window is the users' one
            time.sleep(max(0.0, start_at - 4.0 - time.time()))
            load.update(
                run_load(
                    otlp,
                    args.concurrency,
                    args.procs,
                    plan["measure_from"] - start_at,
                    args.duration,
                    track_project=WATCHED,
                )
            )

        cpu0 = cpu_seconds(server.pid)
        with RssSampler(server.pid) as rss:
            loader = threading.Thread(target=ingest, daemon=True)
            loader.start()
            results = run_users(api, args.users, args.user_procs, plan)
            loader.join()
        summary = summarize_users(results, load.get("tracked", []), plan)
        summary["server_cpu_s"] = _r(cpu_seconds(server.pid) - cpu0)
        summary.update(rss.summary())
        summary["ingest"] = {
            k: load.get(k)
            for k in (
                "acked_spans_per_s",
                "latency_ms_p50",
                "latency_ms_p99",
                "acked_spans_total",
                "refused_spans_total",
            )
        }
        status = http_json(f"{api}/api/v1/status")
        summary["server_counters"] = {
            k: v for k, v in status.get("counters", {}).items() if "live" in k or "refused" in k
        }
        return summary
    finally:
        code = server.stop()
        if code not in (0, None):
            log(f"Studio exited with {code}:\n{server.tail()}")


def print_report(s: dict[str, Any]) -> None:
    print(
        f"API: {s['api_requests']} requests ({s['api_requests_per_s']}/s), p50 {s['api_p50_ms']} ms,"
        f" p99 {s['api_p99_ms']} ms, errors {s['api_errors']} {s['api_error_statuses'] or ''}"
    )
    for kind, k in s["by_request"].items():
        print(
            f"  {kind:14} {k['requests']:6} req  p50 {k['p50_ms']} ms  p99 {k['p99_ms']} ms"
            f"  errors {k['errors']}"
        )
    for page, p in s["by_page"].items():
        print(
            f"  page {page:9} {p['pages']:6}  p50 {p['p50_ms']} ms  p99 {p['p99_ms']} ms  failed {p['failed']}"
        )
    print(
        f"live: {s['ws']['connected']} sockets ({s['ws']['failed']} failed, {s['ws']['ended_early']} ended),"
        f" {s['live_deliveries']} deliveries of {s['live_sampled_traces']} sampled traces,"
        f" delay p50 {s['live_delay_ms_p50']} ms p99 {s['live_delay_ms_p99']} ms max"
        f" {s['live_delay_ms_max']} ms; missing {s['live_missing_deliveries']}, lagged"
        f" {s['ws']['lagged']}"
    )
    ing = s["ingest"]
    print(
        f"ingest: {ing['acked_spans_per_s']} acked spans/s (p99 {ing['latency_ms_p99']} ms),"
        f" refused {ing['refused_spans_total']}; server RSS peak {s.get('rss_peak_mib')} MiB,"
        f" server CPU {s['server_cpu_s']} s, users' CPU {s['users_cpu_s']} s"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--users", type=int, default=1000, help="simulated UI users (default 1000)")
    ap.add_argument("--user-procs", type=int, default=2, help="processes for them (default 2)")
    ap.add_argument("--period", type=float, default=5.0, help="seconds between a user's pages")
    ap.add_argument("--ramp", type=float, default=20.0, help="seconds over which users arrive")
    ap.add_argument("--warmup", type=float, default=20.0, help="seconds before measuring")
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds (default 60)")
    ap.add_argument("--concurrency", "-c", type=int, default=32, help="ingest connections")
    ap.add_argument("--procs", type=int, default=1, help="ingest generator processes")
    ap.add_argument("--studio-arg", action="append", default=[], help="extra flag for `gls serve`")
    ap.add_argument(
        "--exact-reads",
        action="store_true",
        help="send no freshness headers (every read as new as the last write)",
    )
    ap.add_argument("--json", dest="json_out", help="write the results as JSON to this file")
    args = ap.parse_args(argv)
    exit_on_sigterm()
    result: dict[str, Any] = {
        "bench": "users",
        "machine": machine_info(),
        "command": "python benches/bench_users.py " + " ".join(argv or sys.argv[1:]),
        "users": args.users,
        "concurrency": args.concurrency,
    }
    with tempfile.TemporaryDirectory(prefix="gls-bench-users-") as tmp:
        result["studio"] = bench(args, Path(tmp))
    print_report(result["studio"])
    write_json(args.json_out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
