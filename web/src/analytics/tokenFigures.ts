// The Tokens page's figures, all from the token analyzer's answers for the window
// and for the period of the same length before it.
import type { TokenAnalysis } from "./analyticsApi";

/** Relative change, or null when there is nothing to compare with. */
export function relativeChange(now: number | null | undefined, before: number | null | undefined): number | null {
  if (now === null || now === undefined || before === null || before === undefined || before === 0) return null;
  return (now - before) / before;
}

/** Token efficiency: the share of input tokens the provider served from its
 * prompt cache (cached / input). Higher is better: cached tokens cost less and are
 * not processed again. Null without input tokens. */
export function cacheEfficiency(analysis: TokenAnalysis | undefined): number | null {
  if (!analysis || analysis.totals.input_tokens === 0) return null;
  return analysis.totals.cached_tokens / analysis.totals.input_tokens;
}

/** The distribution as the page draws it: system and cached are parts of input,
 * reasoning a part of output. */
export function distribution(analysis: TokenAnalysis) {
  const t = analysis.totals;
  return [
    { key: "input", label: "Input", tokens: t.input_tokens },
    { key: "output", label: "Output", tokens: t.output_tokens },
    { key: "system", label: "System (of input)", tokens: t.system_tokens },
    { key: "cached", label: "Cached (of input)", tokens: t.cached_tokens },
    { key: "reasoning", label: "Reasoning (of output)", tokens: t.reasoning_tokens },
  ];
}

/** Each waste indicator with the tokens it could save: the system prompts caching
 * would serve, the repeats' input, the outliers' output, the input of calls near
 * the context window (to trim). They overlap, so they are not added up. */
export function wasteRows(analysis: TokenAnalysis) {
  const w = analysis.waste;
  return [
    {
      key: "uncached_system_prompt",
      label: "Uncached system prompts",
      calls: w.uncached_system_prompt.calls,
      savingTokens: w.uncached_system_prompt.system_tokens,
      savingOf: "system-prompt tokens a prompt cache would serve",
      costUsd: w.uncached_system_prompt.estimated_input_cost_usd as number | null,
      definition: w.uncached_system_prompt.definition,
    },
    {
      key: "repeated_calls",
      label: "Repeated calls",
      calls: w.repeated_calls.calls,
      savingTokens: w.repeated_calls.input_tokens,
      savingOf: "input tokens of the repeats",
      costUsd: w.repeated_calls.cost_usd as number | null,
      definition: w.repeated_calls.definition,
    },
    {
      key: "output_ratio_outliers",
      label: "Output/input ratio outliers",
      calls: w.output_ratio_outliers.calls,
      savingTokens: w.output_ratio_outliers.output_tokens,
      savingOf: "output tokens of the outliers",
      costUsd: null,
      definition: w.output_ratio_outliers.definition,
    },
    {
      key: "near_context_limit",
      label: "Near the context window",
      calls: w.near_context_limit.calls,
      savingTokens: w.near_context_limit.input_tokens,
      savingOf: "input tokens of these calls, to trim",
      costUsd: null,
      definition: w.near_context_limit.definition,
    },
  ];
}
