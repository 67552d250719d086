-- trace_id -> days, back again. 0003 dropped it on an A/B that was biased
-- (the variant without it ran second, on warm caches). Measured again with
-- every trace cold and each used once (10M spans): opening a trace with the
-- day lookup 28.8-30.9 ms p50, by the primary key alone 34.3-35.8 ms; the
-- lookup lets the span read touch only the trace's partitions.
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

-- Spans stored while the index was gone (source columns renamed so the
-- output aliases never shadow them).
INSERT INTO trace_index
SELECT project, trace_id, s_day AS day, min(s_start) AS start_time
FROM
(
    SELECT project, trace_id, toDate(start_time) AS s_day, start_time AS s_start
    FROM spans
    WHERE (project, trace_id, toDate(start_time)) NOT IN (SELECT project, trace_id, day FROM trace_index)
)
GROUP BY project, trace_id, day;
