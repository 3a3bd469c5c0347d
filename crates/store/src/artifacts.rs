//! The workspace's claim on content-addressed blobs: a row per distinct
//! content per workspace, so a download can be authorised without trusting
//! the hash alone.

use crate::{Store, StoreError};
use agentclash_core::{RunAgentId, RunId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A blob of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ArtifactMeta {
    /// SHA-256 of the content (hex).
    pub content_hash: String,
    /// What it is (`event-payload`, a file name, …).
    pub name: String,
    /// MIME type.
    pub media_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// First stored.
    pub created_at: DateTime<Utc>,
}

/// What recording a blob needs.
#[derive(Debug, Clone)]
pub struct NewArtifact<'a> {
    /// The run it came from.
    pub run: Option<RunId>,
    /// The lane it came from.
    pub lane: Option<RunAgentId>,
    /// What it is.
    pub name: &'a str,
    /// MIME type.
    pub media_type: &'a str,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 (hex).
    pub content_hash: &'a str,
    /// Key in artifact storage.
    pub storage_key: &'a str,
}

impl Store {
    /// Records that the workspace holds a blob (idempotent per content).
    pub async fn record_artifact(
        &self,
        ws: WorkspaceId,
        new: &NewArtifact<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO artifacts (id, workspace_id, run_id, run_agent_id, name, media_type, size_bytes, content_hash, storage_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workspace_id, content_hash) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(ws.0)
        .bind(new.run.map(|r| r.0))
        .bind(new.lane.map(|l| l.0))
        .bind(new.name)
        .bind(new.media_type)
        .bind(new.size_bytes)
        .bind(new.content_hash)
        .bind(new.storage_key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A blob of the workspace by content hash.
    pub async fn get_artifact(
        &self,
        ws: WorkspaceId,
        content_hash: &str,
    ) -> Result<ArtifactMeta, StoreError> {
        sqlx::query_as(
            "SELECT content_hash, name, media_type, size_bytes, created_at FROM artifacts \
             WHERE workspace_id = $1 AND content_hash = $2",
        )
        .bind(ws.0)
        .bind(content_hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }
}

impl Store {
    /// The ids among `ids` that name no artifact of the workspace.
    pub async fn missing_artifacts(
        &self,
        ws: WorkspaceId,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM artifacts WHERE workspace_id = $1 AND id = ANY($2)")
                .bind(ws.0)
                .bind(ids)
                .fetch_all(&self.pool)
                .await?;
        Ok(ids
            .iter()
            .filter(|id| !found.contains(id))
            .copied()
            .collect())
    }
}
