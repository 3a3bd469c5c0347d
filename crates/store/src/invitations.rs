//! Workspace invitations: single-use tokens (stored as a SHA-256 hash) that
//! let the invited email join a workspace with a role, directly or while
//! signing up.

use crate::page::Page;
use crate::tenancy::Workspace;
use crate::users::{User, insert_user};
use crate::{Store, StoreError};
use agentclash_core::{UserId, WorkspaceId, WorkspaceRole};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

/// A pending invitation as admins see it (never the token or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    /// Identity, used to revoke it.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The workspace it opens.
    pub workspace_id: WorkspaceId,
    /// Who may accept it (lower case).
    pub email: String,
    /// The role it grants.
    pub role: WorkspaceRole,
    /// Who created it.
    pub invited_by: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// What an invitation needs to be stored.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    /// The invited email (normalised here).
    pub email: &'a str,
    /// The role it grants.
    pub role: WorkspaceRole,
    /// SHA-256 of the token (hex).
    pub token_hash: &'a str,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The admin creating it.
    pub invited_by: UserId,
}

/// Why an invitation token could not be redeemed.
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    /// No invitation has this token, or it was revoked.
    #[error("unknown or revoked invitation")]
    Unknown,
    /// Its expiry has passed.
    #[error("the invitation has expired")]
    Expired,
    /// It was accepted already (invitations are single-use).
    #[error("the invitation has already been used")]
    Used,
    /// It was sent to another email address than the accepting user's.
    #[error("the invitation was sent to another email address")]
    EmailMismatch,
    /// The user already belongs to the workspace.
    #[error("you are already a member of this workspace")]
    AlreadyMember,
    /// The database failed (or, on sign-up, the email is taken: `Conflict`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for InvitationError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

const COLUMNS: &str = "id, workspace_id, email, role, invited_by, created_at, expires_at";

fn invitation_from_row(row: &PgRow) -> Result<Invitation, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(Invitation {
        id: row.try_get("id")?,
        workspace_id: WorkspaceId(row.try_get("workspace_id")?),
        email: row.try_get("email")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        invited_by: row.try_get::<Option<Uuid>, _>("invited_by")?.map(UserId),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// A locked, still valid invitation, ready to be granted.
struct Claimed {
    id: Uuid,
    workspace: WorkspaceId,
    role: String,
}

/// Locks the invitation behind `token_hash` and checks it can be redeemed
/// by `email`.
async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    token_hash: &str,
    email: &str,
) -> Result<Claimed, InvitationError> {
    let row = sqlx::query(
        "SELECT id, workspace_id, email, role, accepted_at IS NOT NULL AS used, \
                expires_at <= now() AS expired \
         FROM workspace_invitations WHERE token_hash = $1 AND revoked_at IS NULL FOR UPDATE",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(InvitationError::Unknown)?;
    if row.try_get::<bool, _>("used")? {
        return Err(InvitationError::Used);
    }
    if row.try_get::<bool, _>("expired")? {
        return Err(InvitationError::Expired);
    }
    let invited: String = row.try_get("email")?;
    if invited != crate::users::normalise_email(email) {
        return Err(InvitationError::EmailMismatch);
    }
    Ok(Claimed {
        id: row.try_get("id")?,
        workspace: WorkspaceId(row.try_get("workspace_id")?),
        role: row.try_get("role")?,
    })
}

/// Adds `user` to the claimed invitation's workspace (and to its
/// organization as `org_member` unless already in it) and marks the
/// invitation accepted.
async fn grant(
    tx: &mut Transaction<'_, Postgres>,
    claimed: &Claimed,
    user: UserId,
) -> Result<(), InvitationError> {
    let added = sqlx::query(
        "INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id, user_id) DO NOTHING",
    )
    .bind(claimed.workspace.0)
    .bind(user.0)
    .bind(&claimed.role)
    .execute(&mut **tx)
    .await?;
    if added.rows_affected() == 0 {
        return Err(InvitationError::AlreadyMember);
    }
    sqlx::query(
        "INSERT INTO organization_memberships (organization_id, user_id, role) \
         SELECT organization_id, $2, 'org_member' FROM workspaces WHERE id = $1 \
         ON CONFLICT (organization_id, user_id) DO NOTHING",
    )
    .bind(claimed.workspace.0)
    .bind(user.0)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE workspace_invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
    )
    .bind(claimed.id)
    .bind(user.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Creates an invitation to `workspace`. Re-inviting an email revokes
    /// its earlier pending invitations (one live token per email). A user
    /// with that email who is already a member is a `Conflict`.
    pub async fn create_invitation(
        &self,
        workspace: WorkspaceId,
        new: &NewInvitation<'_>,
    ) -> Result<Invitation, StoreError> {
        let email = crate::users::normalise_email(new.email);
        let mut tx = self.pool.begin().await?;
        let member: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM workspace_memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.workspace_id = $1 AND u.email = $2",
        )
        .bind(workspace.0)
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        if member.is_some() {
            return Err(StoreError::Conflict(format!(
                "{email} is already a member of this workspace"
            )));
        }
        sqlx::query(
            "UPDATE workspace_invitations SET revoked_at = now() \
             WHERE workspace_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(workspace.0)
        .bind(&email)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO workspace_invitations (id, workspace_id, email, role, token_hash, invited_by, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(workspace.0)
        .bind(&email)
        .bind(new.role.as_str())
        .bind(new.token_hash)
        .bind(new.invited_by.0)
        .bind(new.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        invitation_from_row(&row)
    }

    /// The workspace's pending invitations (not accepted, not revoked, not
    /// expired), newest first, `limit` (1..=100) at a time.
    pub async fn list_pending_invitations(
        &self,
        workspace: WorkspaceId,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<Invitation>, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workspace_invitations \
             WHERE workspace_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() \
               AND ($2::uuid IS NULL OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(workspace.0)
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(invitation_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit, |i| i.id))
    }

    /// Revokes an invitation of the workspace; revoking twice is fine.
    /// `NotFound` when it does not exist here; `Conflict` once accepted.
    pub async fn revoke_invitation(
        &self,
        workspace: WorkspaceId,
        id: Uuid,
    ) -> Result<(), StoreError> {
        let revoked = sqlx::query(
            "UPDATE workspace_invitations SET revoked_at = COALESCE(revoked_at, now()) \
             WHERE id = $1 AND workspace_id = $2 AND accepted_at IS NULL",
        )
        .bind(id)
        .bind(workspace.0)
        .execute(&self.pool)
        .await?;
        if revoked.rows_affected() > 0 {
            return Ok(());
        }
        let exists: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM workspace_invitations WHERE id = $1 AND workspace_id = $2",
        )
        .bind(id)
        .bind(workspace.0)
        .fetch_optional(&self.pool)
        .await?;
        match exists {
            Some(_) => Err(StoreError::Conflict(
                "the invitation was already accepted; remove the member instead".into(),
            )),
            None => Err(StoreError::NotFound),
        }
    }

    /// Redeems an invitation for an existing, signed-in user whose email
    /// must be the invited one (case-insensitive). Returns the workspace
    /// with the user's effective role.
    pub async fn accept_invitation(
        &self,
        user: &User,
        token_hash: &str,
    ) -> Result<Workspace, InvitationError> {
        let mut tx = self.pool.begin().await?;
        let claimed = claim(&mut tx, token_hash, &user.email).await?;
        grant(&mut tx, &claimed, user.id).await?;
        tx.commit().await?;
        Ok(self
            .workspace_for_user(user.id, claimed.workspace)
            .await?
            .ok_or(StoreError::NotFound)?)
    }

    /// Creates a user and redeems their invitation in one transaction:
    /// either both happen or neither. A taken email is `Store(Conflict)`.
    pub async fn sign_up_with_invitation(
        &self,
        email: &str,
        display_name: &str,
        password_hash: &str,
        token_hash: &str,
    ) -> Result<(User, Workspace), InvitationError> {
        let mut tx = self.pool.begin().await?;
        let claimed = claim(&mut tx, token_hash, email).await?;
        let user = insert_user(&mut *tx, email, display_name, Some(password_hash)).await?;
        grant(&mut tx, &claimed, user.id).await?;
        tx.commit().await?;
        let workspace = self
            .workspace_for_user(user.id, claimed.workspace)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((user, workspace))
    }
}
