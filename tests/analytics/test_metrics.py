"""Performance metrics, leaders and histograms, checked against exact SQL.

Spans go in through the real ingest path (OTLP/HTTP protobuf to a Studio
running in this process, embedded chDB); every figure the API gives is
compared with an exact query over the stored spans: percentiles within 1%
relative error (they come from the streaming sketches), counts and sums exact.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from inprocess_studio import InProcessStudio
from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "metrics"
OTHER = "metrics-other"
MINUTE_NS = 60 * 10**9
# Data lives in [T0 - 2h, T0): the window under test is the last hour, the
# hour before it is its "previous period".
T0 = (time.time_ns() // MINUTE_NS - 5) * MINUTE_NS
HOUR_NS = 60 * MINUTE_NS
MODELS = [("gpt-4o", "openai"), ("gpt-4o-mini", "openai"), ("no-such-model-xyz", "openai")]
CHAINS = ["rag", "support", "triage"]
USERS = ["alice", "bob", "carol", "dave"]
LEVELS = (0.5, 0.9, 0.99)
TRACES_PER_REQUEST = 50


def _trace(rng: random.Random, start_ns: int) -> list[Any]:
    """A root and 1-3 LLM calls under it, drawn from `rng`."""
    tid = new_trace_id()
    root_id = new_span_id()
    chain = rng.choice(CHAINS)
    user = rng.choice(USERS)
    env = rng.choice(["prod", "staging"])
    root_ms = rng.lognormvariate(5.5, 1.2)
    error = rng.random() < 0.15
    spans = [
        make_span(
            tid,
            root_id,
            name=chain,
            start_ns=start_ns,
            duration_ns=int(root_ms * 1e6) + 1,
            attributes={
                "openinference.span.kind": "CHAIN",
                "gls.chain": chain,
                "gls.agent": f"agent-{chain}",
                "user.id": user,
                "gls.environment": env,
            },
            status_code=2 if error else 0,
        )
    ]
    for _ in range(rng.randint(1, 3)):
        model, provider = rng.choice(MODELS)
        spans.append(
            make_span(
                tid,
                parent=root_id,
                name="chat",
                start_ns=start_ns + 1000,
                duration_ns=int(rng.lognormvariate(19.5, 0.8)),
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": model,
                    "gen_ai.provider.name": provider,
                    "gen_ai.usage.input_tokens": rng.randint(10, 5000),
                    "gen_ai.usage.output_tokens": rng.randint(1, 1500),
                    "gls.chain": chain,
                    "user.id": user,
                    "gls.environment": env,
                },
                status_code=2 if rng.random() < 0.05 else 0,
            )
        )
    return spans


def _send(studio: InProcessStudio, project: str, traces: list[list[Any]]) -> None:
    """TRACES_PER_REQUEST traces a request: each request is one insert, and the
    same spans in fewer inserts store the same rows (~100 ms an insert)."""
    for i in range(0, len(traces), TRACES_PER_REQUEST):
        spans = [span for trace in traces[i : i + TRACES_PER_REQUEST] for span in trace]
        resp = post_protobuf(
            studio.api + "/v1/traces",
            make_request(spans),
            headers={"X-GLS-Project": project},
        )
        assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("metrics") / "data").start()
    rng = random.Random(7)
    # drawn in the same order as when each trace was its own request
    ours = [_trace(rng, T0 - rng.randrange(2 * HOUR_NS)) for _ in range(400)]
    others = [_trace(rng, T0 - rng.randrange(HOUR_NS)) for _ in range(30)]
    _send(s, PROJECT, ours)
    _send(s, OTHER, others)
    yield s
    s.stop()


def _window(start_ns: int = T0 - HOUR_NS, end_ns: int = T0) -> dict[str, Any]:
    return {"start": str(start_ns // 10**6), "end": str(end_ns // 10**6)}


ROOT = "parent_span_id = toFixedString(repeat('\\0', 8), 8)"
LLM = "span_type IN ('llm', 'embedding')"


def _exact(
    studio: InProcessStudio,
    value: str,
    where: str,
    group: str = "''",
    start: int = T0 - HOUR_NS,
    end: int = T0,
    project: str = PROJECT,
) -> dict[str, dict[str, Any]]:
    levels = ", ".join(map(str, LEVELS))
    rows = studio.sql(
        f"SELECT {group} AS g, count() AS n, count({value}) AS known, sum({value}) AS total,"
        f" quantilesExact({levels})({value}) AS q, min({value}) AS lo, max({value}) AS hi"
        " FROM spans WHERE project = {project:String}"
        " AND start_time >= fromUnixTimestamp64Nano({start:Int64})"
        " AND start_time < fromUnixTimestamp64Nano({end:Int64})"
        f" AND {where} GROUP BY g",
        project=project,
        start=start,
        end=end,
    )
    return {r["g"]: r for r in rows}


def _close(got: float | None, want: float, what: str, rel: float = 0.01) -> None:
    assert got is not None, what
    assert abs(got - want) <= rel * abs(want) + 1e-12, f"{what}: {got} vs exact {want}"


def _check_stats(stats: dict[str, Any], exact: dict[str, Any], scale: float, what: str) -> None:
    assert stats["count"] == int(exact["n"]), what
    for i, level in enumerate(("p50", "p90", "p99")):
        _close(stats[level], float(exact["q"][i]) * scale, f"{what} {level}")
    _close(stats["sum"], float(exact["total"]) * scale, f"{what} sum", 1e-9)
    _close(stats["avg"], float(exact["total"]) / int(exact["n"]) * scale, f"{what} avg", 1e-9)
    _close(stats["min"], float(exact["lo"]) * scale, f"{what} min", 1e-9)
    _close(stats["max"], float(exact["hi"]) * scale, f"{what} max", 1e-9)


def _metrics(studio: InProcessStudio, project: str = PROJECT, **params: Any) -> dict[str, Any]:
    return checked_get(
        studio.api, f"/api/v1/projects/{project}/analytics/metrics", **{**_window(), **params}
    )


def test_trace_latency_summary_and_previous_period(studio: InProcessStudio) -> None:
    body = _metrics(studio, metric="latency")
    assert body["scope"] == "trace" and body["unit"] == "ms"
    exact = _exact(studio, "duration_ns", ROOT)[""]
    _check_stats(body["summary"], exact, 1e-6, "trace latency")
    before = _exact(studio, "duration_ns", ROOT, start=T0 - 2 * HOUR_NS, end=T0 - HOUR_NS)[""]
    _check_stats(body["summary"]["previous"], before, 1e-6, "previous trace latency")
    change = body["summary"]["change"]["count"]
    assert change == pytest.approx((int(exact["n"]) - int(before["n"])) / int(before["n"]))


@pytest.mark.parametrize(
    "group_by,column",
    [("chain", "chain"), ("user", "user_id"), ("environment", "environment"), ("agent", "agent")],
)
def test_trace_latency_by_group(studio: InProcessStudio, group_by: str, column: str) -> None:
    body = _metrics(studio, metric="latency", group_by=group_by)
    exact = _exact(studio, "duration_ns", f"{ROOT} AND {column} != ''", group=column)
    assert body["group_count"] == len(exact)
    assert {g["group"] for g in body["groups"]} == set(exact)
    for g in body["groups"]:
        _check_stats(g, exact[g["group"]], 1e-6, f"{group_by}={g['group']}")


@pytest.mark.parametrize(
    "metric,value,scale",
    [
        ("latency", "duration_ns", 1e-6),
        ("tokens", "total_tokens", 1.0),
        ("cost", "llm_cost_usd", 1.0),
    ],
)
def test_llm_metrics_by_model(
    studio: InProcessStudio, metric: str, value: str, scale: float
) -> None:
    body = _metrics(studio, metric=metric, group_by="model")
    assert body["scope"] == "llm"
    exact = _exact(studio, value, f"{LLM} AND model != ''", group="toString(model)")
    for g in body["groups"]:
        e = exact[g["group"]]
        if int(e["known"]) == 0:  # the unpriced model: no cost sketch, no figure
            assert metric == "cost" and g["group"] == "no-such-model-xyz"
            continue
        e = {**e, "n": e["known"]}
        _check_stats(g, e, scale, f"{metric} model={g['group']}")
    if metric == "cost":
        assert "no-such-model-xyz" not in {g["group"] for g in body["groups"]}
        priced = _exact(studio, "llm_cost_usd", LLM)[""]
        _close(body["summary"]["sum"], float(priced["total"]), "total LLM cost", 1e-9)


def test_series_adds_up_and_matches_sql_per_step(studio: InProcessStudio) -> None:
    body = _metrics(studio, metric="latency", step="300")
    assert body["window"]["step_s"] == 300
    series = body["series"]
    assert sum(p["count"] for p in series) == body["summary"]["count"]
    point = max(series, key=lambda p: p["count"])
    from datetime import datetime

    start = int(datetime.fromisoformat(point["t"].replace("Z", "+00:00")).timestamp()) * 10**9
    exact = _exact(studio, "duration_ns", ROOT, start=start, end=start + 300 * 10**9)[""]
    _check_stats(point, exact, 1e-6, f"series point {point['t']}")


def test_throughput_error_rate_and_carbon(studio: InProcessStudio) -> None:
    thr = _metrics(studio, metric="throughput", scope="llm")
    exact_llm = _exact(studio, "duration_ns", LLM)[""]
    assert thr["summary"]["count"] == int(exact_llm["n"])
    assert thr["summary"]["per_minute"] == pytest.approx(int(exact_llm["n"]) / 60)

    err = _metrics(studio, metric="error_rate", scope="llm", group_by="model")
    rows = studio.sql(
        "SELECT toString(model) AS g, count() AS n, countIf(status_code = 2) AS e FROM spans"
        " WHERE project = {project:String} AND start_time >= fromUnixTimestamp64Nano({s:Int64})"
        f" AND start_time < fromUnixTimestamp64Nano({{e:Int64}}) AND {LLM} GROUP BY g",
        project=PROJECT,
        s=T0 - HOUR_NS,
        e=T0,
    )
    for g in err["groups"]:
        row = next(r for r in rows if r["g"] == g["group"])
        assert (g["count"], g["errors"]) == (int(row["n"]), int(row["e"]))
        assert g["rate"] == pytest.approx(int(row["e"]) / int(row["n"]))

    trace_err = _metrics(studio, metric="error_rate", group_by="chain")
    rows = studio.sql(
        "SELECT chain AS g, count() AS n, countIf(status_code = 2) AS e FROM spans"
        " WHERE project = {project:String} AND start_time >= fromUnixTimestamp64Nano({s:Int64})"
        f" AND start_time < fromUnixTimestamp64Nano({{e:Int64}}) AND {ROOT} GROUP BY g",
        project=PROJECT,
        s=T0 - HOUR_NS,
        e=T0,
    )
    # A trace has an error when any of its spans has: count traces whose spans have one.
    rows_any = studio.sql(
        "SELECT c AS g, count() AS n, countIf(e > 0) AS e FROM (SELECT trace_id,"
        " anyIf(chain, " + ROOT + ") AS c, countIf(status_code = 2) AS e,"
        " minIf(start_time, " + ROOT + ") AS st FROM spans WHERE project = {project:String}"
        " GROUP BY trace_id HAVING st >= fromUnixTimestamp64Nano({s:Int64})"
        " AND st < fromUnixTimestamp64Nano({e:Int64})) GROUP BY g",
        project=PROJECT,
        s=T0 - HOUR_NS,
        e=T0,
    )
    assert rows  # the root-only view exists; the API counts a trace with any error
    for g in trace_err["groups"]:
        row = next(r for r in rows_any if r["g"] == g["group"])
        assert (g["count"], g["errors"]) == (int(row["n"]), int(row["e"]))

    carbon = _metrics(studio, metric="carbon", scope="llm")
    exact_c = _exact(studio, "carbon_g", LLM)[""]
    assert carbon["summary"]["count"] == int(exact_c["n"])
    assert carbon["summary"]["known"] == int(exact_c["known"])
    _close(carbon["summary"]["sum"], float(exact_c["total"]), "carbon sum", 1e-9)
    for i, level in enumerate(("p50", "p90", "p99")):
        _close(carbon["summary"][level], float(exact_c["q"][i]), f"carbon {level}", 1e-9)


def test_projects_are_isolated(studio: InProcessStudio) -> None:
    mine = _metrics(studio, metric="latency")
    other = _metrics(studio, OTHER, metric="latency")
    exact = _exact(studio, "duration_ns", ROOT, project=OTHER)[""]
    assert other["summary"]["count"] == int(exact["n"]) != mine["summary"]["count"]


def test_leaders_rank_groups_by_p90(studio: InProcessStudio) -> None:
    body = checked_get(
        studio.api,
        f"/api/v1/projects/{PROJECT}/analytics/leaders",
        **_window(),
        metric="latency",
        group_by="user",
        limit="2",
    )
    assert body["ranked_by"] == "p90"
    exact = _exact(studio, "duration_ns", f"{ROOT} AND user_id != ''", group="user_id")
    order = sorted(exact, key=lambda g: float(exact[g]["q"][1]))
    assert [r["group"] for r in body["top"]] == order[:2]
    assert [r["group"] for r in body["needs_attention"]] == list(reversed(order))[:2]


def test_histogram_counts_add_up(studio: InProcessStudio) -> None:
    body = checked_get(
        studio.api,
        f"/api/v1/projects/{PROJECT}/analytics/histogram",
        **_window(),
        metric="latency",
        bins="20",
    )
    exact = _exact(studio, "duration_ns", ROOT)[""]
    assert body["count"] == int(exact["n"]) == sum(b["count"] for b in body["bins"])
    bins = body["bins"]
    assert len(bins) == 20
    assert bins[0]["lower"] == pytest.approx(float(exact["lo"]) * 1e-6, rel=0.01)
    assert bins[-1]["upper"] == pytest.approx(float(exact["hi"]) * 1e-6, rel=0.01)
    assert all(
        a["upper"] == pytest.approx(b["lower"]) for a, b in zip(bins, bins[1:], strict=False)
    )
    one = checked_get(
        studio.api,
        f"/api/v1/projects/{PROJECT}/analytics/histogram",
        **_window(),
        metric="latency",
        group_by="chain",
        group="rag",
    )
    rag = _exact(studio, "duration_ns", f"{ROOT} AND chain = 'rag'")[""]
    assert one["count"] == int(rag["n"])


def _steps(start: int = T0 - HOUR_NS, end: int = T0, step_s: int = 900) -> list[int]:
    step = step_s * 10**9
    return list(range(start // step * step, end, step))


def _clipped(t: int, step_s: int = 900) -> tuple[int, int]:
    """A step's part inside the window (the first and last may straddle it)."""
    return max(t, T0 - HOUR_NS), min(t + step_s * 10**9, T0)


def test_series_per_group_latency(studio: InProcessStudio) -> None:
    """series_groups=2: the two chains with most traces, each step's figures
    equal to the exact ones of the group's root spans that started in it."""
    body = _metrics(studio, metric="latency", group_by="chain", series_groups="2", step="900")
    drawn = [g["group"] for g in body["groups"][:2]]
    assert [s["group"] for s in body["group_series"]] == drawn
    assert body["groups_without_series"] == body["group_count"] - 2 == len(CHAINS) - 2
    for entry in body["group_series"]:
        points = {p["t"]: p for p in entry["series"]}
        seen = 0
        for t in _steps():
            exact = _exact(
                studio,
                "duration_ns",
                f"{ROOT} AND chain = '{entry['group']}'",
                start=_clipped(t)[0],
                end=_clipped(t)[1],
            ).get("")
            iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t // 10**9))
            if exact is None:
                assert iso not in points
                continue
            _check_stats(points[iso], exact, 1e-6, f"{entry['group']} {iso}")
            seen += int(exact["n"])
        assert seen == next(g["count"] for g in body["groups"] if g["group"] == entry["group"])


def test_series_per_group_error_rate(studio: InProcessStudio) -> None:
    """Exact metrics (SQL) too: LLM calls' error rate by model per step."""
    body = _metrics(
        studio, metric="error_rate", scope="llm", group_by="model", series_groups="3", step="900"
    )
    assert len(body["group_series"]) == 3 and body["groups_without_series"] == 0
    # the whole's series (read with the groups') adds up to the summary, as ungrouped
    assert (
        body["series"] == _metrics(studio, metric="error_rate", scope="llm", step="900")["series"]
    )
    assert sum(p["count"] for p in body["series"]) == body["summary"]["count"] > 0
    assert sum(p["errors"] for p in body["series"]) == body["summary"]["errors"]
    for entry in body["group_series"]:
        got = {p["t"]: (p["count"], p["errors"]) for p in entry["series"]}
        want = {}
        for t in _steps():
            rows = studio.sql(
                "SELECT count() AS n, countIf(status_code = 2) AS e FROM spans"
                " WHERE project = {project:String} AND model = {model:String}"
                f" AND {LLM} AND start_time >= fromUnixTimestamp64Nano({{s:Int64}})"
                " AND start_time < fromUnixTimestamp64Nano({e:Int64})",
                project=PROJECT,
                model=entry["group"],
                s=_clipped(t)[0],
                e=_clipped(t)[1],
            )
            if rows[0]["n"]:
                iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t // 10**9))
                want[iso] = (int(rows[0]["n"]), int(rows[0]["e"]))
        assert got == want, entry["group"]


def test_environment_filter(studio: InProcessStudio) -> None:
    """environment=prod: the traces (root spans) and LLM calls of prod only."""
    body = _metrics(studio, metric="latency", environment="prod")
    assert body["environment"] == "prod"
    exact = _exact(studio, "duration_ns", f"{ROOT} AND environment = 'prod'")[""]
    everything = _exact(studio, "duration_ns", ROOT)[""]
    assert 0 < int(exact["n"]) < int(everything["n"])
    _check_stats(body["summary"], exact, 1e-6, "prod latency")
    before = _exact(
        studio,
        "duration_ns",
        f"{ROOT} AND environment = 'prod'",
        start=T0 - 2 * HOUR_NS,
        end=T0 - HOUR_NS,
    )[""]
    assert body["summary"]["previous"]["count"] == int(before["n"])
    cost = _metrics(studio, metric="cost", environment="staging")
    _check_stats(
        cost["summary"],
        _exact(
            studio,
            "llm_cost_usd",
            f"{LLM} AND environment = 'staging' AND llm_cost_usd IS NOT NULL",
        )[""],
        1.0,
        "cost",
    )
    series = _metrics(studio, metric="latency", environment="prod", step="900")["series"]
    assert sum(p["count"] for p in series) == int(exact["n"])
    # exact metrics combine with any grouping
    errors = _metrics(studio, metric="error_rate", group_by="chain", environment="prod")
    rows = studio.sql(
        # a trace failed when any of its spans did; its chain and environment are the root's
        "SELECT g, count() AS n, countIf(failed > 0) AS e FROM (SELECT trace_id,"
        f" anyIf(toString(chain), {ROOT}) AS g, anyIf(toString(environment), {ROOT}) AS env,"
        f" minIf(start_time, {ROOT}) AS started, countIf(status_code = 2) AS failed"
        " FROM spans WHERE project = {project:String} GROUP BY trace_id)"
        " WHERE env = 'prod' AND started >= fromUnixTimestamp64Nano({s:Int64})"
        " AND started < fromUnixTimestamp64Nano({e:Int64}) GROUP BY g",
        project=PROJECT,
        s=T0 - HOUR_NS,
        e=T0,
    )
    assert {g["group"]: (g["count"], g["errors"]) for g in errors["groups"]} == {
        r["g"]: (int(r["n"]), int(r["e"])) for r in rows
    }
    by_env = _metrics(studio, metric="latency", group_by="environment", environment="prod")
    assert [g["group"] for g in by_env["groups"]] == ["prod"]
    assert by_env["groups"][0]["count"] == by_env["summary"]["count"] == int(exact["n"])


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"metric": "speed"}, "metric"),
        ({"metric": "tokens", "scope": "trace", "group_by": "model"}, "group_by=model"),
        ({"group_by": "model", "scope": "trace"}, "group_by=model"),
        ({"group_by": "colour"}, "group_by"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2000", "end": "1000"}, "before"),
        # past what DateTime64(9) holds: was a 500 from SQL (or wrapped to 1816)
        ({"start": "9999-12-30T00:00:00Z", "end": "9999-12-31T00:00:00Z"}, "out of range"),
        ({"start": "99999999999999999990", "end": "99999999999999999999"}, "out of range"),
        ({"step": "7"}, "step"),
        ({"limit": "0"}, "limit"),
        ({"series_groups": "3"}, "series_groups"),
        ({"group_by": "chain", "series_groups": "21"}, "series_groups"),
        ({"environment": "e" * 257}, "environment"),
        ({"group_by": "chain", "environment": "prod"}, "environment"),
    ],
)
def test_bad_parameters_are_400(
    studio: InProcessStudio, params: dict[str, str], needle: str
) -> None:
    resp = requests.get(
        f"{studio.api}/api/v1/projects/{PROJECT}/analytics/metrics", params=params, timeout=30
    )
    assert resp.status_code == 400, resp.text
    assert needle in resp.json()["error"]["message"]
    bad_project = requests.get(
        f"{studio.api}/api/v1/projects/bad%20name/analytics/metrics", timeout=30
    )
    assert bad_project.status_code == 400
