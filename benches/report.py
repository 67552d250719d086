"""Rows for the tables of BENCHMARKS.md from the --json outputs of the benches.

    python benches/report.py /tmp/ingest.json /tmp/decode.json /tmp/query-1m.json /tmp/query-10m.json

Each table row carries its figure, the command that made it, the date and the code
revision, in the columns BENCHMARKS.md uses, so a re-measured row is pasted over the old.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

QUERY_LABELS = {
    "traces_24h": "trace list, newest 50, 24 h",
    "traces_7d": "trace list, newest 50, 7 d",
    "traces_model_24h": "trace list, one model, 24 h",
    "traces_error_model_7d": "trace list, errors of one model, 7 d",
    "traces_any_filter_24h": "trace list, one filter of any kind, 24 h",
    "facets_24h": "facet counts, 24 h",
    "facets_7d": "facet counts, 7 d",
    "open_trace": "open a trace by id",
    "open_trace_in_window": "open a trace within its start and end",
    "span_search_attr_24h": "span search `tool.name=<tool>`, 24 h",
    "metrics_latency_24h": "metrics: latency, 24 h",
    "metrics_latency_chain_7d": "metrics: latency by chain, 7 d",
    "metrics_cost_model_24h": "metrics: cost by model, 24 h",
    "metrics_cost_model_7d": "metrics: cost by model, 7 d",
    "metrics_errors_chain_24h": "metrics: error rate by chain, 24 h",
    "metrics_carbon_llm_24h": "metrics: carbon per LLM call, 24 h",
    "leaders_latency_agent_7d": "leaders: latency by agent, 7 d",
    "histogram_latency_24h": "latency histogram, 24 h",
    "suggestions_7d": "suggestions, 7 d",
    "costs_24h": "cost analysis, 24 h",
    "costs_7d": "cost analysis, 7 d",
    "tokens_24h": "token analyzer, 24 h",
    "tokens_7d": "token analyzer, 7 d",
}


def _f(x: Any, nd: int = 0) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _command(r: dict[str, Any]) -> str:
    """The bench's command as the tables write it: relative to benches/, without --json."""
    command = re.sub(r" --json[ =]\S+", "", r["command"])
    return f"`{command.removeprefix('python benches/')}`"


def _when(r: dict[str, Any]) -> str:
    """`| date | rev |` cells: the run's day and the commit measured ('+dirty' if changed)."""
    m = r["machine"]
    return f"{m['date'].split()[0]} | {m.get('code', '?').split()[0]}"


def machine(r: dict[str, Any]) -> str:
    m = r["machine"]
    return (
        f"{m['cpus']} cores ({m['cpu_model']}), {m['mem_gib']} GiB, Python {m['python']},"
        f" {m['date']}; code {m.get('code', '?')}; load average at start {m.get('loadavg_at_start')},"
        f" at end {m.get('loadavg_at_end')}"
    )


def ingest(r: dict[str, Any]) -> str:
    cmd, when = _command(r), _when(r)
    s = r["studio"]
    latency = f"{_f(s['latency_ms_p50'])} / {_f(s['latency_ms_p99'])}"
    if "phoenix" not in r:
        return "\n".join(
            [
                "| Studio alone | acked spans/s | p50 / p99 ms | command | date | rev |",
                "| --- | ---: | --- | --- | --- | --- |",
                f"| C = {r['concurrency']} | {_f(s['acked_spans_per_s'])} | {latency} | {cmd} | {when} |",
                "",
                "| measure | figure | command | date | rev |",
                "| --- | ---: | --- | --- | --- |",
                f"| ingest peak RSS, C = {r['concurrency']} | {_f(s['rss_peak_mib'])} MiB | {cmd} | {when} |",
                "",
                machine(r),
            ]
        )
    p = r["phoenix"]
    ratio_acked, ratio_stored = r.get("ratio_acked"), r.get("ratio_stored")
    out = [
        f"| measure, C = {r['concurrency']} | Studio | Phoenix | Studio / Phoenix | command | date | rev |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
        f"| acked spans/s | {_f(s['acked_spans_per_s'])} | {_f(p['acked_spans_per_s'])}"
        f" | {_f(ratio_acked, 1)}x | {cmd} | {when} |",
        f"| stored spans/s | {_f(s['acked_spans_per_s'])} (at the answer)"
        f" | {_f(p.get('stored_spans_per_s'))} | {_f(ratio_stored, 0)}x | {cmd} | {when} |",
        f"| request p50 / p99 ms | {latency}"
        f" | {_f(p['latency_ms_p50'])} / {_f(p['latency_ms_p99'])} | | {cmd} | {when} |",
        f"| peak RSS MiB / server CPU s | {_f(s['rss_peak_mib'])} / {_f(s['server_cpu_s'], 1)}"
        f" | {_f(p['rss_peak_mib'])} / {_f(p['server_cpu_s'], 1)} | | {cmd} | {when} |",
    ]
    return "\n".join([*out, "", machine(r)])


def decode(r: dict[str, Any]) -> str:
    cmd, when = _command(r), _when(r)
    out = [
        "| decoder | spans/s, one core | command | date | rev |",
        "| --- | ---: | --- | --- | --- |",
    ]
    out += [f"| {row['name']} | {_f(row['spans_per_s'])} | {cmd} | {when} |" for row in r["rows"]]
    out += ["", f"{r['bytes_per_span']} bytes of protobuf per span. {r['comparison']}", machine(r)]
    return "\n".join(out)


def _pair(stats: dict[str, Any]) -> str:
    return f"{_f(stats['p50_ms'], 1)} / {_f(stats['p99_ms'], 1)}"


def query(r: dict[str, Any]) -> str:
    loads = "; ".join(
        f"{_f(x['spans'])} spans via {x['via']} in {x['seconds']} s"
        f" ({_f(x['spans_per_s'])} spans/s, {x['date']})"
        for x in r["loads"]
    )
    when = _when(r)
    first = next(iter(r["queries"].values()), {"cold": {"n": 0}, "warm": {"n": 0}})
    out = [
        f"Command: {_command(r)} ({first['cold']['n']} cold and {first['warm']['n']} warm"
        f" requests per query, seed {r.get('seed')}). {machine(r)}.",
        "",
        f"{_f(r['spans'])} spans, {r['projects']} projects over {r['days']} days;"
        f" {r['disk_bytes'] / 2**20:,.0f} MiB in active parts ({r['disk_bytes_per_span']} B/span)."
        f" Loaded: {loads}.",
        "",
        "| query | cold p50 / p99 ms | warm p50 / p99 ms | target p99 | date | rev |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, q in r["queries"].items():
        target = f"< {q['target_p99_ms']}" if q["target_p99_ms"] else ""
        label = f"{QUERY_LABELS.get(name, name)} (`{name}`)"
        out.append(f"| {label} | {_pair(q['cold'])} | {_pair(q['warm'])} | {target} | {when} |")
    out.append(
        f"| server RSS after start / peak, MiB | {_f(r['rss_after_start_mib'])}"
        f" / {_f(r['rss_peak_mib'])} | | < {_f(r['rss_target_mib'])} | {when} |"
    )
    return "\n".join(out)


def main(paths: list[str]) -> int:
    for path in paths:
        r = json.load(open(path))
        print(f"<!-- {path} -->")
        print({"ingest": ingest, "decode": decode, "query": query}[r["bench"]](r))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
