-- Scores: per case (verdicts, dimensions, failure class), per lane
-- (scorecard) and per run (ranking and why the winner won), as JSON
-- produced by agentclash-scoring. The verifier's evidence (test outputs and
-- captures) is kept in artifact storage so a run can be re-scored.
ALTER TABLE run_cases
    ADD COLUMN score           jsonb,
    ADD COLUMN failure         jsonb,
    ADD COLUMN evidence_sha256 text CHECK (evidence_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE run_agents ADD COLUMN scorecard jsonb;
ALTER TABLE runs ADD COLUMN ranking jsonb;
