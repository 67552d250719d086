"""Analytics over stored spans: performance, cost, tokens and carbon.

Percentiles come from the streaming sketches (`metric_sketches`, merged by
ClickHouse, read by the Rust core); sums, counts and rates from SQL over
`spans` and `trace_summaries`.
"""
