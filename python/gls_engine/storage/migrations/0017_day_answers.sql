-- Answers about the traces that start in one whole UTC day, stored by the
-- request that aggregated them (storage/day_answers.py says when one still
-- holds): facets without a filter, cost by the trace's chain or user. Those
-- aggregate every trace of a window (~250K for 7 days of one project at 10M
-- spans, 450-700 ms); with the whole days stored only the window's partial
-- days are aggregated. `kind` names the answer, `key` its parameters. One row
-- per project x kind x key x day after merges (the newest computed_at wins);
-- read with FINAL.
CREATE TABLE IF NOT EXISTS day_answers
(
    project LowCardinality(String),
    kind LowCardinality(String),
    key String,
    day Date,
    source_mark Int64,
    next_mark Int64,
    computed_at DateTime64(9, 'UTC'),
    answer String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(day)
ORDER BY (project, kind, key, day);
