"""Token analyzer: where a project's LLM tokens go, and which of them are waste.

Over the LLM calls (spans of type `llm` or `embedding`) of the window:
1. per provider and model: totals, calls reporting each count, system-prompt
   tokens, estimates, the model's output/input ratio, uncached system prompts,
   from `token_rollups` (migration 0013: cost_rollups' sums per minute of the
   LLM calls alone, by provider and model; whole-minute windows, see costs.py);
2. per model again, from `llm_calls` (migration 0012: the calls alone, in time
   order; token columns only),
   with each model's context window and ratio as query parameters: calls near
   the context limit and output/input ratio outliers (each call judged; the
   calls that could be either are picked by their token counts first);
3. per call signature (trace, provider, model, token counts), from `llm_calls`:
   repeated calls.

Waste indicators (each documented in the answer too):
- uncached system prompt: calls that sent system-prompt tokens (`system_tokens`,
  counted from the prompt's system/developer messages where the prompt is
  recorded as messages) with no cached input tokens (`cached_tokens` NULL or
  0): the same instructions paid for in full again. Their estimated input
  cost is the call's input cost x system tokens / input tokens.
- near context limit: calls whose input tokens are at least NEAR_LIMIT of the
  model's context window. The window comes from the genai-prices data the
  Studio prices with (`context_window` of the model the price lookup finds);
  models it does not know, or whose window it does not give, are listed and
  not judged.
- output/input ratio outliers: calls whose output/input token ratio exceeds
  RATIO_FACTOR x their model's ratio over the window (sum of output / sum of
  input over its calls reporting both, input > 0), for models with at least
  RATIO_MIN_CALLS such calls: runaway or verbose generations.
- repeated calls: calls of one trace to the same provider and model with the
  same input token count (> 0) and the same system-prompt token count (one
  `call_signature`, migration 0008), after the first: retries or identical requests sent again. Equal counts stand
  in for equal prompts, which would need the prompt text read (the largest
  column). A group of n such calls has n - 1 repeats, which re-sent
  (n - 1) x its input tokens and cost (n - 1) x the group's average cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gls_engine.analytics.context_windows import ContextWindows
from gls_engine.analytics.costs import (
    IN_WINDOW,
    ROLLUP_LLM_CALL,
    ROLLUP_WINDOW,
    minute_aligned,
)
from gls_engine.analytics.suggestions import NEAR_LIMIT_SHARE
from gls_engine.analytics.window import Window
from gls_engine.storage import SpanStore

NEAR_LIMIT = NEAR_LIMIT_SHARE  # as the suggestions judge it
RATIO_FACTOR = 5.0
RATIO_MIN_CALLS = 10
JUDGED_MODELS = 100  # models checked for the context limit and ratio outliers

# A (provider, model) as one integer, the same in every query that uses it.
# Each hash has one LowCardinality argument, so it runs on the column's
# dictionary, not per row (a third less CPU than hashing the two strings).
MODEL_KEY = "bitXor(cityHash64(provider), intHash64(cityHash64(model)))"
ROLLUP_MODEL_KEY = "bitXor(cityHash64(r.provider), intHash64(cityHash64(r.model)))"

DEFINITIONS = {
    "uncached_system_prompt": (
        "LLM calls that sent system-prompt tokens (counted from the system/developer messages"
        " of a prompt recorded as messages) with no cached input tokens; estimated cost ="
        " the call's input cost x system tokens / input tokens"
    ),
    "near_context_limit": (
        f"LLM calls whose input tokens are at least {NEAR_LIMIT:g} x the model's context window"
        " (genai-prices data); models without a known window are listed, not judged"
    ),
    "output_ratio_outliers": (
        f"LLM calls whose output/input token ratio exceeds {RATIO_FACTOR:g} x their model's"
        " ratio over the window (sum of output / sum of input), for models with at least"
        f" {RATIO_MIN_CALLS} calls reporting both counts"
    ),
    "repeated_calls": (
        "LLM calls of one trace to the same provider and model with the same input token"
        " count (> 0) and system-prompt token count, after the first: retries or identical"
        " requests. Their input tokens are the repeats' (n - 1) x the shared count; their cost"
        " is (n - 1) x the average cost of the n calls"
    ),
}


@dataclass(frozen=True)
class TokenRequest:
    project: str
    window: Window
    limit: int  # models listed in by_model
    environment: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        w = minute_aligned(self.window)
        return {
            "project": self.project,
            "start": w.start_ns,
            "end": w.end_ns,
            "environment": self.environment or "",
        }

    @property
    def rollup(self) -> str:
        """The per-model rollup to read: token_rollups keeps no environment, so
        an environment's figures are cost_rollups' LLM rows of it (the same
        columns and definitions, token_rollups is made from them)."""
        if self.environment is None:
            return f"token_rollups AS r WHERE {ROLLUP_WINDOW}"
        return (
            f"cost_rollups AS r WHERE {ROLLUP_WINDOW} AND {ROLLUP_LLM_CALL}"
            " AND r.environment = {environment:String}"
        )

    @property
    def calls(self) -> str:
        """The window's LLM calls in `llm_calls`, of the environment when one is
        asked (the call's own, migration 0016, as the per-model rollups keep it)."""
        if self.environment is None:
            return IN_WINDOW
        return f"{IN_WINDOW} AND environment = {{environment:String}}"


def _per(total: float, count: float) -> float | None:
    return total / count if count else None


class TokenQueries:
    def __init__(self, store: SpanStore, context_windows: ContextWindows | None) -> None:
        self.store = store
        self.context_windows = context_windows

    async def _per_model(self, req: TokenRequest) -> list[dict[str, Any]]:
        return await self.store.query_rows(
            "SELECT toString(r.provider) AS provider, toString(r.model) AS model,"
            f" any({ROLLUP_MODEL_KEY}) AS mk, sum(r.spans) AS calls,"
            " sum(r.input_calls) AS input_calls, sum(r.input_tokens) AS input_tokens,"
            " sum(r.output_calls) AS output_calls, sum(r.output_tokens) AS output_tokens,"
            " sum(r.total_calls) AS total_calls, sum(r.total_tokens) AS total_tokens,"
            " sum(r.cached_tokens) AS cached_tokens, sum(r.reasoning_tokens) AS reasoning_tokens,"
            " sum(r.system_calls) AS system_calls, sum(r.system_tokens) AS system_tokens,"
            " sum(r.system_in_input_tokens) AS system_in_input,"
            " sum(r.estimated_calls) AS estimated_calls,"
            " sum(r.estimated_input_calls) AS estimated_input_calls,"
            " sum(r.estimated_input_tokens) AS estimated_input_tokens,"
            " sum(r.estimated_output_calls) AS estimated_output_calls,"
            " sum(r.estimated_output_tokens) AS estimated_output_tokens,"
            " sum(r.ratio_calls) AS ratio_calls, sum(r.ratio_input_tokens) AS ratio_input,"
            " sum(r.ratio_output_tokens) AS ratio_output,"
            " sum(r.uncached_system_calls) AS uncached_system_calls,"
            " sum(r.uncached_system_tokens) AS uncached_system_tokens,"
            " sum(r.uncached_system_cost_usd) AS uncached_system_cost_usd"
            f" FROM {req.rollup}"
            " GROUP BY provider, model",
            req.params,
        )

    async def _limits_and_outliers(
        self, req: TokenRequest, models: list[dict[str, Any]]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Near-limit calls and ratio outliers per model, for the models with a
        known context window or ratio (the JUDGED_MODELS with most calls)."""
        judged = [m for m in models if m["context_window"] or m["output_input_ratio"]]
        judged = sorted(judged, key=lambda m: -m["calls"])[:JUDGED_MODELS]
        if not judged:
            return {}
        params: dict[str, Any] = {
            **req.params,
            "near": NEAR_LIMIT,
            "factor": RATIO_FACTOR,
            "windows": [m["context_window"] or 0 for m in judged],
            "ratios": [m["output_input_ratio"] or 0.0 for m in judged],
        }
        # The model's index in the parameter arrays: equality tests on the
        # LowCardinality columns measured 3x faster than indexOf over tuples.
        branches = []
        for j, m in enumerate(judged):
            params[f"provider{j}"], params[f"model{j}"] = m["provider"], m["model"]
            branches.append(
                f"provider = {{provider{j}:String}} AND model = {{model{j}:String}}, {j + 1}"
            )
        outlier = "b > 0 AND i > 0 AND o IS NOT NULL AND o > i * b * {factor:Float64}"
        near = "w > 0 AND i >= w * {near:Float64}"
        # Calls that could be either for some judged model, by their token
        # counts alone (read first, as PREWHERE): near the smallest window, or
        # above the smallest ratio. Products are monotonic in IEEE arithmetic,
        # so every call the model's own bound picks is among them.
        windows = [m["context_window"] for m in judged if m["context_window"]]
        ratios = [m["output_input_ratio"] for m in judged if m["output_input_ratio"]]
        candidates = []
        if windows:
            params["least_window"] = min(windows)
            candidates.append("ifNull(input_tokens, 0) >= {least_window:UInt64} * {near:Float64}")
        if ratios:
            params["least_ratio"] = min(ratios)
            candidates.append(
                "ifNull(input_tokens, 0) > 0 AND output_tokens"
                " > ifNull(input_tokens, 0) * {least_ratio:Float64} * {factor:Float64}"
            )
        rows = await self.store.query_rows(
            f"SELECT k, countIf({near}) AS near_calls, sumIf(i, {near}) AS near_input_tokens,"
            f" countIf({outlier}) AS outlier_calls,"
            f" sumIf(ifNull(o, 0), {outlier}) AS outlier_output_tokens"
            f" FROM (SELECT multiIf({', '.join(branches)}, 0) AS k,"
            " if(k = 0, 0, arrayElement({windows:Array(UInt64)}, k)) AS w,"
            " if(k = 0, 0, arrayElement({ratios:Array(Float64)}, k)) AS b,"
            " ifNull(input_tokens, 0) AS i, output_tokens AS o"
            f" FROM llm_calls PREWHERE ({') OR ('.join(candidates)})"
            f" WHERE {req.calls})"
            " WHERE k > 0 GROUP BY k",
            params,
        )
        return {(judged[r["k"] - 1]["provider"], judged[r["k"] - 1]["model"]): r for r in rows}

    async def _repeats(self, req: TokenRequest) -> dict[int, dict[str, Any]]:
        """Repeated calls per model, keyed by MODEL_KEY. `call_signature`
        (migration 0008) is one 64-bit hash of the call's trace, provider,
        model, input and system-prompt token counts, 0 for spans that are not
        LLM calls with input tokens. The signatures seen more than once are
        found first (one 8-byte column read and grouped); only those calls are
        then read whole, so a window without repeats costs one narrow pass
        (1.1M calls of 7 days at 10M spans: 104 -> 52 ms). Both passes read
        `llm_calls` (migration 0012), a project's window found by its sort key:
        7 days of one project at 10M spans 3.20M -> 2.30M rows read."""
        rows = await self.store.query_rows(
            "SELECT mk, sum(n - 1) AS repeated_calls,"
            " sum((n - 1) * i) AS repeated_input_tokens,"
            " sum(cost * (n - 1) / n) AS repeated_cost_usd"
            f" FROM (SELECT call_signature, any({MODEL_KEY}) AS mk,"
            " any(assumeNotNull(input_tokens)) AS i,"
            " count() AS n, sum(ifNull(llm_cost_usd, 0)) AS cost"
            " FROM llm_calls PREWHERE call_signature IN (SELECT call_signature FROM llm_calls"
            f" PREWHERE call_signature != 0 WHERE {req.calls}"
            " GROUP BY call_signature HAVING count() > 1)"
            f" WHERE {req.calls} GROUP BY call_signature)"
            " GROUP BY mk",
            req.params,
        )
        return {int(r["mk"]): r for r in rows}

    async def _models_judged(self, req: TokenRequest) -> list[dict[str, Any]]:
        """Per-model figures with the context window, ratio, near-limit calls
        and ratio outliers of each model."""
        models = await self._per_model(req)
        for m in models:
            m["context_window"] = (
                self.context_windows.lookup(m["provider"], m["model"])
                if self.context_windows is not None
                else None
            )
            m["output_input_ratio"] = (
                m["ratio_output"] / m["ratio_input"]
                if m["ratio_calls"] >= RATIO_MIN_CALLS and m["ratio_input"]
                else None
            )
        judged = await self._limits_and_outliers(req, models)
        for m in models:
            found = judged.get((m["provider"], m["model"]), {})
            for k in ("near_calls", "near_input_tokens", "outlier_calls", "outlier_output_tokens"):
                m[k] = found.get(k, 0)
        return models

    async def analysis(self, req: TokenRequest) -> dict[str, Any]:
        models, repeats = await asyncio.gather(self._models_judged(req), self._repeats(req))
        for m in models:
            found = repeats.get(int(m["mk"]), {})
            for k in ("repeated_calls", "repeated_input_tokens", "repeated_cost_usd"):
                m[k] = found.get(k, 0)
        return _answer(req, models)


def _sum(models: list[dict[str, Any]], key: str) -> Any:
    return sum(m[key] for m in models)


def _answer(req: TokenRequest, models: list[dict[str, Any]]) -> dict[str, Any]:
    calls = _sum(models, "calls")
    input_tokens, output_tokens = _sum(models, "input_tokens"), _sum(models, "output_tokens")
    system_in_input = _sum(models, "system_in_input")
    prompt_and_output = input_tokens + output_tokens
    with_window = [m for m in models if m["context_window"]]
    with_ratio = [m for m in models if m["output_input_ratio"] is not None]
    by_model = sorted(
        models,
        key=lambda m: (
            -(m["input_tokens"] + m["output_tokens"]),
            -m["calls"],
            m["provider"],
            m["model"],
        ),
    )[: req.limit]
    return {
        "project": req.project,
        "window": req.window.to_json(),
        "environment": req.environment,
        "totals": {
            "llm_calls": calls,
            **{
                k: _sum(models, k)
                for k in (
                    "input_tokens",
                    "output_tokens",
                    "cached_tokens",
                    "reasoning_tokens",
                    "system_tokens",
                    "total_tokens",
                )
            },
        },
        "average_per_call": {
            "input_tokens": _per(input_tokens, _sum(models, "input_calls")),
            "output_tokens": _per(output_tokens, _sum(models, "output_calls")),
            "total_tokens": _per(_sum(models, "total_tokens"), _sum(models, "total_calls")),
            "cached_tokens": _per(_sum(models, "cached_tokens"), calls),
            "reasoning_tokens": _per(_sum(models, "reasoning_tokens"), calls),
            "system_tokens": _per(_sum(models, "system_tokens"), _sum(models, "system_calls")),
        },
        "distribution": {
            "system_tokens": system_in_input,
            "other_input_tokens": input_tokens - system_in_input,
            "output_tokens": output_tokens,
            "system_share": _per(system_in_input, prompt_and_output),
            "other_input_share": _per(input_tokens - system_in_input, prompt_and_output),
            "output_share": _per(output_tokens, prompt_and_output),
            "calls_with_system_tokens": _sum(models, "system_calls"),
        },
        "estimated": {
            "calls": _sum(models, "estimated_calls"),
            "input_calls": _sum(models, "estimated_input_calls"),
            "output_calls": _sum(models, "estimated_output_calls"),
            "call_share": _per(_sum(models, "estimated_calls"), calls),
            "input_token_share": _per(_sum(models, "estimated_input_tokens"), input_tokens),
            "output_token_share": _per(_sum(models, "estimated_output_tokens"), output_tokens),
        },
        "waste": {
            "uncached_system_prompt": {
                "definition": DEFINITIONS["uncached_system_prompt"],
                "calls": _sum(models, "uncached_system_calls"),
                "system_tokens": _sum(models, "uncached_system_tokens"),
                "share_of_input_tokens": _per(_sum(models, "uncached_system_tokens"), input_tokens),
                "estimated_input_cost_usd": _sum(models, "uncached_system_cost_usd"),
            },
            "near_context_limit": {
                "definition": DEFINITIONS["near_context_limit"],
                "threshold": NEAR_LIMIT,
                "calls": _sum(models, "near_calls"),
                "input_tokens": _sum(models, "near_input_tokens"),
                "calls_with_known_context_window": _sum(with_window, "calls"),
                "models_without_context_window": _without_window(models)[: req.limit],
            },
            "output_ratio_outliers": {
                "definition": DEFINITIONS["output_ratio_outliers"],
                "factor": RATIO_FACTOR,
                "min_calls": RATIO_MIN_CALLS,
                "calls": _sum(models, "outlier_calls"),
                "output_tokens": _sum(models, "outlier_output_tokens"),
                "models_judged": len(with_ratio),
            },
            "repeated_calls": {
                "definition": DEFINITIONS["repeated_calls"],
                "calls": _sum(models, "repeated_calls"),
                "input_tokens": _sum(models, "repeated_input_tokens"),
                "cost_usd": _sum(models, "repeated_cost_usd"),
            },
        },
        "by_model": [_model_row(m) for m in by_model],
    }


def _without_window(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [
        {"provider": m["provider"], "model": m["model"], "calls": m["calls"]}
        for m in models
        if not m["context_window"]
    ]
    return sorted(rows, key=lambda r: (-r["calls"], r["provider"], r["model"]))


def _model_row(m: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "provider": m["provider"],
        "model": m["model"],
        "calls": m["calls"],
        "input_tokens": m["input_tokens"],
        "output_tokens": m["output_tokens"],
        "cached_tokens": m["cached_tokens"],
        "reasoning_tokens": m["reasoning_tokens"],
        "system_tokens": m["system_tokens"],
        "total_tokens": m["total_tokens"],
        "avg_input_tokens": _per(m["input_tokens"], m["input_calls"]),
        "avg_output_tokens": _per(m["output_tokens"], m["output_calls"]),
        "context_window": m["context_window"],
        "near_context_limit_calls": m["near_calls"],
        "output_input_ratio": m["output_input_ratio"],
        "output_ratio_outlier_calls": m["outlier_calls"],
        "uncached_system_tokens": m["uncached_system_tokens"],
        "repeated_calls": m["repeated_calls"],
    }
