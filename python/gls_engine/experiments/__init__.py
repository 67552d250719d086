"""Experiments: a dataset version x a task x evaluators, run by the SDK in the user's
process and recorded here with their traces, scores, cost and carbon; results,
aggregates and paired comparisons between experiments (docs/experiments.md)."""
