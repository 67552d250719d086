-- Scores on traces and spans (scores/), from the API, evaluators and people. A
-- score is a row; an edit or a delete is a newer row of the same id (version:
-- its updated_at in ns), and ReplacingMergeTree keeps the newest, dropping it
-- when is_deleted (read with FINAL). Ordered by trace: the reads a page makes
-- are one trace's scores (trace detail) or a page's traces' (trace list); a
-- filter by name reads the project's rows of that name (the name's bloom
-- filter skips granules without it). Langfuse keeps scores so in ClickHouse
-- too (theirs is ordered by name and day, a trace_id bloom filter).
-- experiment_id / run_id are empty until experiments write their scores.
-- By month of created_at (an edit keeps it, so a score's rows share a
-- partition): retention drops a month once it is wholly past (retention.py).
CREATE TABLE IF NOT EXISTS scores
(
    id String,
    project LowCardinality(String),
    trace_id FixedString(16),
    span_id String,
    experiment_id String,
    run_id String,
    name String,
    data_type LowCardinality(String),
    value Nullable(Float64),
    string_value String,
    comment String CODEC(ZSTD(3)),
    source LowCardinality(String),
    evaluator String,
    author String,
    created_at DateTime64(9, 'UTC'),
    updated_at DateTime64(9, 'UTC'),
    version UInt64,
    is_deleted UInt8,
    INDEX name_bloom name TYPE bloom_filter(0.01) GRANULARITY 1,
    -- PATCH / DELETE name a score by its id alone
    INDEX id_bloom id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(created_at)
ORDER BY (project, trace_id, id);
