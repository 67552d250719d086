"""Chains: named, versioned definitions of steps (LLM calls, GreenLang agents,
transforms, sub-chains) that the Studio runs, traces and debugs (docs/chains.md).

- definition.py: a chain as a client defines it, checked field by field
- expressions.py: JMESPath over a run's state (transforms, conditions, mappings)
- contracts.py: what the runner needs from the rest of the Studio, as protocols
- llm_providers.py: a project's LLM providers by name, keys sealed
- provider_clients.py: clients of the stored providers (contracts.ProviderClients)
- store.py: chains, versions, labels (and contracts.ChainResolver)
- references.py: a definition's providers, sub-chains and cycles checked in the store
- handlers.py, app_keys.py, lifecycle.py: the API and the chains' part of the app
"""
