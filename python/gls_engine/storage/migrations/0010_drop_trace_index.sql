-- trace_id -> days, dropped again (0003 dropped it, 0004 restored it when a
-- trace's spans sat in wide parts of every day). Since 0009 the trace_id bloom
-- filter rules out every part without the trace: the primary key and the
-- bloom filter of all 28 parts of 10M spans over 7 days cost 3.8 ms of index
-- analysis (0.03 ms per part), the day lookup as a subquery 2.1 ms more than
-- that. Open trace, statements run directly (benches/bench_statements.py
-- open_trace, 50 cold traces each): by the key alone 16.2 ms p50, with the day
-- subquery 18.8, with a day lookup first 20.1. Its view also cost 4% of the
-- insert + merge CPU per span (bench_insert.py --settle, nomv:trace_index_mv).
DROP VIEW IF EXISTS trace_index_mv;
DROP TABLE IF EXISTS trace_index;
