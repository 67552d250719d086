"""Optimisation suggestions, each with its estimated monthly saving in money and
in CO2e and the traces that justify it.

A suggestion is made only from evidence in the stored spans; a saving is the
window's measured waste scaled to 30 days (`x 30 days / window length`).
Kinds evaluated:

- prompt_caching: LLM calls of one model that share a long system prompt
  (>= 1024 tokens, the smallest prefix OpenAI and Anthropic cache) and the
  same first 2 KB of prompt, at least `min_calls` of them, mostly without
  cache reads. Saving per call = cost(system tokens as input) - cost(the same
  tokens as cache reads), at the model's genai-prices prices. CO2e saving 0:
  EcoLogits energy depends on output tokens, which caching does not change.
- near_context_limit: LLM calls whose input uses >= 80% of the model's
  context window (genai-prices `context_window`): truncation risk and cost.
  Saving assumes the prompt trimmed to 50% of the window (history
  summarised, retrieval top-k lowered): the tokens above that, at the
  model's input price. CO2e saving 0, for the same reason.
- lower_carbon_region: spans whose energy comes from CPU/GPU time (the power
  model) in traces with no user (batch work, not interactive), run in a zone
  with a higher grid intensity than the cleanest zone the same cloud
  offers (our region table). CO2e saving = their carbon x (1 - best / current
  intensity); money saving 0 (prices of regions are not known here).

- cheaper_model: where two experiments on one dataset show a cheaper model with
  no significant quality loss (gls_engine/experiments/cheaper_model.py, handed
  in by app.py as `cheaper_models`): the dearer model's production cost and
  carbon in the window cut by the experiments' per-item ratios.

Kinds not evaluated, and why, are listed in the answer (`not_evaluated`).

The LLM-call kinds read `llm_calls` (migration 0012: the calls alone, in time
order, with the prompt prefix's hash computed at insert), not `spans`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from gls_engine.analytics.context_windows import ContextWindows
from gls_engine.analytics.costs import ROLLUP_WINDOW, minute_aligned
from gls_engine.analytics.window import Window
from gls_engine.carbon.data import CLOUD_REGIONS_PATH
from gls_engine.ingest.enrichment import Enrichment
from gls_engine.storage import SpanStore
from gls_engine.storage.span_hours import span_hours_ns

MONTH_S = 30 * 86_400
CACHE_MIN_TOKENS = 1024
NEAR_LIMIT_SHARE = 0.8
TRIM_TO_SHARE = 0.5
# llm_calls.prompt_prefix hashes this many first characters of each prompt
# (migration 0012 writes the number; changing it needs a migration).
PREFIX_CHARS = 2048
EXAMPLES = 5

NOT_EVALUATED = [
    {
        "kind": "lower_carbon_hour",
        "why": "the electricity-mix data (ecologits) has yearly averages per zone, no hourly"
        " intensities, so moving work to another hour cannot be estimated honestly",
    },
]

WINDOW_SQL = (
    " project = {project:String}"
    " AND start_time >= fromUnixTimestamp64Nano({start:Int64})"
    " AND start_time < fromUnixTimestamp64Nano({end:Int64})"
)


def _environment(params: dict[str, Any]) -> str:
    """The environment condition on `llm_calls` (migration 0016) or `spans`."""
    return " AND environment = {environment:String}" if params["in_environment"] else ""


def _per_model_rollup(params: dict[str, Any]) -> str:
    """token_rollups keeps no environment: an environment's calls per model are
    cost_rollups' LLM rows of it (token_rollups is made from those)."""
    if not params["in_environment"]:
        return f"token_rollups AS r WHERE {ROLLUP_WINDOW}"
    return (
        f"cost_rollups AS r WHERE {ROLLUP_WINDOW} AND r.span_type IN ('llm', 'embedding')"
        " AND r.environment = {environment:String}"
    )


# (project, window parameters, month scale) -> suggestions of kind cheaper_model
CheaperModels = Callable[[str, dict[str, Any], float], Awaitable[list[dict[str, Any]]]]


class Suggestions:
    def __init__(
        self, store: SpanStore, enrichment: Enrichment, cheaper_models: CheaperModels | None = None
    ) -> None:
        self.store = store
        self.cheaper_models = cheaper_models
        self.enrichment = enrichment  # prices with the projects' overrides, impact data
        self.impacts = enrichment.impact_model
        # The token analyzer's lookup too (cost_handlers shares this one).
        self.context_windows = ContextWindows(
            enrichment.price_data.json, lambda: enrichment.price_book
        )
        regions = json.loads(CLOUD_REGIONS_PATH.read_text())["regions"]
        self._cloud_zones: dict[str, set[str]] = {
            cloud: set(zones.values()) for cloud, zones in regions.items()
        }

    @property
    def prices(self) -> Any:
        return self.enrichment.price_book

    async def suggest(
        self, project: str, w: Window, min_calls: int, environment: str | None = None
    ) -> dict[str, Any]:
        """`environment`: only the calls and spans of that environment (their own)."""
        params = {
            "project": project,
            "start": w.start_ns,
            "end": w.end_ns,
            "environment": environment or "",
            "in_environment": environment is not None,
        }
        scale = MONTH_S / w.seconds
        evaluated = ["prompt_caching", "near_context_limit", "lower_carbon_region"]
        searches: list[Awaitable[list[dict[str, Any]]]] = [
            self._prompt_caching(project, params, scale, min_calls),
            self._near_context_limit(project, params, scale),
            self._lower_carbon_region(project, params, scale),
        ]
        if self.cheaper_models is not None:
            evaluated.append("cheaper_model")
            searches.append(self.cheaper_models(project, params, scale))
        kinds = await asyncio.gather(*searches)
        found = [s for kind in kinds for s in kind]
        found.sort(
            key=lambda s: (s["monthly_saving_usd"], s["monthly_saving_co2e_g"]), reverse=True
        )
        return {
            "window": w.to_json(),
            "environment": environment,
            "month_scale": scale,
            "suggestions": found,
            "evaluated": evaluated,
            "not_evaluated": NOT_EVALUATED,
        }

    # --- prompt caching -----------------------------------------------------------
    async def _prompt_caching(
        self, project: str, params: dict[str, Any], scale: float, min_calls: int
    ) -> list[dict[str, Any]]:
        rows = await self.store.query_rows(
            "SELECT toString(model) AS model, toString(provider) AS provider,"
            " prompt_prefix AS prefix,"
            " count() AS calls, countIf(ifNull(cached_tokens, 0) > 0) AS cached_calls,"
            " avg(system_tokens) AS sys_tokens,"
            f" groupUniqArray({EXAMPLES})(lower(hex(trace_id))) AS traces"
            f" FROM llm_calls WHERE {WINDOW_SQL}{_environment(params)}"
            " AND system_tokens >= {min_tokens:UInt32}"
            " GROUP BY model, provider, prefix"
            " HAVING calls >= {min_calls:UInt64} AND cached_calls * 2 < calls"
            " ORDER BY calls * sys_tokens DESC LIMIT 20",
            {**params, "min_tokens": CACHE_MIN_TOKENS, "min_calls": min_calls},
        )
        now = time.time_ns()
        out = []
        for r in rows:
            tokens = round(float(r["sys_tokens"]))
            full = self.prices.cost(
                r["provider"], r["model"], now, input_tokens=tokens, project=project
            )
            cached = self.prices.cost(
                r["provider"],
                r["model"],
                now,
                input_tokens=tokens,
                cache_read_tokens=tokens,
                project=project,
            )
            if full is None or cached is None or full["total"] <= cached["total"]:
                continue  # unpriced, or no cache price: no saving to claim
            uncached = int(r["calls"]) - int(r["cached_calls"])
            saving = (full["total"] - cached["total"]) * uncached * scale
            out.append(
                {
                    "kind": "prompt_caching",
                    "title": f"Cache the {tokens}-token system prompt of {r['model']}",
                    "detail": (
                        f"{r['calls']} calls in the window share the same system prompt"
                        f" (~{tokens} tokens); {r['cached_calls']} read it from the provider's"
                        " prompt cache. Keep that prefix identical and enable caching."
                    ),
                    "monthly_saving_usd": saving,
                    "monthly_saving_co2e_g": 0.0,
                    "evidence": {
                        "model": r["model"],
                        "provider": r["provider"],
                        "calls": int(r["calls"]),
                        "cached_calls": int(r["cached_calls"]),
                        "system_tokens": tokens,
                    },
                    "traces": sorted(r["traces"]),
                    "traces_query": {"model": r["model"], "span_type": "llm"},
                }
            )
        return out

    # --- near the context limit ---------------------------------------------------------
    async def _near_context_limit(
        self, project: str, params: dict[str, Any], scale: float
    ) -> list[dict[str, Any]]:
        # The models with calls reporting input tokens, from token_rollups
        # (migration 0013; input_calls counts them): ~40K rows for 7 days of a
        # project at 10M spans instead of its 1.15M calls. Exact for the
        # whole-minute windows the handler asks (minute_aligned checks).
        minute_aligned(Window(params["start"], params["end"], 60))
        models = await self.store.query_rows(
            "SELECT toString(r.model) AS model, toString(r.provider) AS provider,"
            f" sum(r.input_calls) AS calls FROM {_per_model_rollup(params)}"
            " AND r.model != '' GROUP BY model, provider HAVING calls > 0",
            params,
        )
        windows: dict[tuple[str, str], int] = {}
        for m in models:
            ctx = self.context_windows.lookup(m["provider"], m["model"])
            if ctx:
                windows[(m["model"], m["provider"])] = ctx
        if not windows:
            return []
        keys = list(windows)
        rows = await self.store.query_rows(
            "SELECT model, provider, ctx, count() AS calls, sum(input_tokens - trim_to) AS excess,"
            f" groupUniqArray({EXAMPLES})(lower(hex(trace_id))) AS traces FROM ("
            " SELECT toString(model) AS model, toString(provider) AS provider, input_tokens,"
            " trace_id, transform(concat(model, '\\0', provider), {keys:Array(String)},"
            " {ctx:Array(UInt64)}, toUInt64(0)) AS ctx,"
            f" toUInt64(ctx * {TRIM_TO_SHARE}) AS trim_to"
            # Calls near the smallest window first, by their token count alone
            # (PREWHERE): every call a model's own bound picks is among them,
            # and the per-row model lookup runs on those only (7 days of a
            # project at 10M spans: 55-73 ms over its 1.15M calls before).
            " FROM llm_calls PREWHERE input_tokens >= {least:UInt64} * {share:Float64}"
            f" WHERE {WINDOW_SQL}{_environment(params)} AND input_tokens IS NOT NULL)"
            " WHERE ctx > 0 AND input_tokens >= ctx * {share:Float64}"
            " GROUP BY model, provider, ctx ORDER BY excess DESC",
            {
                **params,
                "least": min(windows.values()),
                "share": NEAR_LIMIT_SHARE,
                "keys": [f"{m}\0{p}" for m, p in keys],
                "ctx": [windows[k] for k in keys],
            },
        )
        now = time.time_ns()
        out = []
        for r in rows:
            per_million = self.prices.cost(
                r["provider"], r["model"], now, input_tokens=1_000_000, project=project
            )
            if per_million is None:
                continue
            excess = int(r["excess"])
            saving = per_million["total"] * excess / 1e6 * scale
            out.append(
                {
                    "kind": "near_context_limit",
                    "title": f"Trim prompts of {r['model']} that fill its context window",
                    "detail": (
                        f"{r['calls']} calls used >= {NEAR_LIMIT_SHARE:.0%} of the"
                        f" {int(r['ctx'])}-token context window: they risk truncation and"
                        f" pay for {excess} tokens above {TRIM_TO_SHARE:.0%} of the window"
                        " (summarise history, retrieve fewer chunks)."
                    ),
                    "monthly_saving_usd": saving,
                    "monthly_saving_co2e_g": 0.0,
                    "evidence": {
                        "model": r["model"],
                        "provider": r["provider"],
                        "calls": int(r["calls"]),
                        "context_window": int(r["ctx"]),
                        "excess_input_tokens": excess,
                    },
                    "traces": sorted(r["traces"]),
                    "traces_query": {"model": r["model"], "span_type": "llm"},
                }
            )
        return out

    # --- lower-carbon region -----------------------------------------------------------------
    async def _lower_carbon_region(
        self, project: str, params: dict[str, Any], scale: float
    ) -> list[dict[str, Any]]:
        rows = await self.store.query_rows(
            "SELECT toString(carbon_zone) AS zone, lower(if(attributes['cloud.provider'] != '',"
            " attributes['cloud.provider'], JSONExtractString(arrayFirst(kv ->"
            " JSONExtractString(kv, 'key') = 'cloud.provider',"
            " JSONExtractArrayRaw(resource_attributes)), 'value', 'stringValue'))) AS span_cloud,"
            " count() AS spans, sum(carbon_g) AS carbon, sum(energy_kwh) AS energy,"
            f" groupUniqArray({EXAMPLES})(lower(hex(trace_id))) AS traces"
            f" FROM spans WHERE {WINDOW_SQL}{_environment(params)}"
            f" AND {span_hours_ns('{start:Int64}', '{end:Int64}')}"
            " AND energy_source = 2 AND user_id = ''"
            " AND carbon_g IS NOT NULL GROUP BY zone, span_cloud ORDER BY carbon DESC",
            params,
        )
        out = []
        for r in rows:
            current = self.impacts.zone_intensity(r["zone"])
            clouds = [r["span_cloud"]] if r["span_cloud"] in self._cloud_zones else []
            candidates = set().union(*(self._cloud_zones[c] for c in clouds)) if clouds else set()
            if not candidates:
                candidates = set().union(*self._cloud_zones.values())
            best = min(
                (
                    (intensity, zone)
                    for zone in candidates
                    if (intensity := self.impacts.zone_intensity(zone)) is not None
                ),
                default=None,
            )
            if current is None or best is None or best[0] >= current:
                continue
            saving = float(r["carbon"]) * (1 - best[0] / current) * scale
            out.append(
                {
                    "kind": "lower_carbon_region",
                    "title": f"Run batch compute in {best[1]} instead of {r['zone']}",
                    "detail": (
                        f"{r['spans']} spans of non-interactive traces ran in {r['zone']}"
                        f" ({current * 1000:.0f} gCO2e/kWh); {best[1]} is at"
                        f" {best[0] * 1000:.0f} gCO2e/kWh"
                        + (f" on {r['span_cloud']}" if clouds else " (any major cloud)")
                        + "."
                    ),
                    "monthly_saving_usd": 0.0,
                    "monthly_saving_co2e_g": saving,
                    "evidence": {
                        "zone": r["zone"],
                        "to_zone": best[1],
                        "spans": int(r["spans"]),
                        "energy_kwh": float(r["energy"]),
                        "carbon_g": float(r["carbon"]),
                    },
                    "traces": sorted(r["traces"]),
                    "traces_query": {},
                }
            )
        return out
