-- Browser sessions: the cookie value is stored only as a SHA-256 hash; the
-- CSRF token is sent back in a header on cookie-authenticated writes.

CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash  text NOT NULL UNIQUE CHECK (session_hash ~ '^[0-9a-f]{64}$'),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);
