"""Chains: named, versioned definitions of steps (LLM calls, GreenLang agents,
transforms, sub-chains) that the Studio runs, traces and debugs (docs/chains.md).

- definition.py: a chain as a client defines it, checked field by field
- expressions.py: JMESPath over a run's state (transforms, conditions, mappings)
"""
