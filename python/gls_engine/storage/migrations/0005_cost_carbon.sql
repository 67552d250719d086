-- Cost, energy and carbon of every span (docs/span-schema.md, docs/carbon.md),
-- computed by the Rust core as spans arrive. NULL means unknown, never zero:
-- an LLM call whose model cannot be priced has llm_cost_usd NULL and
-- cost_status 3; a span without a power model has energy_kwh NULL.
ALTER TABLE spans ADD COLUMN IF NOT EXISTS llm_cost_usd Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS llm_input_cost_usd Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS llm_output_cost_usd Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS cost_status UInt8;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS infra_cost_usd Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS data_cost_usd Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS cost_usd Float64;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS system_tokens Nullable(UInt32);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS token_estimate UInt8;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS energy_kwh Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS energy_kwh_min Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS energy_kwh_max Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS carbon_g Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS carbon_g_min Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS carbon_g_max Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS embodied_carbon_g Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS embodied_carbon_g_min Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS embodied_carbon_g_max Nullable(Float64);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS energy_source UInt8;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS carbon_zone LowCardinality(String);
ALTER TABLE spans ADD COLUMN IF NOT EXISTS quality_passed UInt8;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS quality_checks UInt8;

-- Trace rollups of the same figures. Rows summarised before this migration
-- read 0 (their spans had no cost or carbon computed).
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS cached_tokens SimpleAggregateFunction(sum, UInt64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS cost_usd SimpleAggregateFunction(sum, Float64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS llm_cost_usd SimpleAggregateFunction(sum, Float64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS unpriced_count SimpleAggregateFunction(sum, UInt64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS energy_kwh SimpleAggregateFunction(sum, Float64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS carbon_g SimpleAggregateFunction(sum, Float64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS embodied_carbon_g SimpleAggregateFunction(sum, Float64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS energy_unknown_count SimpleAggregateFunction(sum, UInt64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS quality_passed SimpleAggregateFunction(sum, UInt64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS quality_checks SimpleAggregateFunction(sum, UInt64);

DROP VIEW IF EXISTS trace_summaries_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_mv TO trace_summaries AS
SELECT
    project,
    s_day AS day,
    trace_id,
    min(s_start) AS start_time,
    max(s_end) AS end_time,
    max(s_ingested) AS ingested_at,
    count() AS span_count,
    countIf(s_status = 2) AS error_count,
    countIf(s_type = 'llm') AS llm_count,
    max(if(s_root, s_name, '')) AS root_name,
    max(if(s_root, s_service, '')) AS root_service,
    max(if(s_root, s_type, '')) AS root_span_type,
    max(if(s_root, s_status, 0)) AS root_status_code,
    sum(ifNull(s_input_tokens, 0)) AS input_tokens,
    sum(ifNull(s_output_tokens, 0)) AS output_tokens,
    sum(ifNull(s_total_tokens, 0)) AS total_tokens,
    groupUniqArray(s_type) AS span_types,
    groupUniqArrayIf(s_model, s_model != '') AS models,
    groupUniqArrayArray(s_tags) AS tags,
    max(s_user) AS user_id,
    max(s_session) AS session_id,
    max(s_environment) AS environment,
    max(s_chain) AS chain,
    max(s_agent) AS agent,
    sum(ifNull(s_cached_tokens, 0)) AS cached_tokens,
    sum(s_cost) AS cost_usd,
    sum(ifNull(s_llm_cost, 0)) AS llm_cost_usd,
    countIf(s_cost_status = 3) AS unpriced_count,
    sum(ifNull(s_energy, 0)) AS energy_kwh,
    sum(ifNull(s_carbon, 0)) AS carbon_g,
    sum(ifNull(s_embodied, 0)) AS embodied_carbon_g,
    countIf(s_energy IS NULL) AS energy_unknown_count,
    sum(bitCount(s_quality_passed)) AS quality_passed,
    sum(bitCount(s_quality_checks)) AS quality_checks
FROM
(
    SELECT
        project, trace_id,
        toDate(start_time) AS s_day,
        start_time AS s_start, end_time AS s_end, ingested_at AS s_ingested,
        status_code AS s_status, toString(span_type) AS s_type, name AS s_name,
        toString(service_name) AS s_service, toString(model) AS s_model,
        parent_span_id = toFixedString(repeat('\0', 8), 8) AS s_root,
        input_tokens AS s_input_tokens, output_tokens AS s_output_tokens,
        total_tokens AS s_total_tokens, tags AS s_tags, user_id AS s_user,
        session_id AS s_session, toString(environment) AS s_environment,
        toString(chain) AS s_chain, toString(agent) AS s_agent,
        cached_tokens AS s_cached_tokens, cost_usd AS s_cost, llm_cost_usd AS s_llm_cost,
        cost_status AS s_cost_status, energy_kwh AS s_energy, carbon_g AS s_carbon,
        embodied_carbon_g AS s_embodied, quality_passed AS s_quality_passed,
        quality_checks AS s_quality_checks
    FROM spans
)
GROUP BY project, day, trace_id;

-- Streaming percentile sketches (rust/src/sketch/): one delta row per
-- (project, minute, population, group, metric) and insert, added up by
-- ClickHouse: sumMap of the log buckets is exactly the sketch merge, so any
-- time range merges in SQL and the Rust core reads quantiles off the result.
-- population: 'span' (every span), 'trace' (root spans: the trace's own
-- latency), 'llm' (LLM calls).
CREATE TABLE IF NOT EXISTS metric_sketches
(
    project LowCardinality(String),
    minute DateTime('UTC'),
    population LowCardinality(String),
    group_kind LowCardinality(String),
    group_value String,
    metric LowCardinality(String),
    buckets SimpleAggregateFunction(sumMap, Map(Int16, UInt64)),
    count SimpleAggregateFunction(sum, UInt64),
    sum SimpleAggregateFunction(sum, Float64),
    min SimpleAggregateFunction(min, Float64),
    max SimpleAggregateFunction(max, Float64),
    zero_count SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (project, population, metric, group_kind, group_value, minute);
