-- Re-scoring a finished run from its stored evidence: each request is a new
-- scoring pass (generation 1, 2, …; the run's own pass is 0). Judge call
-- events carry their generation, so each pass has its own judge budget.
ALTER TABLE runs
    ADD COLUMN rescore_generation integer NOT NULL DEFAULT 0,
    ADD COLUMN rescore_status text CHECK (rescore_status IN ('running', 'completed', 'failed')),
    ADD COLUMN rescore_error text,
    ADD COLUMN rescored_at timestamptz;
