"""The reads scores add, on a chDB store holding many scores (docs/scores.md).

Scores are made in ClickHouse (INSERT ... SELECT from numbers()): `--traces`
traces of one project with `--per-trace` scores each over four names (numeric,
categorical, boolean, one on few traces), plus a tenth of them edited (a newer
row of the same id) and a hundredth deleted, in several parts as the API writes
them. Then each read the Studio makes is timed (p50 / p95 of `--runs`):

  page_summaries  a trace list page's scores (50 trace ids), as list_traces asks
  trace_scores    one trace's scores (the trace detail)
  names           the project's names, types, counts and labels (filter panel)
  filter_numeric  the trace ids a `helpful:gt:0.5` filter keeps (its semi-join)
  filter_label    the trace ids a `tone:is:rude` filter keeps
  filter_rare     the trace ids a `flagged:exists` filter keeps (a rare name)

    .venv/bin/python benches/bench_scores.py --traces 300000 --per-trace 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from gls_engine.config import settings_for_tests  # noqa: E402
from gls_engine.scores.score_filter import score_conditions  # noqa: E402
from gls_engine.scores.score_store import ScoreStore  # noqa: E402
from gls_engine.storage import open_store  # noqa: E402

PROJECT = "bench"
PARTS = 8  # inserts of the scores, as many API batches would leave parts


def fill(store, traces: int, per_trace: int) -> None:
    """Scores in PARTS inserts, then edits and deletes as newer rows."""
    rows = traces * per_trace
    names = "['helpful', 'tone', 'thumbs']"
    made = (
        "SELECT concat('s', toString(number)) AS id, '{p}' AS project,"
        " reinterpretAsFixedString(toUInt128(intDiv(number, {k}) + 1)) AS trace_id,"
        " '' AS span_id, '' AS experiment_id, '' AS run_id,"
        " {names}[number % 3 + 1] AS name,"
        " ['numeric', 'categorical', 'boolean'][number % 3 + 1] AS data_type,"
        " multiIf(number % 3 = 0, (number % 100) / 100, number % 3 = 2, toFloat64(number % 2), NULL) AS value,"
        " multiIf(number % 3 = 1, ['polite', 'rude', 'neutral'][number % 7 % 3 + 1],"
        "   number % 3 = 2, if(number % 2 = 1, 'true', 'false'), '') AS string_value,"
        " '' AS comment, 'api' AS source, '' AS evaluator, '' AS author,"
        " now64(9) AS created_at, now64(9) AS updated_at, {version} AS version, {deleted} AS is_deleted"
        " FROM numbers({first}, {count}) {where}"
    )
    step = rows // PARTS
    for part in range(PARTS):
        store._command(
            "INSERT INTO scores "
            + made.format(
                p=PROJECT,
                k=per_trace,
                names=names,
                version=1,
                deleted=0,
                first=part * step,
                count=step,
                where="",
            )
        )
    # a rare name on one trace in a thousand
    store._command(
        "INSERT INTO scores "
        + made.format(
            p=PROJECT,
            k=1,
            names="['flagged', 'flagged', 'flagged']",
            version=1,
            deleted=0,
            first=0,
            count=traces,
            where="WHERE number % 1000 = 0",
        ).replace("concat('s',", "concat('f',")
    )
    store._command(
        "INSERT INTO scores "
        + made.format(
            p=PROJECT,
            k=per_trace,
            names=names,
            version=2,
            deleted=0,
            first=0,
            count=rows,
            where="WHERE number % 10 = 3",
        )
    )
    store._command(
        "INSERT INTO scores "
        + made.format(
            p=PROJECT,
            k=per_trace,
            names=names,
            version=3,
            deleted=1,
            first=0,
            count=rows,
            where="WHERE number % 100 = 7",
        )
    )


async def timed(store, label: str, runs: int, read) -> None:
    times = []
    for _ in range(runs):
        store.reads.wrote()  # no answer reused from the run before (storage/read_gate.py)
        started = time.perf_counter()
        await read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:16} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=300_000)
    parser.add_argument("--per-trace", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    settings = settings_for_tests(data_dir=Path(tempfile.mkdtemp(prefix="bench-scores-")))
    store = open_store(settings)
    await store.start()
    try:
        started = time.perf_counter()
        await asyncio.to_thread(fill, store, args.traces, args.per_trace)
        rows = (await store.query_rows("SELECT count() AS n FROM scores"))[0]["n"]
        print(
            f"{rows:,} score rows ({args.traces:,} traces) made in {time.perf_counter() - started:.1f} s"
        )
        scores = ScoreStore(store)
        page = [(i * 7919 % args.traces + 1).to_bytes(16, "little").hex() for i in range(50)]

        async def filter_ids(raw: str) -> None:
            params: dict = {"project": PROJECT}

            def bind(value, kind: str) -> str:
                name = f"p{len(params)}"
                params[name] = value
                return f"{{{name}:{kind}}}"

            [condition] = score_conditions([raw], "{project:String}", bind)
            subquery = condition.removeprefix("trace_id IN (").removesuffix(")")
            await store.query_rows(f"SELECT count() AS n FROM ({subquery})", params)

        await timed(store, "page_summaries", args.runs, lambda: scores.summaries(PROJECT, page))
        await timed(store, "trace_scores", args.runs, lambda: scores.of_trace(PROJECT, page[0]))
        await timed(store, "names", args.runs, lambda: scores.names(PROJECT))
        await timed(store, "filter_numeric", args.runs, lambda: filter_ids("helpful:gt:0.5"))
        await timed(store, "filter_label", args.runs, lambda: filter_ids("tone:is:rude"))
        await timed(store, "filter_rare", args.runs, lambda: filter_ids("flagged:exists"))
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
