//! Workspace secrets, stored as ciphertext only. Encryption happens above
//! this layer (`agentclash-auth::SecretBox`); this module never sees a value.

use crate::{Store, StoreError};
use agentclash_core::{UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

/// What anyone may know about a secret: its name and when it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SecretMeta {
    /// The secret's name (e.g. `OPENAI_API_KEY`).
    pub name: String,
    /// First set.
    pub created_at: DateTime<Utc>,
    /// Last set.
    pub updated_at: DateTime<Utc>,
}

/// One page of secret names (secrets are keyed by name, so the cursor is a
/// name rather than an id).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecretPage {
    /// The secrets on this page.
    pub items: Vec<SecretMeta>,
    /// Pass back as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl Store {
    /// Creates or replaces a secret's ciphertext; returns whether it is new.
    pub async fn put_secret(
        &self,
        workspace: WorkspaceId,
        name: &str,
        ciphertext: &[u8],
        by: UserId,
    ) -> Result<bool, StoreError> {
        let inserted: bool = sqlx::query_scalar(
            "INSERT INTO workspace_secrets (workspace_id, name, ciphertext, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, name) DO UPDATE \
                 SET ciphertext = EXCLUDED.ciphertext, updated_by = EXCLUDED.updated_by, updated_at = now() \
             RETURNING (xmax = 0)",
        )
        .bind(workspace.0)
        .bind(name)
        .bind(ciphertext)
        .bind(by.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(inserted)
    }

    /// The workspace's secrets (names and times only), by name, `limit`
    /// (1..=100) at a time; the cursor is the last name of a page.
    pub async fn list_secrets(
        &self,
        workspace: WorkspaceId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<SecretPage, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(
            "SELECT name, created_at, updated_at FROM workspace_secrets \
             WHERE workspace_id = $1 AND ($2::text IS NULL OR name > $2) ORDER BY name LIMIT $3",
        )
        .bind(workspace.0)
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut items = rows
            .iter()
            .map(|row| {
                Ok(SecretMeta {
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|s| s.name.clone())
        } else {
            None
        };
        Ok(SecretPage { items, next_cursor })
    }

    /// A secret's ciphertext, for the worker to decrypt when a run needs it.
    pub async fn secret_ciphertext(
        &self,
        workspace: WorkspaceId,
        name: &str,
    ) -> Result<Vec<u8>, StoreError> {
        sqlx::query_scalar(
            "SELECT ciphertext FROM workspace_secrets WHERE workspace_id = $1 AND name = $2",
        )
        .bind(workspace.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Deletes a secret.
    pub async fn delete_secret(
        &self,
        workspace: WorkspaceId,
        name: &str,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("DELETE FROM workspace_secrets WHERE workspace_id = $1 AND name = $2")
                .bind(workspace.0)
                .bind(name)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
