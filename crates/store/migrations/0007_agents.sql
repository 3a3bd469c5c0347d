-- What runs an agent: provider accounts, runtime profiles, agent builds and
-- their versions, deployments, and the immutable snapshots runs refer to.

CREATE TABLE provider_accounts (
    id                   uuid PRIMARY KEY,
    workspace_id         uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    provider_kind        text NOT NULL CHECK (provider_kind IN ('openai', 'anthropic', 'gemini', 'scripted')),
    base_url             text,
    credential_ref       text CHECK (credential_ref ~ '^(workspace-secret|env)://[A-Za-z_][A-Za-z0-9_]*$'),
    max_concurrency      integer CHECK (max_concurrency > 0),
    requests_per_minute  integer CHECK (requests_per_minute > 0),
    tokens_per_minute    integer CHECK (tokens_per_minute > 0),
    archived_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

CREATE TABLE runtime_profiles (
    id                  uuid PRIMARY KEY,
    workspace_id        uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    max_iterations      integer NOT NULL CHECK (max_iterations BETWEEN 1 AND 10000),
    max_tool_calls      integer NOT NULL CHECK (max_tool_calls BETWEEN 0 AND 100000),
    step_timeout_ms     bigint NOT NULL CHECK (step_timeout_ms > 0),
    run_timeout_ms      bigint NOT NULL CHECK (run_timeout_ms > 0),
    max_parallel_cases  integer NOT NULL CHECK (max_parallel_cases BETWEEN 1 AND 64),
    allow_shell         boolean,
    allow_network       boolean,
    archived_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

CREATE TABLE agent_builds (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '',
    archived_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

-- The agent's policy. Editable while `draft`; frozen once `ready`.
CREATE TABLE agent_build_versions (
    id              uuid PRIMARY KEY,
    build_id        uuid NOT NULL REFERENCES agent_builds(id) ON DELETE CASCADE,
    workspace_id    uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version         integer NOT NULL CHECK (version > 0),
    status          text NOT NULL CHECK (status IN ('draft', 'ready', 'archived')),
    policy          jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (build_id, version)
);

CREATE TABLE deployments (
    id                   uuid PRIMARY KEY,
    workspace_id         uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    build_version_id     uuid NOT NULL REFERENCES agent_build_versions(id),
    runtime_profile_id   uuid NOT NULL REFERENCES runtime_profiles(id),
    provider_account_id  uuid NOT NULL REFERENCES provider_accounts(id),
    model                text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    provider_options     jsonb NOT NULL DEFAULT '{}'::jsonb,
    archived_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

-- A deployment frozen at run start: everything the worker needs, by value.
CREATE TABLE deployment_snapshots (
    id             uuid PRIMARY KEY,
    workspace_id   uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    deployment_id  uuid NOT NULL REFERENCES deployments(id),
    content_hash   text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    snapshot       jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, content_hash)
);

ALTER TABLE runs
    ADD COLUMN pack_version_id uuid REFERENCES challenge_pack_versions(id),
    ADD COLUMN input_set_key   text,
    ADD COLUMN case_keys       text[];

ALTER TABLE run_agents
    ADD COLUMN deployment_id           uuid REFERENCES deployments(id),
    ADD COLUMN deployment_snapshot_id  uuid REFERENCES deployment_snapshots(id),
    ADD COLUMN next_sequence           bigint NOT NULL DEFAULT 0;

-- Events of a case attempt carry (attempt, attempt_seq): writing the same
-- batch twice (an activity retried after its write committed) is a no-op.
ALTER TABLE run_events
    ADD COLUMN attempt      integer,
    ADD COLUMN attempt_seq  integer;
CREATE UNIQUE INDEX run_events_attempt_key ON run_events (run_agent_id, case_key, attempt, attempt_seq)
    WHERE attempt IS NOT NULL;
CREATE INDEX run_events_run_order ON run_events (run_id, run_agent_id, sequence);

-- One row per case of a lane: the latest attempt's outcome.
CREATE TABLE run_cases (
    run_agent_id   uuid NOT NULL REFERENCES run_agents(id) ON DELETE CASCADE,
    case_key       text NOT NULL,
    workspace_id   uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    run_id         uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position       integer NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    attempt        integer NOT NULL DEFAULT 0,
    stop_reason    text,
    final_output   text,
    error          text,
    input_tokens   bigint NOT NULL DEFAULT 0,
    output_tokens  bigint NOT NULL DEFAULT 0,
    cost_usd       double precision,
    steps          integer NOT NULL DEFAULT 0,
    tool_calls     integer NOT NULL DEFAULT 0,
    duration_ms    bigint,
    started_at     timestamptz,
    finished_at    timestamptz,
    PRIMARY KEY (run_agent_id, case_key)
);
CREATE INDEX run_cases_run ON run_cases (run_id);
