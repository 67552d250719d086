"""Where the chains' services live on the Studio app (set by lifecycle.py), and where
another part of the Studio puts the operator's enabled GreenLang agents for the
store's save-time check (absent: that check is skipped)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gls_engine.chains.llm_providers import LlmProviders
from gls_engine.chains.provider_clients import StoredProviderClients
from gls_engine.chains.store import ChainStore

CHAIN_STORE_KEY = web.AppKey("chain_store", ChainStore)
LLM_PROVIDERS_KEY = web.AppKey("llm_providers", LlmProviders)
PROVIDER_CLIENTS_KEY = web.AppKey("llm_provider_clients", StoredProviderClients)
# Set before chains_context runs (in create_app, or an earlier cleanup context).
ENABLED_AGENTS_KEY: web.AppKey[Callable[[], Awaitable[frozenset[str]]]] = web.AppKey(
    "chain_enabled_agents"
)
