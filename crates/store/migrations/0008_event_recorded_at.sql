-- When each event row was written, next to when the event happened: the
-- difference is the recording delay the benchmarks report.
ALTER TABLE run_events ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp();
