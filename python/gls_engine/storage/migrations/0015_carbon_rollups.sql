-- Energy and carbon with their uncertainty ranges per minute and grid zone, for
-- the Carbon page's band (min-max sums) and its table of zones. cost_rollups
-- keeps the central figures only and no zone; summing the range columns over
-- spans took 440-1060 ms for 7 days of one project at 10M spans (2.5M spans,
-- 9 Nullable columns), far over the analytics budget. One row per project x
-- minute x the span's own environment x carbon_zone after merges; readers
-- always GROUP BY. Only spans with an energy or carbon figure are kept (the
-- others add nothing to any sum: 1.9M of those 2.5M spans). A span without a
-- range counts its central figure as both bounds.
CREATE TABLE IF NOT EXISTS carbon_rollups
(
    project LowCardinality(String),
    minute DateTime('UTC'),
    environment LowCardinality(String),
    carbon_zone LowCardinality(String),
    spans SimpleAggregateFunction(sum, UInt64),
    energy_kwh SimpleAggregateFunction(sum, Float64),
    energy_kwh_min SimpleAggregateFunction(sum, Float64),
    energy_kwh_max SimpleAggregateFunction(sum, Float64),
    carbon_g SimpleAggregateFunction(sum, Float64),
    carbon_g_min SimpleAggregateFunction(sum, Float64),
    carbon_g_max SimpleAggregateFunction(sum, Float64),
    embodied_carbon_g SimpleAggregateFunction(sum, Float64),
    embodied_carbon_g_min SimpleAggregateFunction(sum, Float64),
    embodied_carbon_g_max SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (project, minute, environment, carbon_zone);

CREATE MATERIALIZED VIEW IF NOT EXISTS carbon_rollups_mv TO carbon_rollups AS
SELECT
    project,
    s_minute AS minute,
    s_environment AS environment,
    s_zone AS carbon_zone,
    count() AS spans,
    ifNull(sum(s_energy), 0) AS energy_kwh,
    ifNull(sum(ifNull(s_energy_min, s_energy)), 0) AS energy_kwh_min,
    ifNull(sum(ifNull(s_energy_max, s_energy)), 0) AS energy_kwh_max,
    ifNull(sum(s_carbon), 0) AS carbon_g,
    ifNull(sum(ifNull(s_carbon_min, s_carbon)), 0) AS carbon_g_min,
    ifNull(sum(ifNull(s_carbon_max, s_carbon)), 0) AS carbon_g_max,
    ifNull(sum(s_embodied), 0) AS embodied_carbon_g,
    ifNull(sum(ifNull(s_embodied_min, s_embodied)), 0) AS embodied_carbon_g_min,
    ifNull(sum(ifNull(s_embodied_max, s_embodied)), 0) AS embodied_carbon_g_max
FROM
(
    SELECT
        project, toStartOfMinute(start_time) AS s_minute,
        toString(environment) AS s_environment, toString(carbon_zone) AS s_zone,
        energy_kwh AS s_energy, energy_kwh_min AS s_energy_min, energy_kwh_max AS s_energy_max,
        carbon_g AS s_carbon, carbon_g_min AS s_carbon_min, carbon_g_max AS s_carbon_max,
        embodied_carbon_g AS s_embodied, embodied_carbon_g_min AS s_embodied_min,
        embodied_carbon_g_max AS s_embodied_max
    FROM spans
    WHERE energy_kwh IS NOT NULL OR carbon_g IS NOT NULL OR embodied_carbon_g IS NOT NULL
)
GROUP BY project, minute, environment, carbon_zone;

-- Spans stored before this migration, once (the Studio migrates before its
-- receivers open, so no span is both backfilled and seen by the view).
INSERT INTO carbon_rollups
SELECT
    project,
    s_minute AS minute,
    s_environment AS environment,
    s_zone AS carbon_zone,
    count() AS spans,
    ifNull(sum(s_energy), 0) AS energy_kwh,
    ifNull(sum(ifNull(s_energy_min, s_energy)), 0) AS energy_kwh_min,
    ifNull(sum(ifNull(s_energy_max, s_energy)), 0) AS energy_kwh_max,
    ifNull(sum(s_carbon), 0) AS carbon_g,
    ifNull(sum(ifNull(s_carbon_min, s_carbon)), 0) AS carbon_g_min,
    ifNull(sum(ifNull(s_carbon_max, s_carbon)), 0) AS carbon_g_max,
    ifNull(sum(s_embodied), 0) AS embodied_carbon_g,
    ifNull(sum(ifNull(s_embodied_min, s_embodied)), 0) AS embodied_carbon_g_min,
    ifNull(sum(ifNull(s_embodied_max, s_embodied)), 0) AS embodied_carbon_g_max
FROM
(
    SELECT
        project, toStartOfMinute(start_time) AS s_minute,
        toString(environment) AS s_environment, toString(carbon_zone) AS s_zone,
        energy_kwh AS s_energy, energy_kwh_min AS s_energy_min, energy_kwh_max AS s_energy_max,
        carbon_g AS s_carbon, carbon_g_min AS s_carbon_min, carbon_g_max AS s_carbon_max,
        embodied_carbon_g AS s_embodied, embodied_carbon_g_min AS s_embodied_min,
        embodied_carbon_g_max AS s_embodied_max
    FROM spans
    WHERE energy_kwh IS NOT NULL OR carbon_g IS NOT NULL OR embodied_carbon_g IS NOT NULL
)
GROUP BY project, minute, environment, carbon_zone
SETTINGS max_bytes_before_external_group_by = 268435456;
