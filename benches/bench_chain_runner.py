"""The chain runner's own overhead, beside each step's own time:

- transform steps (JMESPath): a run of N steps with no trace store, its time per
  step beside the expression's own evaluation time;
- an LLM step against the local OpenAI-protocol server (streamed): the run's
  time beside the same request streamed by the client alone;
- the trace's submission through the ingest pipeline and the read-back of each
  step's figures from the store (a real in-process Studio, chDB), reported apart
  from the run.

    python benches/bench_chain_runner.py --runs 200

Targets (docs/chains.md): < 5 ms per step, < 20 ms per run excluding the
read-back. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from chains.run_fixtures import EmissionsAgents, LocalProviders  # noqa: E402

from gls_engine.chains.definition import parse_chain  # noqa: E402
from gls_engine.chains.expressions import evaluate  # noqa: E402
from gls_engine.chains.run_handlers import (  # noqa: E402
    AGENT_RUNNER_KEY,
    CHAIN_RUNS_KEY,
    PROVIDER_CLIENTS_KEY,
)
from gls_engine.chains.runner import ChainRunner  # noqa: E402

from inprocess_studio import InProcessStudio  # noqa: E402
from support.openai_compatible_server import OpenAICompatibleServer  # noqa: E402

EXPRESSION = "{n: inputs.n, doubled: [inputs.n, inputs.n], name: join('-', ['a', 'b'])}"


def transforms(count: int) -> dict[str, Any]:
    return {
        "input_schema": {"type": "object", "properties": {"n": {"type": "number"}}},
        "steps": [
            {"id": f"t{i}", "type": "transform", "expression": EXPRESSION} for i in range(count)
        ],
    }


LLM = {
    "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "{{ q }}"}],
        }
    ],
}


async def timed(runs: int, once: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(min(10, runs)):  # warm caches (compiled expressions, templates, sockets)
        await once()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(name: str, values: list[float], per: int = 1) -> str:
    return (
        f"{name:<44} {p(values, 0.5) / per:>9.3f} {p(values, 0.95) / per:>9.3f}"
        f" {statistics.mean(values) / per:>9.3f}"
    )


async def runner_alone(runs: int, server: OpenAICompatibleServer) -> list[str]:
    providers = LocalProviders(server)
    runner = ChainRunner(
        resolver=None, providers=providers, agents=EmissionsAgents(), traces=None, figures=None
    )
    lines = []
    state = {"inputs": {"n": 3}, "steps": {}}
    own = await timed(runs * 10, lambda: asyncio.sleep(0, evaluate(EXPRESSION, state)))
    lines.append(row("transform: the expression alone (per step)", own))
    for count in (1, 10, 50):
        definition = parse_chain(transforms(count))

        async def once(definition: Any = definition) -> Any:
            return await runner.run(definition, {"n": 3}, project="bench", chain_name="t")

        times = await timed(runs, once)
        lines.append(row(f"transform x{count}: run (per step)", times, count))
        lines.append(row(f"transform x{count}: run (whole)", times))
    llm = parse_chain(LLM)
    client = await providers.client("bench", "local")

    async def raw() -> None:
        async for _ in client.stream([{"role": "user", "content": "hello there"}], "gpt-4o-mini"):
            pass

    lines.append(row("llm: the client's streamed call alone", await timed(runs, raw)))

    async def llm_run() -> Any:
        return await runner.run(llm, {"q": "hello there"}, project="bench", chain_name="l")

    lines.append(row("llm: run of one streamed step", await timed(runs, llm_run)))
    await providers.close()
    return lines


def through_studio(runs: int, server: OpenAICompatibleServer) -> list[str]:
    providers = LocalProviders(server)

    def configure(app: Any) -> None:
        app[PROVIDER_CLIENTS_KEY] = providers
        app[AGENT_RUNNER_KEY] = EmissionsAgents()

        async def close_clients(app: Any) -> None:
            await providers.close()

        app.on_cleanup.append(close_clients)

    with tempfile.TemporaryDirectory() as data:
        studio = InProcessStudio(Path(data) / "data", configure).start()
        try:
            runner: ChainRunner = studio.app[CHAIN_RUNS_KEY].runner
            definition = parse_chain(
                {
                    "input_schema": LLM["input_schema"],
                    "steps": [
                        *LLM["steps"],
                        {
                            "id": "kg",
                            "type": "greenlang",
                            "agent": "Emissions",
                            "input_mapping": {"kwh": "`12`", "country": "'DE'"},
                        },
                        {"id": "t", "type": "transform", "expression": EXPRESSION},
                    ],
                }
            )
            submit, readback, whole = [], [], []

            async def many() -> None:
                for i in range(runs + 5):
                    started = time.perf_counter()
                    result = await runner.run(
                        definition, {"q": "hello there"}, project="bench", chain_name="s"
                    )
                    took = (time.perf_counter() - started) * 1000
                    assert result.status == "succeeded" and result.trace_stored, result.error
                    if i >= 5:
                        submit.append(result.submit_ms or 0.0)
                        readback.append(result.readback_ms or 0.0)
                        whole.append(took)

            assert studio._loop is not None
            asyncio.run_coroutine_threadsafe(many(), studio._loop).result(3600)
        finally:
            studio.stop()
    without = [w - s - r for w, s, r in zip(whole, submit, readback, strict=True)]
    return [
        row("llm+agent+transform: run, trace aside", without),
        row("  trace submitted through the pipeline", submit),
        row("  figures read back from the store", readback),
        row("  whole", whole),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with OpenAICompatibleServer() as server:
        server.on(content="General Kenobi, you are a bold one.", chunk_chars=8)
        lines = asyncio.run(runner_alone(args.runs, server))
        lines += through_studio(max(20, args.runs // 4), server)
    print(f"{'ms':<44} {'p50':>9} {'p95':>9} {'mean':>9}")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
