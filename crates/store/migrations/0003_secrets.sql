-- Workspace secrets: AES-256-GCM ciphertext only (nonce ‖ ciphertext ‖ tag);
-- the value never reaches the database in clear.

CREATE TABLE workspace_secrets (
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
    ciphertext    bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (workspace_id, name)
);
