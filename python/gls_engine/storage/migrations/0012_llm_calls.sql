-- The LLM calls (spans of type llm or embedding) apart, in time order, with
-- only the columns the token analyzer and the suggestions read per call. In
-- `spans` (sorted by trace) a project's 7-day window is every one of its 2.6M
-- spans at 10M (benches/bench_query.py), of which ~45% are calls: each per-call
-- scan read 2.6M rows (and the prompt_caching suggestion the prompt text, the
-- largest column). Here the same window is its 1.15M calls, a range of the sort
-- key (token analyzer 7 days: limits and outliers 2.59M rows / 54.4 MiB ->
-- 1.15M / 23.0 MiB read; repeated calls 3.20M / 46.7 -> 2.30M / 27.4 MiB).
-- prompt_prefix: the hash of the prompt's first 2,048 characters (suggestions.py
-- PREFIX_CHARS), computed once at insert instead of reading `input` per request.
-- call_signature: as spans' (migration 0008).
-- ReplacingMergeTree on the same identity as spans (project, trace, start,
-- span): a span stored twice is replaced in both tables when parts merge.
-- Partitioned by day like spans, so retention drops the same days.
-- Cost: 120 MiB at 10M spans (+7% on disk); insert CPU per span 10.03 ->
-- 10.24 us (benches/bench_insert.py --spans 200000 --batch 50000 --rounds 3
-- --variants upto:11,current, with migration 0013), within its noise.
CREATE TABLE IF NOT EXISTS llm_calls
(
    project LowCardinality(String),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id FixedString(16),
    span_id FixedString(8),
    provider LowCardinality(String),
    model LowCardinality(String),
    input_tokens Nullable(UInt32),
    output_tokens Nullable(UInt32),
    system_tokens Nullable(UInt32),
    cached_tokens Nullable(UInt32),
    llm_cost_usd Nullable(Float64),
    call_signature UInt64,
    prompt_prefix UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (project, start_time, trace_id, span_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_calls_mv TO llm_calls AS
SELECT
    project, start_time, trace_id, span_id, provider, model, input_tokens, output_tokens,
    system_tokens, cached_tokens, llm_cost_usd, call_signature,
    cityHash64(substringUTF8(input, 1, 2048)) AS prompt_prefix
FROM spans
WHERE span_type IN ('llm', 'embedding');

-- Calls stored before this migration, once (the Studio migrates before its
-- receivers open). At 10M spans (4.46M calls) ~25 s.
INSERT INTO llm_calls
SELECT
    project, start_time, trace_id, span_id, provider, model, input_tokens, output_tokens,
    system_tokens, cached_tokens, llm_cost_usd, call_signature,
    cityHash64(substringUTF8(input, 1, 2048)) AS prompt_prefix
FROM spans
WHERE span_type IN ('llm', 'embedding');
