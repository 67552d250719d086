-- A day of `spans` whose parts have all been left alone for an hour (a closed
-- day) is merged into one part, as trace_summaries' are (0014). Each part of a
-- window costs a trace lookup its bloom filter and key search: at 10M spans,
-- opening a trace in its window took 13.2 ms p50 / 21.3 p99 with the 33 parts
-- the merge selector had left, 11.8 / 18.3 with one per day (200 traces, one
-- sitting). 0014 had kept spans out because parts written in time order let a
-- span search skip older ones; since 0019 the sort key does that.
ALTER TABLE spans MODIFY SETTING
    min_age_to_force_merge_seconds = 3600,
    min_age_to_force_merge_on_partition_only = 1;
