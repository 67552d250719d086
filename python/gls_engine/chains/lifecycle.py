"""The chains' part of the Studio's life: made once the metadata store is open; the
LLM provider clients (their connection pools) closed at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import cache

from aiohttp import web

from gls_engine.chains.app_keys import (
    CHAIN_STORE_KEY,
    ENABLED_AGENTS_KEY,
    LLM_PROVIDERS_KEY,
    PROVIDER_CLIENTS_KEY,
)
from gls_engine.chains.llm_providers import LlmProviders
from gls_engine.chains.provider_clients import StoredProviderClients
from gls_engine.chains.store import ChainStore
from gls_engine.config import Settings
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.secret_box import SecretBox


def chains_context(
    settings: Callable[[web.Application], Settings],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context; `settings(app)` gives the Studio's settings."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        data_dir = settings(app).data_path
        # Loaded at first use: a Studio whose projects store no keys never makes one.
        providers = LlmProviders(app[METADATA_KEY], cache(lambda: SecretBox.load(data_dir)))
        clients = StoredProviderClients(providers)
        app[LLM_PROVIDERS_KEY] = providers
        app[PROVIDER_CLIENTS_KEY] = clients
        app[CHAIN_STORE_KEY] = ChainStore(app[METADATA_KEY], app.get(ENABLED_AGENTS_KEY))
        yield
        await clients.close()

    return context
