-- Facet answers of whole UTC days, stored by the first request that aggregated
-- them (query/facet_days.py says when one still holds). Facets over 7 days of
-- one project at 10M spans aggregated ~250K traces in 450-700 ms; with the
-- whole days stored only the window's two partial days are aggregated. One row
-- per project x day after merges (the newest computed_at wins); read with FINAL.
CREATE TABLE IF NOT EXISTS facet_days
(
    project LowCardinality(String),
    day Date,
    source_mark Int64,
    next_mark Int64,
    computed_at DateTime64(9, 'UTC'),
    answer String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(day)
ORDER BY (project, day);
