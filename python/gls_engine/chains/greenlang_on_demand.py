"""The GreenLang registry loaded when a chain first needs it. Loading imports the
package (pandas among its imports) and creates each agent: ~0.7 s of CPU that a
Studio nobody runs GreenLang steps on should not pay at every start. An
operator's own configuration (agents named in the settings) is loaded at start
instead, so a mistake in it stops the Studio with its SettingsError at once."""

from __future__ import annotations

import asyncio
from typing import Any

from gls_engine.chains.contracts import AgentResult
from gls_engine.chains.greenlang_agents import GreenLangAgents
from gls_engine.config import Settings

DEFAULT_BUILTINS = ("*",)


class GreenLangAgentsOnDemand:
    """The AgentRunner the Studio uses: GreenLangAgents, loaded once, in a thread."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._agents: GreenLangAgents | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls, settings: Settings) -> GreenLangAgentsOnDemand:
        on_demand = cls(settings)
        operator_configured = (
            settings.greenlang_agents or settings.greenlang_builtin_agents != DEFAULT_BUILTINS
        )
        if operator_configured:
            await on_demand.loaded()
        return on_demand

    async def loaded(self) -> GreenLangAgents:
        if self._agents is None:
            async with self._lock:
                if self._agents is None:
                    loop = asyncio.get_running_loop()
                    self._agents = await loop.run_in_executor(
                        None, GreenLangAgents.from_settings, self._settings
                    )
        return self._agents

    async def enabled(self) -> frozenset[str]:
        return (await self.loaded()).enabled()

    async def describe(self) -> list[dict[str, Any]]:
        return (await self.loaded()).describe()

    async def run(self, agent: str, inputs: dict[str, Any]) -> AgentResult:
        return await (await self.loaded()).run(agent, inputs)

    def close(self) -> None:
        if self._agents is not None:
            self._agents.close()
