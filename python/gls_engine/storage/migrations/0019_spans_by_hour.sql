-- `spans` sorted by (project, hour of start_time, trace_id, start_time, span_id)
-- instead of (project, trace_id, start_time, span_id): rows of one hour are
-- stored together, so a read of a time window (span search newest first,
-- analytics scans of spans, a trace within its window) skips the other hours'
-- granules through the primary key. Sorted by trace alone, a day's merged part
-- held every hour in every granule: a span search by attribute read the whole
-- day of `attributes` whatever its window (a tool name, 24 h, one project at
-- 10M spans: ~290 ms p50 in process with the 1 h window answering). A trace's
-- spans stay together within an hour; its id is still found by the key in each
-- hour range and by the trace_id bloom filter. Reads name the hours
-- (storage/span_hours.py): ClickHouse does not derive them from a condition on
-- start_time (DateTime64).
--
-- ClickHouse cannot put a column inside an existing sort key, so the table is
-- copied into one sorted anew and the two exchanged (atomic); the materialized
-- views follow the name `spans`, and the copy triggers none of them. Each step
-- may be repeated after a crash: a half-made copy is dropped first. Runs once,
-- at the start after the upgrade: 10M spans (1.5 GiB) in ~100 s here. Small
-- blocks, one thread: copying 5M spans with the default blocks took the process
-- to 3.4 GiB, with these 1.1 GiB (and 62 s instead of 51).
DROP TABLE IF EXISTS spans_by_hour;
CREATE TABLE spans_by_hour AS spans
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (project, toStartOfHour(start_time), trace_id, start_time, span_id)
SETTINGS index_granularity = 8192, min_bytes_for_wide_part = 1000000000000000;
INSERT INTO spans_by_hour SELECT * FROM spans
SETTINGS max_threads = 1, max_insert_threads = 1, max_block_size = 4096,
    min_insert_block_size_rows = 65536, min_insert_block_size_bytes = 33554432;
EXCHANGE TABLES spans AND spans_by_hour;
DROP TABLE spans_by_hour;
