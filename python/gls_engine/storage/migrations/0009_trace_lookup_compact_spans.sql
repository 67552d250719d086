-- Opening a trace read one granule of every column in every part of the
-- trace's days: the primary key (project, trace_id, ...) cannot rule a part
-- out, since every part covers the whole trace_id range, and a wide part costs
-- a file per column stream (~260 opens per trace). Measured on 10M spans, each
-- trace cold (benches/bench_query.py data dir, statements run directly):
-- - a bloom filter on trace_id per granule rules out the parts without the
--   trace (5 granules read -> 1): 27 -> 21 ms p50;
-- - compact parts at every size (all columns of a part in one file): 22 -> 12
--   ms p50, p90 40 -> 14 ms. Scans of spans cost 20-30% more (token analyzer
--   7 d 51 -> 61 ms, attribute search 24 h 85 -> 105 ms), disk +18%; inserts
--   and merges: see BENCHMARKS.md.
ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1;
-- Parts written before this migration get the index in the background.
ALTER TABLE spans MATERIALIZE INDEX idx_trace_id;
ALTER TABLE spans MODIFY SETTING min_bytes_for_wide_part = 1000000000000000;
