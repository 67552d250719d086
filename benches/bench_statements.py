"""SQL statement variants timed directly on the bench_query.py data dir (no HTTP).

Where a query's time goes, and A/B of a rewrite before it goes into the server:
each variant runs on its own traces (a trace read once is cold: ClickHouse keeps
no uncompressed cache), variants interleaved so machine noise hits them alike.

    python benches/bench_statements.py open_trace --traces 60
    python benches/bench_statements.py repeated_calls --rounds 12

Stop the Studio first: chDB lets one process own a data dir. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import percentile, write_json  # noqa: E402

from gls_engine.analytics.tokens import MODEL_KEY  # noqa: E402
from gls_engine.query.traces import SPAN_SELECT, TRACE_SPANS_SELECT  # noqa: E402
from gls_engine.storage.chdb_store import READER_SESSION  # noqa: E402

MINUTE_NS = 60 * 10**9


def _days(proj: str, tid: str) -> str:
    return f"SELECT day FROM trace_index WHERE project = '{proj}' AND trace_id = unhex('{tid}')"


def trace_windows(conn, picks: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """trace id -> (first span start, last span end) in ns, as a trace list shows them;
    looked up before timing (the caller of a windowed open already has them)."""
    windows: dict[str, tuple[int, int]] = {}
    for proj in {p for p, _ in picks}:
        ids = ", ".join(f"unhex('{t}')" for p, t in picks if p == proj)
        rows = conn.query(
            "SELECT lower(hex(trace_id)) AS t, toUnixTimestamp64Nano(min(start_time)) AS s,"
            f" toUnixTimestamp64Nano(max(end_time)) AS e FROM trace_summaries"
            f" WHERE project = '{proj}' AND trace_id IN ({ids}) GROUP BY trace_id",
            "JSONEachRow",
        ).bytes()
        for line in rows.splitlines():
            row = json.loads(line)
            windows[row["t"]] = (int(row["s"]), int(row["e"]))
    return windows


def open_trace_variants(
    conn, windows: dict[str, tuple[int, int]]
) -> dict[str, Callable[[str, str], str]]:
    """Statements that read one trace's spans; the server runs `star_key_only` (on a
    connection like the bench's own: skip indexes applied when planned, unless
    --connect-params says otherwise), or `star_in_window` when the caller passes the
    trace's start and end. The day-restricted variants run while the data dir still
    has `trace_index` (before migration 0010)."""

    def by_key(
        columns: str, tail: str | Callable[[str, str], str] = ""
    ) -> Callable[[str, str], str]:
        """The trace's spans by (project, trace_id); `tail` (text, or made per trace)
        restricts, sorts or sets."""

        def sql(proj: str, tid: str) -> str:
            end = tail(proj, tid) if callable(tail) else tail
            return (
                f"SELECT {columns} FROM spans WHERE project = '{proj}'"
                f" AND trace_id = unhex('{tid}'){end}"
            )

        return sql

    def days_first(columns: str, tail: str) -> Callable[[str, str], str]:
        def days(proj: str, tid: str) -> str:  # the day lookup as its own round trip first
            rows = conn.query(
                f"SELECT groupArray(toString(day)) AS d FROM ({_days(proj, tid)})", "JSONEachRow"
            ).bytes()
            found = ", ".join(f"'{d}'" for d in json.loads(rows)["d"]) or "'1970-01-01'"
            return f" AND toDate(start_time) IN ({found}){tail}"

        return by_key(columns, days)

    def window(proj: str, tid: str) -> str:
        start, end = windows[tid.lower()]
        return (
            f" AND start_time >= fromUnixTimestamp64Nano({start})"
            f" AND start_time <= fromUnixTimestamp64Nano({end})"
        )

    dedupe = " ORDER BY start_time, span_id LIMIT 1 BY span_id"
    variants: dict[str, Callable[[str, str], str]] = {
        "star_key_only": by_key(TRACE_SPANS_SELECT),
        "star_in_window": by_key(TRACE_SPANS_SELECT, window),
        "named_key_only": by_key(SPAN_SELECT, dedupe),
        # chDB's default: skip indexes applied as each granule is read
        "star_index_on_read": by_key(
            TRACE_SPANS_SELECT, " SETTINGS use_skip_indexes_on_data_read = 1"
        ),
        "ids_only": by_key("span_id, start_time"),
    }
    if conn.query("EXISTS TABLE trace_index", "CSV").bytes().strip() != b"1":
        return variants  # dropped by migration 0010; the day variants need it

    def in_days(tail: str) -> Callable[[str, str], str]:
        return lambda p, t: f" AND toDate(start_time) IN ({_days(p, t)}){tail}"

    return {
        **variants,
        "star_subquery": by_key(TRACE_SPANS_SELECT, in_days("")),
        "named_subquery": by_key(SPAN_SELECT, in_days(dedupe)),
        "named_days_first": days_first(SPAN_SELECT, dedupe),
        "star_days_first": days_first(TRACE_SPANS_SELECT, ""),
    }


def repeated_calls_variants(window: str) -> dict[str, str]:
    """The token analyzer's repeated-call indicator, one project over the window."""
    return {
        "signature_then_calls": (
            f"SELECT mk, sum(n - 1) FROM (SELECT call_signature, any({MODEL_KEY}) AS mk, count() AS n"
            " FROM spans PREWHERE call_signature IN (SELECT call_signature FROM spans"
            f" PREWHERE call_signature != 0 WHERE {window} GROUP BY call_signature"
            f" HAVING count() > 1) WHERE {window} GROUP BY call_signature) GROUP BY mk"
        ),
        "group_by_trace_model_counts": (
            f"SELECT mk, sum(n - 1) FROM (SELECT {MODEL_KEY} AS mk, assumeNotNull(input_tokens) AS i,"
            " cityHash64(trace_id, ifNull(system_tokens, 0), system_tokens IS NULL) AS t,"
            " count() AS n FROM spans PREWHERE span_type IN ('llm', 'embedding')"
            f" AND ifNull(input_tokens, 0) > 0 WHERE {window} GROUP BY mk, i, t HAVING n > 1)"
            " GROUP BY mk"
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("open_trace", "repeated_calls"))
    ap.add_argument("--spans", type=int, default=10_000_000, help="which bench data dir")
    ap.add_argument("--data-dir", help="default ~/.cache/gls-bench/query-<spans>")
    ap.add_argument("--traces", type=int, default=60, help="open_trace: traces per variant")
    ap.add_argument("--rounds", type=int, default=12, help="repeated_calls: runs per variant")
    ap.add_argument("--days", type=int, default=7, help="repeated_calls: window")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--connect-params",
        default="",
        help="chDB start-up parameters, e.g. index_uncompressed_cache_size=268435456",
    )
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    import chdb

    root = Path(args.data_dir or Path.home() / ".cache" / "gls-bench" / f"query-{args.spans}")
    meta = json.loads((root / "meta.json").read_text())
    # The Studio's reading session, then whatever --connect-params adds or overrides.
    params = "&".join(p for p in (READER_SESSION, args.connect_params) if p)
    conn = chdb.connect(f"file:{root / 'studio'}?{params}")
    times: dict[str, list[float]] = {}

    def timed(name: str, make_sql: Callable[..., str], *args: str) -> None:
        """Times building the statement (a variant may look something up
        first: that counts) and running it."""
        started = time.perf_counter()
        conn.query(make_sql(*args), "JSONEachRow").bytes()
        times.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    if args.what == "open_trace":
        count = len(open_trace_variants(conn, {}))
        picks = random.Random(args.seed).sample(meta["sample_traces"], args.traces * count)
        variants = open_trace_variants(conn, trace_windows(conn, picks))
        for i, (proj, tid) in enumerate(picks):
            name = list(variants)[i % len(variants)]
            timed(name, variants[name], proj, tid)
    else:
        end = (meta["anchor_ns"] // MINUTE_NS + 1) * MINUTE_NS
        window = (
            f"project = '{meta['projects'][0]}'"
            f" AND start_time >= fromUnixTimestamp64Nano({end - args.days * 86_400 * 10**9})"
            f" AND start_time < fromUnixTimestamp64Nano({end})"
        )
        variants_sql = repeated_calls_variants(window)
        for _ in range(args.rounds):
            for name, sql in variants_sql.items():
                timed(name, str, sql)

    print(f"{'variant':28s} {'p50 ms':>8s} {'p90 ms':>8s} {'max ms':>8s}   n")
    for name, values in times.items():
        print(
            f"{name:28s} {percentile(values, 50):8.1f} {percentile(values, 90):8.1f}"
            f" {max(values):8.1f} {len(values):4d}"
        )
    write_json(
        args.json_out,
        {"bench": "statements", "what": args.what, "data_dir": str(root), "times_ms": times},
    )


if __name__ == "__main__":
    main()
