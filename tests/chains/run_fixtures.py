"""What the runner's tests run chains with: a dict-backed ChainResolver of
parse_chain'd definitions, ProviderClients that answer real
OpenAICompatibleClients of the local OpenAI-protocol test server, and a tiny
AgentRunner.

The AgentRunner here computes something real (kWh x an emission factor, off
the event loop, its CPU time measured) and stands in for the GreenLang
registry in the runner's unit tests only: the real registry is
chains/greenlang_*.py, built beside the runner."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from gls_engine.chains.contracts import AgentResult, ResolvedChain
from gls_engine.chains.definition import parse_chain
from gls_engine.errors import NotFoundError
from gls_engine.evaluators.openai_client import OpenAICompatibleClient, RetryPolicy
from gls_engine.self_traces.self_trace import SelfTrace

from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer

GRID_FACTORS_KG_PER_KWH = {"FR": 0.056, "DE": 0.381, "PL": 0.662}


class DictResolver:
    def __init__(self) -> None:
        self.chains: dict[str, dict[int, Any]] = {}
        self.labels: dict[tuple[str, str], int] = {}
        self.resolved: list[tuple[str, int]] = []

    def add(self, name: str, document: dict[str, Any], label: str | None = None) -> int:
        versions = self.chains.setdefault(name, {})
        version = len(versions) + 1
        versions[version] = parse_chain(document)
        if label:
            self.labels[(name, label)] = version
        return version

    async def resolve(
        self, project: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> ResolvedChain:
        versions = self.chains.get(name)
        if not versions:
            raise NotFoundError(f"no chain {name!r} in project {project!r}")
        if version is None and label is not None:
            if (name, label) not in self.labels:
                raise NotFoundError(f"chain {name!r} has no label {label!r}")
            version = self.labels[(name, label)]
        number = version or max(versions)
        if number not in versions:
            raise NotFoundError(f"chain {name!r} has no version {number}")
        self.resolved.append((name, number))
        return ResolvedChain(name, number, versions[number])


class LocalProviders:
    """Every provider name in `names` is the local server; one client each, made on
    first use (its session belongs to the event loop it was made in)."""

    def __init__(self, server: OpenAICompatibleServer, names: tuple[str, ...] = ("local",)) -> None:
        self.server = server
        self.names = names
        self.clients: dict[str, OpenAICompatibleClient] = {}

    async def client(self, project: str, provider: str) -> OpenAICompatibleClient:
        if provider not in self.names:
            raise NotFoundError(f"project {project!r} has no LLM provider {provider!r}")
        if provider not in self.clients:
            self.clients[provider] = OpenAICompatibleClient(
                self.server.base_url, TEST_API_KEY, retry=RetryPolicy(max_attempts=1)
            )
        return self.clients[provider]

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        self.clients.clear()


class EmissionsAgents:
    """`Emissions`: {kwh, country} -> {emissions_kg, factor}; an unknown country fails."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def enabled(self) -> frozenset[str]:
        return frozenset({"Emissions"})

    async def run(self, agent: str, inputs: dict[str, Any]) -> AgentResult:
        self.calls.append(inputs)
        return await asyncio.to_thread(self._compute, inputs)

    @staticmethod
    def _compute(inputs: dict[str, Any]) -> AgentResult:
        started = time.process_time()
        factor = GRID_FACTORS_KG_PER_KWH.get(str(inputs.get("country")))
        if factor is None:
            return AgentResult(
                False, None, f"no grid factor for {inputs.get('country')!r}", 0.0, {}
            )
        emissions = round(float(inputs["kwh"]) * factor, 6)
        return AgentResult(
            True,
            {"emissions_kg": emissions, "factor": factor},
            None,
            max(time.process_time() - started, 0.001),
            {"source": "test table"},
        )


class KeptTraces:
    """A trace sink that keeps what it is given (the runner's unit tests decode
    them with the Rust core; the ingest path has its own tests)."""

    def __init__(self) -> None:
        self.traces: list[SelfTrace] = []

    async def submit(self, trace: SelfTrace) -> bool:
        self.traces.append(trace)
        return True
