-- The token analyzer's per-model figures per minute, for LLM calls only (spans
-- of type llm or embedding), by project x minute x provider x model. They
-- were summed from cost_rollups, whose rows also split by span type,
-- environment, agent and chain: a 7-day window of one project at 10M spans
-- (benches/bench_query.py) read 260K rollup rows (40 MiB) of which 53K were
-- LLM rows, and those fall into 31K of (minute, provider, model).
-- Filled from cost_rollups' own inserts (a view on its table: each block the
-- cost view writes, or the backfill below, is regrouped), so the figures are
-- cost_rollups' by construction; the columns keep its names and definitions
-- (migration 0006). A 7-day window of one project now reads 33-52K rows (4.5-6.3 MiB).
CREATE TABLE IF NOT EXISTS token_rollups
(
    project LowCardinality(String),
    minute DateTime('UTC'),
    provider LowCardinality(String),
    model LowCardinality(String),
    spans SimpleAggregateFunction(sum, UInt64),
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
    system_in_input_tokens SimpleAggregateFunction(sum, UInt64),
    estimated_calls SimpleAggregateFunction(sum, UInt64),
    estimated_input_calls SimpleAggregateFunction(sum, UInt64),
    estimated_input_tokens SimpleAggregateFunction(sum, UInt64),
    estimated_output_calls SimpleAggregateFunction(sum, UInt64),
    estimated_output_tokens SimpleAggregateFunction(sum, UInt64),
    ratio_calls SimpleAggregateFunction(sum, UInt64),
    ratio_input_tokens SimpleAggregateFunction(sum, UInt64),
    ratio_output_tokens SimpleAggregateFunction(sum, UInt64),
    uncached_system_calls SimpleAggregateFunction(sum, UInt64),
    uncached_system_tokens SimpleAggregateFunction(sum, UInt64),
    uncached_system_cost_usd SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (project, minute, provider, model);

CREATE MATERIALIZED VIEW IF NOT EXISTS token_rollups_mv TO token_rollups AS
SELECT
    project, r_minute AS minute, r_provider AS provider, r_model AS model,
    sum(r_spans) AS spans, sum(r_input_calls) AS input_calls,
    sum(r_input_tokens) AS input_tokens, sum(r_output_calls) AS output_calls,
    sum(r_output_tokens) AS output_tokens, sum(r_total_calls) AS total_calls,
    sum(r_total_tokens) AS total_tokens, sum(r_cached_tokens) AS cached_tokens,
    sum(r_reasoning_tokens) AS reasoning_tokens, sum(r_system_calls) AS system_calls,
    sum(r_system_tokens) AS system_tokens, sum(r_system_in_input) AS system_in_input_tokens,
    sum(r_estimated_calls) AS estimated_calls,
    sum(r_estimated_input_calls) AS estimated_input_calls,
    sum(r_estimated_input_tokens) AS estimated_input_tokens,
    sum(r_estimated_output_calls) AS estimated_output_calls,
    sum(r_estimated_output_tokens) AS estimated_output_tokens,
    sum(r_ratio_calls) AS ratio_calls, sum(r_ratio_input) AS ratio_input_tokens,
    sum(r_ratio_output) AS ratio_output_tokens,
    sum(r_uncached_calls) AS uncached_system_calls,
    sum(r_uncached_tokens) AS uncached_system_tokens,
    sum(r_uncached_cost) AS uncached_system_cost_usd
FROM
(
    SELECT
        project, minute AS r_minute, provider AS r_provider, model AS r_model,
        spans AS r_spans, input_calls AS r_input_calls, input_tokens AS r_input_tokens,
        output_calls AS r_output_calls, output_tokens AS r_output_tokens,
        total_calls AS r_total_calls, total_tokens AS r_total_tokens,
        cached_tokens AS r_cached_tokens, reasoning_tokens AS r_reasoning_tokens,
        system_calls AS r_system_calls, system_tokens AS r_system_tokens,
        system_in_input_tokens AS r_system_in_input, estimated_calls AS r_estimated_calls,
        estimated_input_calls AS r_estimated_input_calls,
        estimated_input_tokens AS r_estimated_input_tokens,
        estimated_output_calls AS r_estimated_output_calls,
        estimated_output_tokens AS r_estimated_output_tokens,
        ratio_calls AS r_ratio_calls, ratio_input_tokens AS r_ratio_input,
        ratio_output_tokens AS r_ratio_output, uncached_system_calls AS r_uncached_calls,
        uncached_system_tokens AS r_uncached_tokens,
        uncached_system_cost_usd AS r_uncached_cost
    FROM cost_rollups
    WHERE span_type IN ('llm', 'embedding')
)
GROUP BY project, minute, provider, model;

-- Rollup rows written before this migration, once (the Studio migrates before
-- its receivers open).
INSERT INTO token_rollups
SELECT
    project, minute, provider, model,
    sum(spans), sum(input_calls), sum(input_tokens), sum(output_calls), sum(output_tokens),
    sum(total_calls), sum(total_tokens), sum(cached_tokens), sum(reasoning_tokens),
    sum(system_calls), sum(system_tokens), sum(system_in_input_tokens), sum(estimated_calls),
    sum(estimated_input_calls), sum(estimated_input_tokens), sum(estimated_output_calls),
    sum(estimated_output_tokens), sum(ratio_calls), sum(ratio_input_tokens),
    sum(ratio_output_tokens), sum(uncached_system_calls), sum(uncached_system_tokens),
    sum(uncached_system_cost_usd)
FROM cost_rollups
WHERE span_type IN ('llm', 'embedding')
GROUP BY project, minute, provider, model;
