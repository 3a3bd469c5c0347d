//! Organizations and workspaces.
//!
//! For now only the local default workspace exists; the identity issue adds
//! users, memberships and the full tenancy guard on top of these tables.

use crate::{Store, StoreError};
use agentclash_core::WorkspaceId;
use uuid::Uuid;

/// Slug of the organization the local stack and the wiring path use.
pub const LOCAL_ORG_SLUG: &str = "local";
/// Slug of the workspace the local stack and the wiring path use.
pub const LOCAL_WORKSPACE_SLUG: &str = "default";

impl Store {
    /// Returns the local default workspace, creating it and its organization
    /// on first use. Idempotent and safe under concurrency.
    pub async fn ensure_local_workspace(&self) -> Result<WorkspaceId, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO organizations (id, slug, name) VALUES ($1, $2, 'Local') \
             ON CONFLICT (slug) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(LOCAL_ORG_SLUG)
        .execute(&mut *tx)
        .await?;
        let org_id: Uuid = sqlx::query_scalar("SELECT id FROM organizations WHERE slug = $1")
            .bind(LOCAL_ORG_SLUG)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO workspaces (id, organization_id, slug, name) VALUES ($1, $2, $3, 'Default') \
             ON CONFLICT (organization_id, slug) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(org_id)
        .bind(LOCAL_WORKSPACE_SLUG)
        .execute(&mut *tx)
        .await?;
        let ws: Uuid = sqlx::query_scalar(
            "SELECT id FROM workspaces WHERE organization_id = $1 AND slug = $2",
        )
        .bind(org_id)
        .bind(LOCAL_WORKSPACE_SLUG)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(WorkspaceId(ws))
    }
}
