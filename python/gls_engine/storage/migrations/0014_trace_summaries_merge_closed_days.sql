-- A day of trace_summaries whose parts have all been left alone for an hour (a
-- closed day: no span of it arrived since) is merged into one part. The merge
-- selector had left 3 parts in each closed day at 10M spans: reads of a window
-- (facets, trace lists) open every part's granules of the project. Facets over
-- 7 days of one project read 340-461K rows / 99-140 MiB with 3 parts a day,
-- 295K rows / 80-93 MiB with one (benches/bench_query.py data). Summaries are
-- aggregate rows: merging adds up rows of one trace that every read adds up
-- anyway, so answers do not change. `spans` is not merged so: its parts written
-- in time order let a span search skip older ones (docs/storage.md).
ALTER TABLE trace_summaries MODIFY SETTING
    min_age_to_force_merge_seconds = 3600,
    min_age_to_force_merge_on_partition_only = 1;
