-- Foundation schema: tenancy, runs, run agents, their status histories,
-- run events and artifacts. Later issues add tables in new migrations.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug             text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL CHECK (email = lower(email) AND position('@' in email) > 1),
    display_name   text NOT NULL DEFAULT '',
    password_hash  text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE organization_memberships (
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role             text NOT NULL CHECK (role IN ('org_admin', 'org_member')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);

CREATE TABLE workspace_memberships (
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('workspace_admin', 'workspace_member', 'workspace_viewer')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE runs (
    id              uuid PRIMARY KEY,
    workspace_id    uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status          text NOT NULL CHECK (status IN
                        ('queued', 'provisioning', 'running', 'scoring', 'completed', 'failed', 'cancelled')),
    failure_reason  text,
    workflow_id     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX runs_workspace_recent ON runs (workspace_id, created_at DESC, id DESC);

CREATE TABLE run_status_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    from_status  text,
    to_status    text NOT NULL,
    reason       text,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX run_status_history_run ON run_status_history (run_id, id);

CREATE TABLE run_agents (
    id              uuid PRIMARY KEY,
    run_id          uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    workspace_id    uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    lane_index      integer NOT NULL CHECK (lane_index >= 0),
    label           text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    status          text NOT NULL CHECK (status IN
                        ('queued', 'ready', 'executing', 'evaluating', 'completed', 'failed')),
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (run_id, lane_index)
);

CREATE TABLE run_agent_status_history (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_agent_id  uuid NOT NULL REFERENCES run_agents(id) ON DELETE CASCADE,
    from_status   text,
    to_status     text NOT NULL,
    reason        text,
    changed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX run_agent_status_history_agent ON run_agent_status_history (run_agent_id, id);

-- Ordered per run agent by `sequence` (gap-free, authoritative). Run-level
-- events have no run agent; NULLS NOT DISTINCT keeps their sequence unique too.
CREATE TABLE run_events (
    id            uuid PRIMARY KEY,
    run_id        uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    run_agent_id  uuid REFERENCES run_agents(id) ON DELETE CASCADE,
    sequence      bigint NOT NULL CHECK (sequence >= 0),
    event_type    text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    case_key      text,
    step          integer,
    payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
    summary       text,
    UNIQUE NULLS NOT DISTINCT (run_id, run_agent_id, sequence)
);

-- Content-addressed blobs; identical content is stored once per workspace.
CREATE TABLE artifacts (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    run_id        uuid REFERENCES runs(id) ON DELETE SET NULL,
    run_agent_id  uuid REFERENCES run_agents(id) ON DELETE SET NULL,
    name          text NOT NULL,
    media_type    text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    content_hash  text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    storage_key   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_run ON artifacts (run_id);
CREATE INDEX artifacts_content ON artifacts (workspace_id, content_hash);
