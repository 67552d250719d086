-- Spans, one row each. Columns and types mirror docs/span-schema.md (the Arrow
-- batch the Rust core produces), so a batch inserts with SELECT ... FROM Python(tbl).
-- ReplacingMergeTree keeps one row per (project, trace, start, span) after merges:
-- a span that arrives twice (a retry beyond the dedup window) is not kept twice.
CREATE TABLE IF NOT EXISTS spans
(
    project LowCardinality(String),
    trace_id FixedString(16),
    span_id FixedString(8),
    parent_span_id FixedString(8),
    trace_state String CODEC(ZSTD(1)),
    flags UInt32,
    name String,
    kind UInt8,
    span_type LowCardinality(String),
    service_name LowCardinality(String),
    scope_name LowCardinality(String),
    scope_version LowCardinality(String),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ns Int64 CODEC(ZSTD(1)),
    status_code UInt8,
    status_message String CODEC(ZSTD(1)),
    model LowCardinality(String),
    provider LowCardinality(String),
    input_tokens Nullable(UInt32),
    output_tokens Nullable(UInt32),
    cached_tokens Nullable(UInt32),
    reasoning_tokens Nullable(UInt32),
    total_tokens Nullable(UInt32),
    chain LowCardinality(String),
    agent LowCardinality(String),
    user_id String,
    session_id String,
    environment LowCardinality(String),
    tags Array(String),
    input String CODEC(ZSTD(3)),
    output String CODEC(ZSTD(3)),
    attributes Map(String, String) CODEC(ZSTD(3)),
    attribute_types Map(String, UInt8) CODEC(ZSTD(1)),
    resource_attributes String CODEC(ZSTD(3)),
    scope_attributes String CODEC(ZSTD(1)),
    events String CODEC(ZSTD(3)),
    links String CODEC(ZSTD(1)),
    dropped_attributes_count UInt32,
    dropped_events_count UInt32,
    dropped_links_count UInt32,
    ingested_at DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    INDEX idx_name name TYPE tokenbf_v1(8192, 3, 0) GRANULARITY 4,
    INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (project, trace_id, start_time, span_id)
SETTINGS index_granularity = 8192;

-- Per-trace summary so trace lists never scan spans. One row per
-- (project, day, trace) after merges; readers GROUP BY trace_id to finish the
-- merge (a trace that crosses midnight has a row per day).
CREATE TABLE IF NOT EXISTS trace_summaries
(
    project LowCardinality(String),
    day Date,
    trace_id FixedString(16),
    start_time SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
    end_time SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    ingested_at SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    span_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    llm_count SimpleAggregateFunction(sum, UInt64),
    root_name SimpleAggregateFunction(max, String),
    root_service SimpleAggregateFunction(max, String),
    root_span_type SimpleAggregateFunction(max, String),
    root_status_code SimpleAggregateFunction(max, UInt8),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    total_tokens SimpleAggregateFunction(sum, UInt64),
    span_types SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    models SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    tags SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    user_id SimpleAggregateFunction(max, String),
    session_id SimpleAggregateFunction(max, String),
    environment SimpleAggregateFunction(max, String),
    chain SimpleAggregateFunction(max, String),
    agent SimpleAggregateFunction(max, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY day
ORDER BY (project, day, trace_id);

-- The inner SELECT renames source columns so the outer aliases (which must
-- match trace_summaries' columns) never shadow the columns they aggregate.
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
    max(s_agent) AS agent
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
        toString(chain) AS s_chain, toString(agent) AS s_agent
    FROM spans
)
GROUP BY project, day, trace_id;

-- trace_id -> days, so opening a trace reads only its own partitions.
CREATE TABLE IF NOT EXISTS trace_index
(
    project LowCardinality(String),
    trace_id FixedString(16),
    day Date,
    start_time SimpleAggregateFunction(min, DateTime64(9, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (project, trace_id, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_mv TO trace_index AS
SELECT project, trace_id, s_day AS day, min(s_start) AS start_time
FROM (SELECT project, trace_id, toDate(start_time) AS s_day, start_time AS s_start FROM spans)
GROUP BY project, trace_id, day;

-- Digests of stored OTLP requests: a request retried after a lost answer is
-- acknowledged without storing its spans again (see ingest/dedup.py).
CREATE TABLE IF NOT EXISTS ingest_requests
(
    digest FixedString(16),
    project_key String,
    span_count UInt32,
    stored_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(stored_at)
ORDER BY (digest)
TTL toDateTime(stored_at) + INTERVAL 1 DAY;
