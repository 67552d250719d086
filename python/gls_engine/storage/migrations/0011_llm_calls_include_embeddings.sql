-- A trace's LLM calls (trace_summaries.llm_count, `llm_call_count` in the API)
-- count `llm` and `embedding` spans, as cost, energy and the analytics do
-- (docs/span-schema.md: an LLM call is a span of type llm or embedding); the
-- view counted `llm` only. Summary rows written before this migration keep
-- their count. The view is otherwise the one of 0005.
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
    countIf(s_type IN ('llm', 'embedding')) AS llm_count,
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
