-- One 64-bit signature per LLM call with input tokens: its trace, provider,
-- model, input token count and system-prompt token count (0 for other spans).
-- The token analyzer's repeated-call indicator groups the calls of a window by
-- it: one fixed-size column read and hashed instead of the trace id, provider,
-- model and counts of 1.1M calls (7 days at 10M spans: 104 -> 46 ms for the
-- grouping, benches/bench_query.py tokens_7d). MATERIALIZED: ClickHouse computes
-- it at insert, and on the fly from the same expression for parts written
-- before this migration, so old spans get the same answers without a rewrite.
-- Two different calls share a signature with probability ~n^2 / 2^65 (3e-8 for
-- a million calls).
ALTER TABLE spans ADD COLUMN IF NOT EXISTS call_signature UInt64 MATERIALIZED
    if(span_type IN ('llm', 'embedding') AND ifNull(input_tokens, 0) > 0,
       cityHash64(trace_id, provider, model, ifNull(input_tokens, 0),
                  ifNull(system_tokens, 0), system_tokens IS NULL),
       0);
