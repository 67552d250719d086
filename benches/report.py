"""Markdown tables for BENCHMARKS.md from the --json outputs of the benches.

python benches/report.py /tmp/ingest.json /tmp/query-1m.json /tmp/query-10m.json
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _f(x: Any, nd: int = 0) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def machine(r: dict[str, Any]) -> str:
    m = r["machine"]
    return (
        f"{m['cpus']} cores ({m['cpu_model']}), {m['mem_gib']} GiB, Python {m['python']},"
        f" {m['date']}; code {m.get('code', '?')}; load average at start {m.get('loadavg_at_start')},"
        f" at end {m.get('loadavg_at_end')}"
    )


def ingest(r: dict[str, Any]) -> str:
    out = [
        f"`{r['command']}`",
        "",
        machine(r),
        "",
        "| server | acked spans/s | request p50 ms | p99 ms | acked | refused (429/503) "
        "| stored | peak RSS MiB | server CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("studio", "phoenix"):
        if name not in r:
            continue
        x = r[name]
        stored = x.get("stored_spans_api", x.get("stored_spans_db"))
        out.append(
            f"| {name} | {_f(x['acked_spans_per_s'])} | {_f(x['latency_ms_p50'], 1)}"
            f" | {_f(x['latency_ms_p99'], 1)} | {_f(x['acked_spans_total'])}"
            f" | {_f(x['refused_spans_total'])} | {_f(stored)} | {_f(x['rss_peak_mib'])}"
            f" | {_f(x['server_cpu_s'], 1)} |"
        )
    if "ratio_acked" in r:
        out += [
            "",
            f"Studio / Phoenix: **{r['ratio_acked']}x** acked spans/s;"
            f" **{r['ratio_stored']}x** Phoenix's stored spans/s"
            f" ({_f(r['phoenix'].get('stored_spans_per_s'))} spans/s from the start of the"
            f" load until the end of the wait).",
        ]
    return "\n".join(out)


def query(r: dict[str, Any]) -> str:
    loads = "; ".join(
        f"{_f(x['spans'])} spans via {x['via']} in {x['seconds']} s"
        f" ({_f(x['spans_per_s'])} spans/s, {x['date']})"
        for x in r["loads"]
    )
    out = [
        f"`{r['command']}`",
        "",
        machine(r),
        "",
        f"{_f(r['spans'])} spans, {r['projects']} projects over {r['days']} days;"
        f" {r['disk_bytes'] / 2**20:,.0f} MiB in active parts ({r['disk_bytes_per_span']} B/span)."
        f" Loaded: {loads}.",
        "",
        "| query | p50 ms | p99 ms | target p99 | n | items per answer |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, q in r["queries"].items():
        target = f"< {q['target_p99_ms']} ms" if q["target_p99_ms"] else ""
        out.append(
            f"| {name} | {_f(q['p50_ms'], 1)} | {_f(q['p99_ms'], 1)} | {target} | {q['n']}"
            f" | {_f(q['mean_items'], 0)} |"
        )
    out += [
        "",
        f"Server RSS {_f(r['rss_after_start_mib'])} MiB after start, peak"
        f" {_f(r['rss_peak_mib'])} MiB during the queries (target < {r['rss_target_mib']} MiB);"
        f" ready {r['startup_s']} s after start.",
    ]
    return "\n".join(out)


def main(paths: list[str]) -> int:
    for path in paths:
        r = json.load(open(path))
        print(f"<!-- {path} -->")
        print(ingest(r) if r["bench"] == "ingest" else query(r))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
