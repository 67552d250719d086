"""What the chain runner needs from the rest of the Studio, as protocols, so the
runner depends on no storage and no agent package: the stored chains (for
sub-chain steps), the project's LLM providers (for LLM steps) and the
operator's GreenLang agents (for GreenLang steps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gls_engine.chains.definition import ChainDefinition
from gls_engine.evaluators.openai_client import OpenAICompatibleClient


@dataclass(frozen=True)
class ResolvedChain:
    name: str
    version: int
    definition: ChainDefinition


class ChainResolver(Protocol):
    async def resolve(
        self, project: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> ResolvedChain:
        """The chain's version: `version`, else `label`'s, else the latest. NotFoundError
        naming what is missing."""
        ...


class ProviderClients(Protocol):
    async def client(self, project: str, provider: str) -> OpenAICompatibleClient:
        """A client of the project's LLM provider named `provider` (its key unsealed
        only here). NotFoundError naming the provider if the project has none so named."""
        ...


@dataclass(frozen=True)
class AgentResult:
    """A GreenLang agent's answer, whatever shape the agent returned it in."""

    success: bool
    data: Any  # JSON values
    error: str | None
    cpu_seconds: float  # CPU time of the agent's work, for the energy model
    metadata: dict[str, Any]


class AgentRunner(Protocol):
    async def enabled(self) -> frozenset[str]:
        """Names of the agents the operator enabled (the registry may load on first use)."""
        ...

    async def run(self, agent: str, inputs: dict[str, Any]) -> AgentResult:
        """Runs the agent off the event loop (a bounded thread pool)."""
        ...
