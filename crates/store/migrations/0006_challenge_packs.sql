-- Published challenge packs. A version is immutable: the original YAML, its
-- normalised JSON and rows for what runs select (challenges, input sets,
-- cases, evaluation spec). Versions are numbered per pack by the server;
-- publishing identical content again returns the existing version.

CREATE TABLE challenge_packs (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    slug          text NOT NULL CHECK (length(slug) BETWEEN 1 AND 200),
    name          text NOT NULL,
    family        text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, slug)
);

CREATE TABLE challenge_pack_versions (
    id               uuid PRIMARY KEY,
    pack_id          uuid NOT NULL REFERENCES challenge_packs(id) ON DELETE CASCADE,
    workspace_id     uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version          integer NOT NULL CHECK (version > 0),
    declared_number  integer,
    content_hash     text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    source_yaml      text NOT NULL,
    normalized       jsonb NOT NULL,
    warnings         jsonb NOT NULL DEFAULT '[]'::jsonb,
    evaluation_spec  jsonb NOT NULL,
    published_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pack_id, version),
    UNIQUE (pack_id, content_hash)
);

CREATE TABLE challenge_pack_challenges (
    version_id  uuid NOT NULL REFERENCES challenge_pack_versions(id) ON DELETE CASCADE,
    key         text NOT NULL,
    position    integer NOT NULL,
    definition  jsonb NOT NULL,
    PRIMARY KEY (version_id, key)
);

CREATE TABLE challenge_pack_input_sets (
    version_id   uuid NOT NULL REFERENCES challenge_pack_versions(id) ON DELETE CASCADE,
    key          text NOT NULL,
    name         text NOT NULL,
    position     integer NOT NULL,
    description  text,
    PRIMARY KEY (version_id, key)
);

CREATE TABLE challenge_pack_cases (
    version_id     uuid NOT NULL,
    input_set_key  text NOT NULL,
    case_key       text NOT NULL,
    challenge_key  text NOT NULL,
    position       integer NOT NULL,
    definition     jsonb NOT NULL,
    PRIMARY KEY (version_id, input_set_key, case_key),
    FOREIGN KEY (version_id, input_set_key) REFERENCES challenge_pack_input_sets (version_id, key) ON DELETE CASCADE
);

-- Published versions are immutable.
CREATE FUNCTION forbid_pack_version_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published challenge-pack versions are immutable';
END $$;
CREATE TRIGGER challenge_pack_versions_immutable BEFORE UPDATE ON challenge_pack_versions
    FOR EACH ROW EXECUTE FUNCTION forbid_pack_version_update();
