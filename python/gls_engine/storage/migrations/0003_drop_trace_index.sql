-- Opening a trace goes straight to `spans`: its primary key starts with
-- (project, trace_id), so the lookup reads only the granules of that trace in
-- every partition. Measured at 10M spans (BENCHMARKS.md): the trace_index
-- round trip saved nothing (31.5 vs 32.3 ms p50) and its view cost every insert.
DROP VIEW IF EXISTS trace_index_mv;

DROP TABLE IF EXISTS trace_index;
