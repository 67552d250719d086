"""Playground runs against a slow provider must not slow the rest of the API.

    python benches/bench_playground_load.py                 # 50 runs, 3 rounds
    python benches/bench_playground_load.py --runs 50 --answer-s 4 --rounds 3

A Studio (a subprocess, production defaults except its ports and
--chain-runs-max-concurrent = --runs) holds --traces traces; an LLM provider is
the local OpenAI-protocol server answering each request slowly (streamed:
--answer-s seconds spread over its chunks). Each round measures the trace
list's latency (GET .../traces, what the explorer loads, --requests requests
one after another for --seconds) twice, interleaved: quiet, then from the
moment --runs playground runs (one LLM step each) are started, while they
stream from the slow provider and store their traces. Printed: p50 / p99 of
each phase per round and overall, the runs' outcomes. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benches"))

from harness import percentile, studio_process  # noqa: E402

from otlp_helpers import make_request, make_span, new_span_id, new_trace_id  # noqa: E402
from support.openai_compatible_server import OpenAICompatibleServer  # noqa: E402

PROJECT = "playground-load"

CHAIN = {
    "input_schema": {"type": "object", "properties": {"question": {"type": "string"}}},
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "slow",
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "{{ question }}"}],
        }
    ],
}


def seed(api: str, traces: int) -> None:
    now = time.time_ns()
    batch = []
    for i in range(traces):
        trace_id = new_trace_id()
        root = new_span_id()
        start = now - (i % 3600) * 10**9
        batch.append(make_span(trace_id, root, name="agent", start_ns=start, duration_ns=10**8))
        batch.append(
            make_span(
                trace_id,
                parent=root,
                name="chat",
                start_ns=start + 1000,
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 100,
                    "gen_ai.usage.output_tokens": 20,
                },
            )
        )
        if len(batch) >= 1000:
            post(api, batch)
            batch = []
    if batch:
        post(api, batch)


def post(api: str, spans: list[Any]) -> None:
    resp = requests.post(
        f"{api}/v1/traces",
        data=make_request(spans).SerializeToString(),
        headers={"Content-Type": "application/x-protobuf", "X-GLS-Project": PROJECT},
        timeout=60,
    )
    resp.raise_for_status()


def trace_list_ms(api: str, seconds: float) -> list[float]:
    """The trace list, one request after another, for `seconds`."""
    end_ms = int(time.time() * 1000)
    params = {"start": str(end_ms - 3_600_000), "end": str(end_ms), "limit": "50"}
    out = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        t0 = time.perf_counter()
        resp = requests.get(f"{api}/api/v1/projects/{PROJECT}/traces", params=params, timeout=60)
        out.append((time.perf_counter() - t0) * 1000)
        resp.raise_for_status()
    return out


def start_runs(api: str, runs: int) -> list[str]:
    ids: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        resp = requests.post(
            f"{api}/api/v1/projects/{PROJECT}/chain-runs",
            json={"definition": CHAIN, "inputs": {"question": f"question {i}"}},
            timeout=60,
        )
        resp.raise_for_status()
        with lock:
            ids.extend(r["id"] for r in resp.json()["runs"])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ids


def outcomes(api: str, ids: list[str], timeout_s: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    counts: dict[str, int] = {}
    for run_id in ids:
        while True:
            run = requests.get(
                f"{api}/api/v1/projects/{PROJECT}/chain-runs/{run_id}", timeout=60
            ).json()
            if run["status"] not in ("queued", "running") or time.monotonic() > deadline:
                counts[run["status"]] = counts.get(run["status"], 0) + 1
                break
            time.sleep(0.2)
    return counts


def fmt(values: list[float]) -> str:
    return f"{percentile(values, 50):7.1f} {percentile(values, 99):7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--answer-s", type=float, default=4.0)
    parser.add_argument("--traces", type=int, default=5000)
    parser.add_argument(
        "--seconds", type=float, help="each phase's length (default: --answer-s + 2)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()

    words = 60
    answer = " ".join(f"word{i}" for i in range(words))
    chunks = max(1, len(answer) // 8)
    with (
        tempfile.TemporaryDirectory() as tmp,
        OpenAICompatibleServer() as provider,
    ):
        provider.on(content=answer, chunk_chars=8, chunk_delay_s=args.answer_s / chunks)
        studio, ports = studio_process(
            Path(tmp) / "data",
            Path(tmp) / "studio.log",
            "--chain-runs-max-concurrent",
            str(args.runs),
            "--chain-runs-max-queued",
            str(args.runs),
        )
        api = f"http://127.0.0.1:{ports['api']}"
        studio.start(ready_url=f"{api}/health")
        try:
            seed(api, args.traces)
            requests.post(
                f"{api}/api/v1/projects/{PROJECT}/llm-providers",
                json={"name": "slow", "base_url": provider.base_url},
                timeout=30,
            ).raise_for_status()
            phase_s = args.seconds or args.answer_s + 2
            trace_list_ms(api, 2)  # warm
            quiet_all: list[float] = []
            loaded_all: list[float] = []
            run_counts: dict[str, int] = {}
            print(f"{'round':>5} {'quiet p50':>9} {'p99':>7} {'runs p50':>9} {'p99':>7}  runs")
            for round_no in range(1, args.rounds + 1):
                quiet = trace_list_ms(api, phase_s)
                ids = start_runs(api, args.runs)
                loaded = trace_list_ms(api, phase_s)
                counts = outcomes(api, ids, timeout_s=120)
                for k, v in counts.items():
                    run_counts[k] = run_counts.get(k, 0) + v
                quiet_all += quiet
                loaded_all += loaded
                print(
                    f"{round_no:>5} {fmt(quiet)} {fmt(loaded)}  {counts}"
                    f" ({len(quiet)} / {len(loaded)} list requests)"
                )
            print(f"{'all':>5} {fmt(quiet_all)} {fmt(loaded_all)}  {run_counts}")
            if args.json:
                Path(args.json).write_text(
                    json.dumps(
                        {
                            "quiet_ms": {
                                "p50": percentile(quiet_all, 50),
                                "p99": percentile(quiet_all, 99),
                            },
                            "during_runs_ms": {
                                "p50": percentile(loaded_all, 50),
                                "p99": percentile(loaded_all, 99),
                            },
                            "runs": run_counts,
                            "load": os.getloadavg(),
                        },
                        indent=2,
                    )
                )
        finally:
            studio.stop()


if __name__ == "__main__":
    main()
