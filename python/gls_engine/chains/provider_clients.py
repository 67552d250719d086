"""The runner's LLM clients (contracts.ProviderClients): one OpenAI-compatible client
per stored provider, made from the provider as stored (its key unsealed only here)
and reused while the provider is unchanged, so runs share its connection pool.
A provider replaced (its updated_at moves) gets a new client; the old one is
closed once no run is expected to hold it (at the next replacement or at close).
"""

from __future__ import annotations

import asyncio

from gls_engine.chains.llm_providers import LlmProviders
from gls_engine.errors import NotFoundError
from gls_engine.evaluators.openai_client import OpenAICompatibleClient

_Key = tuple[str, str]  # (project, provider)


class StoredProviderClients:
    def __init__(self, providers: LlmProviders, *, timeout_s: float = 120.0) -> None:
        self._providers = providers
        self._timeout_s = timeout_s
        # (project, provider) -> (the provider's updated_at when made, client)
        self._clients: dict[_Key, tuple[str, OpenAICompatibleClient]] = {}
        self._retired: list[OpenAICompatibleClient] = []
        self._lock = asyncio.Lock()
        self._closed = False

    async def client(self, project: str, provider: str) -> OpenAICompatibleClient:
        """NotFoundError naming the provider when the project has none so named."""
        key = (project, provider)
        try:
            opened = await self._providers.opened(project, provider)
        except NotFoundError:
            async with self._lock:  # deleted: its client goes with it
                held = self._clients.pop(key, None)
                if held is not None:
                    self._retired.append(held[1])
            raise
        version = opened.updated_at.isoformat()
        async with self._lock:
            if self._closed:
                raise RuntimeError("the provider clients are closed")
            held = self._clients.get(key)
            if held is not None and held[0] == version:
                return held[1]
            if held is not None:
                # A run may still be reading from it: closed at the next change or at close.
                await self._close_retired()
                self._retired.append(held[1])
            made = OpenAICompatibleClient(
                opened.base_url, opened.api_key, timeout_s=self._timeout_s
            )
            self._clients[key] = (version, made)
            return made

    async def _close_retired(self) -> None:
        retired, self._retired = self._retired, []
        for client in retired:
            await client.close()

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            await self._close_retired()
            clients = [client for _, client in self._clients.values()]
            self._clients.clear()
        for client in clients:
            await client.close()

    @property
    def open_clients(self) -> int:
        return len(self._clients) + len(self._retired)
