-- OAuth 2.0 device authorisation grant (RFC 8628 shape) for `agentclash auth login --device`.

CREATE TABLE device_authorizations (
    id                uuid PRIMARY KEY,
    device_code_hash  text NOT NULL UNIQUE CHECK (device_code_hash ~ '^[0-9a-f]{64}$'),
    user_code         text NOT NULL UNIQUE,
    client_name       text NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    user_id           uuid REFERENCES users(id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    last_polled_at    timestamptz
);
