-- The trace of the LLM judge's call that gave a score (self_traces: the Studio
-- traces its own judges into the score's project, environment gls-evaluator),
-- as 32 lower-case hex characters; '' for a score no judge of the Studio gave.
-- A String, not FixedString(16): no read looks a score up by it, and '' says
-- "none" without a Nullable. Rows stored before it read ''.
ALTER TABLE scores ADD COLUMN IF NOT EXISTS judge_trace_id String DEFAULT '' AFTER author;
