-- One row per distinct blob per workspace: the workspace's claim on content
-- stored once (by hash) in artifact storage. Downloads check this row.
CREATE UNIQUE INDEX artifacts_workspace_content ON artifacts (workspace_id, content_hash);
