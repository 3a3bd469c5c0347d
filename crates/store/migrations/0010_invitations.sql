-- Workspace invitations: single-use, expiring, stored only as a SHA-256 hash
-- of the token (like API tokens). An invitation is pending while it is
-- neither accepted nor revoked and has not expired.

CREATE TABLE workspace_invitations (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email        text NOT NULL CHECK (email = lower(email) AND position('@' in email) > 1),
    role         text NOT NULL CHECK (role IN ('workspace_admin', 'workspace_member', 'workspace_viewer')),
    token_hash   text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    invited_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    revoked_at   timestamptz
);
CREATE INDEX workspace_invitations_pending
    ON workspace_invitations (workspace_id, id DESC)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Member lists read a workspace's or organization's memberships.
CREATE INDEX workspace_memberships_user ON workspace_memberships (user_id);
CREATE INDEX organization_memberships_user ON organization_memberships (user_id);
