"""Quantile sketches against ClickHouse's exact quantiles (real chDB).

Each distribution goes into a table; `quantilesExact` over it is the truth.
Our sketch must be within 1% relative error of it (the issue's bar; the
sketch documents 0.5%), when built in Rust and when its partial sketches
are merged by ClickHouse itself in an AggregatingMergeTree (sumMap / sum /
min / max), which must also give exactly the buckets of one sketch of all
the values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from gls_engine._core import CoreError, QuantileSketch, sketch_delta_schema, sketch_rows

LEVELS = [0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0]
ISSUE_BAR = 0.01


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import chdb

    connection = chdb.connect(str(tmp_path_factory.mktemp("chdb")))
    yield connection
    connection.close()


def rows(conn: Any, sql: str) -> list[dict[str, Any]]:
    out = conn.query(sql, "JSONEachRow").bytes().decode()
    return [json.loads(line) for line in out.splitlines() if line]


def insert(conn: Any, table_name: str, table: pa.Table) -> None:
    columns = ", ".join(f"`{c}`" for c in table.column_names)
    tbl = table  # noqa: F841  (chDB resolves Python(tbl) by the local name)
    conn.query(f"INSERT INTO {table_name} ({columns}) SELECT {columns} FROM Python(tbl)")


def distributions() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240611)
    bimodal = np.where(
        rng.random(40_000) < 0.3,
        rng.lognormal(np.log(2e9), 0.2, 40_000),
        rng.lognormal(np.log(5e7), 0.3, 40_000),
    )
    with_zeros = rng.exponential(3.0, 5_000)
    with_zeros[rng.random(5_000) < 0.2] = 0.0
    return {
        "lognormal_latency_ns": np.round(rng.lognormal(18.0, 1.5, 100_000)),
        "lognormal_200k": rng.lognormal(0.0, 2.5, 200_000),
        "pareto_cost_usd": (rng.pareto(1.1, 100_000) + 1.0) * 1e-4,
        "pareto_very_heavy": (rng.pareto(0.5, 50_000) + 1.0) * 3.0,
        "exponential_tokens": np.round(rng.exponential(500.0, 50_000)),
        "bimodal_latency": bimodal,
        "tiny_costs": rng.lognormal(np.log(3e-8), 2.0, 20_000),
        "huge_values": rng.lognormal(np.log(1e16), 3.0, 20_000),
        "many_duplicates": rng.choice([1.0, 7.0, 7.0, 120.0, 3500.0], 100_000),
        "with_zeros": with_zeros,
        "one_value": np.array([42.0]),
        "two_values": np.array([3.0, 1e9]),
        "three_equal": np.array([5.5, 5.5, 5.5]),
        **{f"few_{n}": rng.lognormal(5.0, 2.0, n) for n in (4, 5, 7, 10)},
    }


DISTRIBUTIONS = distributions()


@pytest.fixture(scope="module")
def exact(conn: Any) -> dict[str, list[float]]:
    """quantilesExact per distribution, computed by ClickHouse."""
    conn.query(
        "CREATE TABLE observations (dist String, v Float64) ENGINE = MergeTree ORDER BY dist"
    )
    for name, values in DISTRIBUTIONS.items():
        insert(conn, "observations", pa.table({"dist": [name] * len(values), "v": values}))
    levels = ", ".join(map(str, LEVELS))
    result = rows(
        conn, f"SELECT dist, quantilesExact({levels})(v) AS q FROM observations GROUP BY dist"
    )
    return {r["dist"]: [float(x) for x in r["q"]] for r in result}


def relative_error(got: float | None, want: float) -> float:
    assert got is not None
    if want == 0.0:
        return abs(got)
    return abs(got - want) / abs(want)


def assert_close(name: str, sketch: QuantileSketch, want: list[float]) -> None:
    got = sketch.quantiles(LEVELS)
    for q, g, w in zip(LEVELS, got, want, strict=True):
        err = relative_error(g, w)
        assert err <= ISSUE_BAR, f"{name} q={q}: sketch {g} vs exact {w} (rel err {err:.4%})"
        # The documented guarantee, with room for float rounding only.
        assert err <= QuantileSketch.RELATIVE_ACCURACY * (1 + 1e-9), (name, q, g, w)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_rust_sketch_matches_exact_quantiles(name: str, exact: dict[str, list[float]]) -> None:
    sketch = QuantileSketch()
    sketch.add_many(DISTRIBUTIONS[name])
    assert sketch.count == len(DISTRIBUTIONS[name])
    assert_close(name, sketch, exact[name])


MERGE_TABLE = """
CREATE TABLE partial_sketches (
    dist String,
    part UInt32,
    buckets SimpleAggregateFunction(sumMap, Map(Int16, UInt64)),
    count SimpleAggregateFunction(sum, UInt64),
    sum SimpleAggregateFunction(sum, Float64),
    min SimpleAggregateFunction(min, Float64),
    max SimpleAggregateFunction(max, Float64),
    zero_count SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree ORDER BY (dist, part)
"""


def merged_sketch(row: dict[str, Any]) -> QuantileSketch:
    return QuantileSketch.from_buckets(
        {int(k): int(v) for k, v in row["buckets"].items()},
        zero_count=int(row["zero_count"]),
        sum=float(row["sum"]),
        min=float(row["min"]),
        max=float(row["max"]),
    )


MERGED_SELECT = (
    "SELECT dist, sumMap(buckets) AS buckets, sum(count) AS count, sum(sum) AS sum,"
    " min(min) AS min, max(max) AS max, sum(zero_count) AS zero_count"
    " FROM partial_sketches GROUP BY dist"
)


@pytest.fixture(scope="module")
def merged_by_clickhouse(conn: Any) -> dict[str, dict[str, Any]]:
    """Each distribution cut into 40 partial sketches (as many minutes would
    be), inserted in 4 INSERTs (so several parts), merged by ClickHouse."""
    conn.query(MERGE_TABLE)
    rng = np.random.default_rng(5)
    inserts: list[list[dict[str, Any]]] = [[] for _ in range(4)]
    for name, values in DISTRIBUTIONS.items():
        part_of = rng.integers(0, 40, len(values))
        for part in range(40):
            sketch = QuantileSketch()
            sketch.add_many(values[part_of == part])
            if sketch.count == 0:
                continue
            inserts[part % 4].append(
                {
                    "dist": name,
                    "part": part % 7,  # parts collide in the key: merged by the engine too
                    "buckets": list(sketch.to_buckets().items()),
                    "count": sketch.count,
                    "sum": sketch.sum,
                    "min": sketch.min,
                    "max": sketch.max,
                    "zero_count": sketch.zero_count,
                }
            )
    schema = pa.schema(
        [
            ("dist", pa.string()),
            ("part", pa.uint32()),
            ("buckets", pa.map_(pa.int16(), pa.uint64())),
            ("count", pa.uint64()),
            ("sum", pa.float64()),
            ("min", pa.float64()),
            ("max", pa.float64()),
            ("zero_count", pa.uint64()),
        ]
    )
    for batch in inserts:
        insert(conn, "partial_sketches", pa.Table.from_pylist(batch, schema=schema))
    return {r["dist"]: r for r in rows(conn, MERGED_SELECT)}


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_clickhouse_merged_sketch_matches_exact_quantiles(
    name: str, exact: dict[str, list[float]], merged_by_clickhouse: dict[str, dict[str, Any]]
) -> None:
    row = merged_by_clickhouse[name]
    merged = merged_sketch(row)
    whole = QuantileSketch()
    whole.add_many(DISTRIBUTIONS[name])
    # sumMap / sum / min / max is exactly the sketch merge.
    assert merged.to_buckets() == whole.to_buckets()
    assert int(row["count"]) == merged.count == whole.count
    assert merged.zero_count == whole.zero_count
    assert (merged.min, merged.max) == (whole.min, whole.max)
    assert merged.sum == pytest.approx(whole.sum, rel=1e-9)
    assert_close(name, merged, exact[name])


def test_background_merges_keep_the_sketch(conn: Any, merged_by_clickhouse: dict) -> None:
    conn.query("OPTIMIZE TABLE partial_sketches FINAL")
    after = {r["dist"]: r for r in rows(conn, MERGED_SELECT)}
    for name, row in merged_by_clickhouse.items():
        assert merged_sketch(after[name]).to_buckets() == merged_sketch(row).to_buckets()


# ---- sketch_rows: the delta rows of span batches, end to end ----

SPAN_MINUTE_NS = 60_000_000_000
T0_NS = 1_718_000_000 * 1_000_000_000 // SPAN_MINUTE_NS * SPAN_MINUTE_NS


def span_batches(n_batches: int = 6, spans: int = 8_000) -> list[pa.RecordBatch]:
    rng = np.random.default_rng(99)
    models = np.array(["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", ""])
    chains = np.array(["rag", "support", ""])
    out = []
    for b in range(n_batches):
        model = rng.choice(models, spans, p=[0.3, 0.3, 0.2, 0.2])
        llm = model != ""
        tokens = np.round(rng.lognormal(6.0, 1.0, spans)).astype(np.uint32)
        cost = rng.pareto(1.2, spans) * 1e-4 + 1e-6
        root = rng.random(spans) < 0.3
        parents = [bytes(8) if r else rng.bytes(8) for r in root]
        out.append(
            pa.record_batch(
                {
                    "project": pa.array(rng.choice(["alpha", "beta"], spans)),
                    "start_time": pa.array(
                        T0_NS + rng.integers(0, 30 * SPAN_MINUTE_NS, spans),
                        pa.timestamp("ns", tz="UTC"),
                    ),
                    "chain": pa.array(rng.choice(chains, spans)),
                    "agent": pa.array(np.full(spans, f"agent-{b % 2}")),
                    "user_id": pa.array(rng.choice([f"u{i}" for i in range(50)] + [""], spans)),
                    "environment": pa.array(rng.choice(["prod", "dev"], spans)),
                    "model": pa.array(model),
                    "span_type": pa.array(np.where(llm, "llm", "chain")),
                    "parent_span_id": pa.array(parents, pa.binary(8)),
                    "duration_ns": pa.array(
                        np.round(rng.lognormal(17.0, 1.8, spans)).astype(np.int64)
                    ),
                    "total_tokens": pa.array(tokens, mask=~llm),
                    "llm_cost_usd": pa.array(cost, mask=~llm),
                }
            )
        )
    return out


SKETCH_TABLE = """
CREATE TABLE span_sketches (
    project String,
    minute DateTime('UTC'),
    population LowCardinality(String),
    group_kind LowCardinality(String),
    group_value String,
    metric LowCardinality(String),
    buckets SimpleAggregateFunction(sumMap, Map(Int16, UInt64)),
    count SimpleAggregateFunction(sum, UInt64),
    sum SimpleAggregateFunction(sum, Float64),
    min SimpleAggregateFunction(min, Float64),
    max SimpleAggregateFunction(max, Float64),
    zero_count SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
ORDER BY (project, population, group_kind, group_value, metric, minute)
"""

RAW_TABLE = """
CREATE TABLE raw_spans (
    project String, start_time DateTime64(9, 'UTC'), chain String, agent String,
    user_id String, environment String, model String, span_type String,
    parent_span_id FixedString(8), duration_ns Int64,
    total_tokens Nullable(UInt32), llm_cost_usd Nullable(Float64)
) ENGINE = MergeTree ORDER BY (project, start_time)
"""

GROUP_COLUMN = {
    "chain": "chain",
    "agent": "agent",
    "user": "user_id",
    "environment": "environment",
    "model": "model",
}


@pytest.fixture(scope="module")
def span_tables(conn: Any) -> None:
    conn.query(SKETCH_TABLE)
    conn.query(RAW_TABLE)
    for batch in span_batches():
        delta = sketch_rows(batch)
        assert delta.schema == sketch_delta_schema()
        insert(conn, "span_sketches", pa.Table.from_batches([delta]))
        insert(conn, "raw_spans", pa.Table.from_batches([batch]))


# Which spans each population measures, as SQL over the raw spans.
POPULATION_FILTER = {
    "llm": "span_type IN ('llm', 'embedding')",
    "trace": "parent_span_id = toFixedString(repeat('\\0', 8), 8)",
}


@pytest.mark.parametrize("group_kind", ["all", *GROUP_COLUMN])
@pytest.mark.parametrize(
    "population,metric",
    [("llm", "latency_ns"), ("llm", "total_tokens"), ("llm", "cost_usd"), ("trace", "latency_ns")],
)
@pytest.mark.parametrize("minutes", [(0, 30), (7, 19)])
def test_span_sketch_rows_merged_in_clickhouse_match_exact_quantiles(
    conn: Any,
    span_tables: None,
    group_kind: str,
    population: str,
    metric: str,
    minutes: tuple[int, int],
) -> None:
    start = T0_NS // 1_000_000_000 + minutes[0] * 60
    end = T0_NS // 1_000_000_000 + minutes[1] * 60
    value = {"latency_ns": "duration_ns", "cost_usd": "llm_cost_usd"}.get(metric, metric)
    group = "''" if group_kind == "all" else GROUP_COLUMN[group_kind]
    levels = ", ".join(map(str, LEVELS))
    in_group = "1" if group_kind == "all" else f"{group} != ''"
    in_group += f" AND {POPULATION_FILTER[population]}"
    truth = rows(
        conn,
        f"SELECT project, {group} AS g, quantilesExact({levels})({value}) AS q, count({value}) AS n"
        f" FROM raw_spans WHERE start_time >= toDateTime({start}, 'UTC')"
        f" AND start_time < toDateTime({end}, 'UTC') AND {in_group}"
        " GROUP BY project, g HAVING n > 0",
    )
    merged = rows(
        conn,
        "SELECT project, group_value AS g, sumMap(buckets) AS buckets, sum(count) AS count,"
        " sum(sum) AS sum, min(min) AS min, max(max) AS max, sum(zero_count) AS zero_count"
        f" FROM span_sketches WHERE group_kind = '{group_kind}' AND metric = '{metric}'"
        f" AND population = '{population}'"
        f" AND minute >= toDateTime({start}, 'UTC') AND minute < toDateTime({end}, 'UTC')"
        " GROUP BY project, g",
    )
    by_group = {(r["project"], r["g"]): r for r in merged}
    assert len(truth) >= 2
    assert set(by_group) == {(r["project"], r["g"]) for r in truth}
    for t in truth:
        row = by_group[(t["project"], t["g"])]
        assert int(row["count"]) == int(t["n"])
        assert_close(f"{group_kind}={t['g']} {metric}", merged_sketch(row), t["q"])


def test_sketch_rows_without_cost_column_has_no_cost_rows() -> None:
    batch = span_batches(1, 50)[0]
    delta = sketch_rows(batch.drop_columns(["llm_cost_usd"]))
    assert "cost_usd" not in set(delta.column("metric").to_pylist())
    assert delta.num_rows > 0
    # root spans measure the trace's latency only
    trace_metrics = {
        m
        for m, p in zip(
            delta.column("metric").to_pylist(), delta.column("population").to_pylist(), strict=True
        )
        if p == "trace"
    }
    assert trace_metrics == {"latency_ns"}


# ---- the Python surface ----


def test_sketch_api_round_trip_and_errors() -> None:
    sketch = QuantileSketch()
    assert sketch.quantile(0.5) is None and sketch.min is None and len(sketch) == 0
    sketch.add(0.0)
    sketch.add_many([1.0, 2, 3.5])
    sketch.add_many(np.array([10, 20], dtype=np.int64))
    assert (sketch.count, sketch.zero_count, sketch.min, sketch.max) == (6, 1, 0.0, 20.0)
    assert sketch.sum == pytest.approx(36.5)
    copy = QuantileSketch.from_buckets(
        sketch.to_buckets(),
        zero_count=sketch.zero_count,
        sum=sketch.sum,
        min=0.0,
        max=20.0,
    )
    assert copy.quantiles(LEVELS) == sketch.quantiles(LEVELS)
    other = QuantileSketch()
    other.add(1e6)
    copy.merge(other)
    assert copy.max == 1e6 and copy.count == 7
    for bad in (-1.0, float("nan"), float("inf"), 1e200):
        with pytest.raises(CoreError):
            sketch.add(bad)
    with pytest.raises(CoreError):
        sketch.add_many([1.0, -2.0])
    assert sketch.count == 6  # nothing of the refused batch went in
    with pytest.raises(CoreError):
        sketch.quantile(1.5)
    with pytest.raises(CoreError):
        QuantileSketch.from_buckets({40_000: 1}, min=1.0, max=1.0)


def test_sketch_rows_of_a_list_accumulate_the_batches_together(conn: Any) -> None:
    batches = span_batches(3, 400)
    together = sketch_rows(batches)
    apart = [sketch_rows(b) for b in batches]
    assert together.num_rows < sum(d.num_rows for d in apart)

    def merged(deltas: list[pa.RecordBatch]) -> dict[tuple, tuple]:
        out: dict[tuple, tuple] = {}
        for d in deltas:
            for r in d.to_pylist():
                key = (
                    r["project"],
                    r["minute"],
                    r["population"],
                    r["group_kind"],
                    r["group_value"],
                    r["metric"],
                )
                buckets = dict(r["buckets"])
                n, total, old = r["count"], r["sum"], out.get(key)
                if old is not None:
                    for k, c in old[0].items():
                        buckets[k] = buckets.get(k, 0) + c
                    n, total = n + old[1], total + old[2]
                out[key] = (buckets, n, total)
        return out

    a, b = merged([together]), merged(apart)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key][0] == b[key][0] and a[key][1] == b[key][1], key
        assert a[key][2] == pytest.approx(b[key][2], rel=1e-12)
