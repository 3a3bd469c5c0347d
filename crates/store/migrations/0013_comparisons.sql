-- Comparisons of two lanes (run agents) with an optional release-gate
-- verdict, and named workspace baselines.
--
-- A comparison is a snapshot: the JSON computed by agentclash-scoring from
-- both scorecards at the time it was stored, plus the policy and the gate
-- result when one was evaluated. Both lanes belong to the comparison's
-- workspace (the API checks it; the composite keys below enforce it).
--
-- A baseline is a name, unique per workspace, pointing at one lane; CI and
-- `agentclash compare latest` compare candidates with it. The pack version
-- of the lane's run is recorded for display and for `ci validate`.
ALTER TABLE run_agents ADD CONSTRAINT run_agents_id_workspace_key UNIQUE (id, workspace_id);

CREATE TABLE comparisons (
    id                      uuid PRIMARY KEY,
    workspace_id            uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    baseline_run_agent_id   uuid NOT NULL,
    candidate_run_agent_id  uuid NOT NULL,
    comparable              boolean NOT NULL,
    comparison              jsonb NOT NULL,
    policy                  jsonb,
    gate                    jsonb,
    verdict                 text CHECK (verdict IN ('pass', 'warn', 'fail', 'insufficient_evidence')),
    created_by              uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((policy IS NULL) = (verdict IS NULL) AND (gate IS NULL) = (verdict IS NULL)),
    FOREIGN KEY (baseline_run_agent_id, workspace_id)
        REFERENCES run_agents(id, workspace_id) ON DELETE CASCADE,
    FOREIGN KEY (candidate_run_agent_id, workspace_id)
        REFERENCES run_agents(id, workspace_id) ON DELETE CASCADE
);
CREATE INDEX comparisons_candidate ON comparisons (workspace_id, candidate_run_agent_id, created_at DESC);

CREATE TABLE workspace_baselines (
    workspace_id     uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    run_agent_id     uuid NOT NULL,
    pack_version_id  uuid REFERENCES challenge_pack_versions(id) ON DELETE SET NULL,
    set_by           uuid REFERENCES users(id) ON DELETE SET NULL,
    set_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, name),
    FOREIGN KEY (run_agent_id, workspace_id)
        REFERENCES run_agents(id, workspace_id) ON DELETE CASCADE
);
