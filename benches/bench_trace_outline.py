"""Opening one large trace through the API: the whole trace (spans=full), its outline
(spans=outline), its outline by columns (.../outline, what the trace view asks) and one
span whole (what the inspector asks).

A fresh Studio gets one trace of N spans (bench_trace_detail's: a 4-ary tree of LLM
calls with 200-byte inputs, sent as OTLP protobuf). Each answer is asked --repeats
times, the modes taken in turn, without freshness headers (so never a shared answer):
its size and its time from request to the last byte. Then the Studio stops and the
trace's SELECT alone runs in chDB on its data: the full and the outline columns (a row
per span), and the columns statement (one row of arrays).

    python benches/bench_trace_outline.py --spans 10000 --repeats 9

Figures are printed (and written with --json); nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_trace_detail import send_trace  # noqa: E402
from harness import log, machine_info, percentile, studio_process, write_json  # noqa: E402

from gls_engine.query.trace_outline import OUTLINE_COLUMNS_SQL  # noqa: E402
from gls_engine.query.traces import OUTLINE_SPANS_SELECT, TRACE_SPANS_SELECT  # noqa: E402
from gls_engine.storage.chdb_store import READER_SESSION  # noqa: E402


def timed_get(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        body = resp.read()
    return (time.perf_counter() - started) * 1000, len(body)


def api_figures(api: str, trace_id: str, repeats: int) -> dict[str, dict[str, float | None]]:
    trace = f"{api}/api/v1/projects/default/traces/{trace_id}"
    with urllib.request.urlopen(f"{trace}?spans=outline", timeout=120) as resp:
        span_id = orjson.loads(resp.read())["root_span_ids"][0]
    urls = {
        "full": f"{trace}?spans=full",
        "outline": f"{trace}?spans=outline",
        "columns": f"{trace}/outline",
        "one_span": f"{trace}/spans/{span_id}",
    }
    times: dict[str, list[float]] = {name: [] for name in urls}
    sizes: dict[str, int] = {}
    for _ in range(repeats):
        for name, url in urls.items():
            ms, size = timed_get(url)
            times[name].append(ms)
            sizes[name] = size
    return {
        name: {
            "answer_kib": sizes[name] / 1024,
            "p50_ms": percentile(times[name], 50),
            "min_ms": min(times[name]),
        }
        for name in urls
    }


def sql_figures(data_dir: Path, trace_id: str, repeats: int) -> dict[str, dict[str, float | None]]:
    import chdb

    conn = chdb.connect(f"file:{data_dir}?{READER_SESSION}")
    where = f"WHERE project = 'default' AND trace_id = unhex('{trace_id}')"
    statements = {
        "full": f"SELECT {TRACE_SPANS_SELECT} FROM spans {where}",
        "outline": f"SELECT {OUTLINE_SPANS_SELECT} FROM spans {where}",
        "columns": OUTLINE_COLUMNS_SQL.replace("{window}", "")
        .replace("{project:String}", "'default'")
        .replace("{trace:String}", f"'{trace_id}'"),
    }
    times: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(repeats):
        for name, sql in statements.items():
            started = time.perf_counter()
            conn.query(sql, "JSONEachRow").bytes()
            times[name].append((time.perf_counter() - started) * 1000)
    conn.close()
    return {
        name: {"p50_ms": percentile(values, 50), "min_ms": min(values)}
        for name, values in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spans", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="gls-bench-outline-")
    data_dir = Path(tmp) / "studio"
    try:
        server, ports = studio_process(data_dir, Path(tmp) / "server.log")
        api = f"http://127.0.0.1:{ports['api']}"
        server.start(ready_line="ready", timeout=300)
        try:
            trace_id = send_trace(ports["otlp_http"], args.spans)
            log(f"sent a trace of {args.spans} spans: {trace_id}")
            answers = api_figures(api, trace_id, args.repeats)
        finally:
            server.stop()
        statements = sql_figures(data_dir, trace_id, args.repeats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, figures in answers.items():
        print(
            f"API {name:9s} {figures['answer_kib']:9.1f} KiB"
            f"  p50 {figures['p50_ms']:7.1f} ms  min {figures['min_ms']:7.1f} ms"
        )
    for name, figures in statements.items():
        print(f"SQL {name:9s}  p50 {figures['p50_ms']:7.1f} ms  min {figures['min_ms']:7.1f} ms")
    write_json(
        args.json_out,
        {"machine": machine_info(), "spans": args.spans, "api": answers, "sql": statements},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
