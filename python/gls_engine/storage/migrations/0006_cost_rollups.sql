-- Cost and token figures per minute, so the cost analysis and the token
-- analyzer add up a few rows per minute instead of every span of the window
-- (at 10M spans, ~9 spans per rollup row; a 7-day window of one project
-- 270K rows instead of 2.5M spans). One row per project x minute x the span's
-- own span_type, provider, model, environment, agent and chain after merges;
-- readers always GROUP BY (rows of one key merge in the background).
-- Figures follow docs/span-schema.md: a NULL (unknown) part adds nothing and
-- is counted apart (unpriced_calls, energy_unknown_spans). Token "calls"
-- columns count the spans reporting that count (not NULL), for averages.
-- minute is DateTime: stored spans start between 1990 and a day after
-- receipt (the core refuses others), well inside its range.
CREATE TABLE IF NOT EXISTS cost_rollups
(
    project LowCardinality(String),
    minute DateTime('UTC'),
    span_type LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    environment LowCardinality(String),
    agent LowCardinality(String),
    chain LowCardinality(String),
    spans SimpleAggregateFunction(sum, UInt64),
    -- cost_status 1 (genai-prices), 2 (project override), 3 (unpriced)
    priced_calls SimpleAggregateFunction(sum, UInt64),
    override_calls SimpleAggregateFunction(sum, UInt64),
    unpriced_calls SimpleAggregateFunction(sum, UInt64),
    -- input + output tokens of priced (status 1, 2) and unpriced calls
    priced_call_tokens SimpleAggregateFunction(sum, UInt64),
    unpriced_call_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Float64),
    llm_cost_usd SimpleAggregateFunction(sum, Float64),
    llm_input_cost_usd SimpleAggregateFunction(sum, Float64),
    llm_output_cost_usd SimpleAggregateFunction(sum, Float64),
    infra_cost_usd SimpleAggregateFunction(sum, Float64),
    data_cost_usd SimpleAggregateFunction(sum, Float64),
    energy_kwh SimpleAggregateFunction(sum, Float64),
    carbon_g SimpleAggregateFunction(sum, Float64),
    embodied_carbon_g SimpleAggregateFunction(sum, Float64),
    energy_unknown_spans SimpleAggregateFunction(sum, UInt64),
    input_calls SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_calls SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    total_calls SimpleAggregateFunction(sum, UInt64),
    total_tokens SimpleAggregateFunction(sum, UInt64),
    cached_tokens SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens SimpleAggregateFunction(sum, UInt64),
    system_calls SimpleAggregateFunction(sum, UInt64),
    system_tokens SimpleAggregateFunction(sum, UInt64),
    -- least(system, input) where both are known: the system part of the prompt
    system_in_input_tokens SimpleAggregateFunction(sum, UInt64),
    -- token_estimate != 0; bit 1 (input estimated); bit 2 (output estimated)
    estimated_calls SimpleAggregateFunction(sum, UInt64),
    estimated_input_calls SimpleAggregateFunction(sum, UInt64),
    estimated_input_tokens SimpleAggregateFunction(sum, UInt64),
    estimated_output_calls SimpleAggregateFunction(sum, UInt64),
    estimated_output_tokens SimpleAggregateFunction(sum, UInt64),
    -- calls with input > 0 and output known: a model's output/input ratio
    ratio_calls SimpleAggregateFunction(sum, UInt64),
    ratio_input_tokens SimpleAggregateFunction(sum, UInt64),
    ratio_output_tokens SimpleAggregateFunction(sum, UInt64),
    -- system tokens > 0 and no cached input tokens (tokens.py's waste indicator),
    -- their cost = input cost x least(system, input) / input where input > 0
    uncached_system_calls SimpleAggregateFunction(sum, UInt64),
    uncached_system_tokens SimpleAggregateFunction(sum, UInt64),
    uncached_system_cost_usd SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (project, minute, span_type, provider, model, environment, agent, chain);

-- The inner SELECT renames source columns so the outer aliases (which must
-- match cost_rollups' columns) never shadow the columns they aggregate. Sums
-- of Nullable columns skip NULLs (NULL when all are: stored as 0).
CREATE MATERIALIZED VIEW IF NOT EXISTS cost_rollups_mv TO cost_rollups AS
SELECT
    project,
    s_minute AS minute,
    s_type AS span_type,
    s_provider AS provider,
    s_model AS model,
    s_environment AS environment,
    s_agent AS agent,
    s_chain AS chain,
    count() AS spans,
    countIf(s_status = 1) AS priced_calls,
    countIf(s_status = 2) AS override_calls,
    countIf(s_status = 3) AS unpriced_calls,
    sumIf(s_call_tokens, s_status IN (1, 2)) AS priced_call_tokens,
    sumIf(s_call_tokens, s_status = 3) AS unpriced_call_tokens,
    sum(s_cost) AS cost_usd,
    ifNull(sum(s_llm_cost), 0) AS llm_cost_usd,
    ifNull(sum(s_llm_input_cost), 0) AS llm_input_cost_usd,
    ifNull(sum(s_llm_output_cost), 0) AS llm_output_cost_usd,
    ifNull(sum(s_infra_cost), 0) AS infra_cost_usd,
    ifNull(sum(s_data_cost), 0) AS data_cost_usd,
    ifNull(sum(s_energy), 0) AS energy_kwh,
    ifNull(sum(s_carbon), 0) AS carbon_g,
    ifNull(sum(s_embodied), 0) AS embodied_carbon_g,
    countIf(s_energy IS NULL) AS energy_unknown_spans,
    count(s_input) AS input_calls,
    ifNull(sum(s_input), 0) AS input_tokens,
    count(s_output) AS output_calls,
    ifNull(sum(s_output), 0) AS output_tokens,
    count(s_total) AS total_calls,
    ifNull(sum(s_total), 0) AS total_tokens,
    ifNull(sum(s_cached), 0) AS cached_tokens,
    ifNull(sum(s_reasoning), 0) AS reasoning_tokens,
    count(s_system) AS system_calls,
    ifNull(sum(s_system), 0) AS system_tokens,
    sum(if(s_system IS NULL OR s_input IS NULL, 0, least(s_system, s_input))) AS system_in_input_tokens,
    countIf(s_estimate != 0) AS estimated_calls,
    countIf(bitAnd(s_estimate, 1) != 0) AS estimated_input_calls,
    sumIf(ifNull(s_input, 0), bitAnd(s_estimate, 1) != 0) AS estimated_input_tokens,
    countIf(bitAnd(s_estimate, 2) != 0) AS estimated_output_calls,
    sumIf(ifNull(s_output, 0), bitAnd(s_estimate, 2) != 0) AS estimated_output_tokens,
    countIf(s_ratio_call) AS ratio_calls,
    sumIf(ifNull(s_input, 0), s_ratio_call) AS ratio_input_tokens,
    sumIf(ifNull(s_output, 0), s_ratio_call) AS ratio_output_tokens,
    countIf(s_uncached_system) AS uncached_system_calls,
    sumIf(ifNull(s_system, 0), s_uncached_system) AS uncached_system_tokens,
    ifNull(sumIf(ifNull(s_llm_input_cost, 0) * least(ifNull(s_system, 0), ifNull(s_input, 0)) / s_input,
        s_uncached_system AND ifNull(s_input, 0) > 0), 0) AS uncached_system_cost_usd
FROM
(
    SELECT
        project, toStartOfMinute(start_time) AS s_minute, toString(span_type) AS s_type,
        toString(provider) AS s_provider, toString(model) AS s_model,
        toString(environment) AS s_environment, toString(agent) AS s_agent,
        toString(chain) AS s_chain, cost_status AS s_status,
        ifNull(input_tokens, 0) + ifNull(output_tokens, 0) AS s_call_tokens,
        input_tokens AS s_input, output_tokens AS s_output, total_tokens AS s_total,
        cached_tokens AS s_cached, reasoning_tokens AS s_reasoning, system_tokens AS s_system,
        token_estimate AS s_estimate, cost_usd AS s_cost, llm_cost_usd AS s_llm_cost,
        llm_input_cost_usd AS s_llm_input_cost, llm_output_cost_usd AS s_llm_output_cost,
        infra_cost_usd AS s_infra_cost, data_cost_usd AS s_data_cost, energy_kwh AS s_energy,
        carbon_g AS s_carbon, embodied_carbon_g AS s_embodied,
        ifNull(input_tokens, 0) > 0 AND output_tokens IS NOT NULL AS s_ratio_call,
        ifNull(system_tokens, 0) > 0 AND ifNull(cached_tokens, 0) = 0 AS s_uncached_system
    FROM spans
)
GROUP BY project, minute, span_type, provider, model, environment, agent, chain;

-- Spans stored before this migration, once. The Studio migrates before its
-- receivers open, so no span is both backfilled and seen by the view. At 10M
-- spans (1.1M rollup rows) ~10 s; aggregation state past 256 MB spills to
-- disk, so a larger store does not need memory in proportion (at 10M: peak
-- RSS 1.1 instead of 1.5 GB, 40% more time).
INSERT INTO cost_rollups
SELECT
    project,
    s_minute AS minute,
    s_type AS span_type,
    s_provider AS provider,
    s_model AS model,
    s_environment AS environment,
    s_agent AS agent,
    s_chain AS chain,
    count() AS spans,
    countIf(s_status = 1) AS priced_calls,
    countIf(s_status = 2) AS override_calls,
    countIf(s_status = 3) AS unpriced_calls,
    sumIf(s_call_tokens, s_status IN (1, 2)) AS priced_call_tokens,
    sumIf(s_call_tokens, s_status = 3) AS unpriced_call_tokens,
    sum(s_cost) AS cost_usd,
    ifNull(sum(s_llm_cost), 0) AS llm_cost_usd,
    ifNull(sum(s_llm_input_cost), 0) AS llm_input_cost_usd,
    ifNull(sum(s_llm_output_cost), 0) AS llm_output_cost_usd,
    ifNull(sum(s_infra_cost), 0) AS infra_cost_usd,
    ifNull(sum(s_data_cost), 0) AS data_cost_usd,
    ifNull(sum(s_energy), 0) AS energy_kwh,
    ifNull(sum(s_carbon), 0) AS carbon_g,
    ifNull(sum(s_embodied), 0) AS embodied_carbon_g,
    countIf(s_energy IS NULL) AS energy_unknown_spans,
    count(s_input) AS input_calls,
    ifNull(sum(s_input), 0) AS input_tokens,
    count(s_output) AS output_calls,
    ifNull(sum(s_output), 0) AS output_tokens,
    count(s_total) AS total_calls,
    ifNull(sum(s_total), 0) AS total_tokens,
    ifNull(sum(s_cached), 0) AS cached_tokens,
    ifNull(sum(s_reasoning), 0) AS reasoning_tokens,
    count(s_system) AS system_calls,
    ifNull(sum(s_system), 0) AS system_tokens,
    sum(if(s_system IS NULL OR s_input IS NULL, 0, least(s_system, s_input))) AS system_in_input_tokens,
    countIf(s_estimate != 0) AS estimated_calls,
    countIf(bitAnd(s_estimate, 1) != 0) AS estimated_input_calls,
    sumIf(ifNull(s_input, 0), bitAnd(s_estimate, 1) != 0) AS estimated_input_tokens,
    countIf(bitAnd(s_estimate, 2) != 0) AS estimated_output_calls,
    sumIf(ifNull(s_output, 0), bitAnd(s_estimate, 2) != 0) AS estimated_output_tokens,
    countIf(s_ratio_call) AS ratio_calls,
    sumIf(ifNull(s_input, 0), s_ratio_call) AS ratio_input_tokens,
    sumIf(ifNull(s_output, 0), s_ratio_call) AS ratio_output_tokens,
    countIf(s_uncached_system) AS uncached_system_calls,
    sumIf(ifNull(s_system, 0), s_uncached_system) AS uncached_system_tokens,
    ifNull(sumIf(ifNull(s_llm_input_cost, 0) * least(ifNull(s_system, 0), ifNull(s_input, 0)) / s_input,
        s_uncached_system AND ifNull(s_input, 0) > 0), 0) AS uncached_system_cost_usd
FROM
(
    SELECT
        project, toStartOfMinute(start_time) AS s_minute, toString(span_type) AS s_type,
        toString(provider) AS s_provider, toString(model) AS s_model,
        toString(environment) AS s_environment, toString(agent) AS s_agent,
        toString(chain) AS s_chain, cost_status AS s_status,
        ifNull(input_tokens, 0) + ifNull(output_tokens, 0) AS s_call_tokens,
        input_tokens AS s_input, output_tokens AS s_output, total_tokens AS s_total,
        cached_tokens AS s_cached, reasoning_tokens AS s_reasoning, system_tokens AS s_system,
        token_estimate AS s_estimate, cost_usd AS s_cost, llm_cost_usd AS s_llm_cost,
        llm_input_cost_usd AS s_llm_input_cost, llm_output_cost_usd AS s_llm_output_cost,
        infra_cost_usd AS s_infra_cost, data_cost_usd AS s_data_cost, energy_kwh AS s_energy,
        carbon_g AS s_carbon, embodied_carbon_g AS s_embodied,
        ifNull(input_tokens, 0) > 0 AND output_tokens IS NOT NULL AS s_ratio_call,
        ifNull(system_tokens, 0) > 0 AND ifNull(cached_tokens, 0) = 0 AS s_uncached_system
    FROM spans
)
GROUP BY project, minute, span_type, provider, model, environment, agent, chain
SETTINGS max_bytes_before_external_group_by = 268435456;
