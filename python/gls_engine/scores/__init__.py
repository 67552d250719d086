"""Scores on traces and spans: stored in ClickHouse, from the API, evaluators and people (docs/scores.md)."""
