//! Who belongs to a workspace or an organization, and changing that.
//!
//! Guard rails, enforced under a row lock on the workspace (or organization)
//! so two concurrent changes cannot both remove "the other" admin:
//! - a workspace always keeps at least one explicit `workspace_admin`
//!   (org admins can manage every workspace of their organization, but a
//!   workspace does not depend on that: the rule holds whoever org admins are);
//! - an organization always keeps at least one `org_admin`.
//!
//! Removing someone from an organization also removes them from every
//! workspace of that organization (same transaction), and is refused when
//! that would leave one of those workspaces without an admin.

use crate::page::Page;
use crate::{Store, StoreError};
use agentclash_core::{OrgRole, OrganizationId, UserId, WorkspaceId, WorkspaceRole};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use std::str::FromStr;
use uuid::Uuid;

/// A member as listed: who they are and their role since when. `R` is
/// [`WorkspaceRole`] or [`OrgRole`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Member<R> {
    /// The user.
    pub user_id: UserId,
    /// Their lower-case email.
    pub email: String,
    /// Their display name.
    pub display_name: String,
    /// Their role here.
    pub role: R,
    /// When they joined.
    pub since: DateTime<Utc>,
}

/// A member of a workspace.
pub type WorkspaceMember = Member<WorkspaceRole>;
/// A member of an organization.
pub type OrgMember = Member<OrgRole>;

fn member_from_row<R: FromStr>(row: &PgRow) -> Result<Member<R>, StoreError>
where
    R::Err: std::fmt::Display,
{
    let role: String = row.try_get("role")?;
    Ok(Member {
        user_id: UserId(row.try_get("user_id")?),
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e: R::Err| StoreError::Corrupt(e.to_string()))?,
        since: row.try_get("created_at")?,
    })
}

/// One membership table: where its rows live and what owns them.
struct Memberships {
    table: &'static str,
    owner_column: &'static str,
    owner_table: &'static str,
    admin_role: &'static str,
    /// Names the owner in the "last admin" message.
    noun: &'static str,
}

const WORKSPACE: Memberships = Memberships {
    table: "workspace_memberships",
    owner_column: "workspace_id",
    owner_table: "workspaces",
    admin_role: "workspace_admin",
    noun: "workspace",
};

const ORGANIZATION: Memberships = Memberships {
    table: "organization_memberships",
    owner_column: "organization_id",
    owner_table: "organizations",
    admin_role: "org_admin",
    noun: "organization",
};

impl Memberships {
    /// One page of members ordered by email; the cursor is the last user id.
    async fn page<R: FromStr>(
        &self,
        store: &Store,
        owner: Uuid,
        limit: u32,
        cursor: Option<UserId>,
    ) -> Result<Page<Member<R>>, StoreError>
    where
        R::Err: std::fmt::Display,
    {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(&format!(
            "SELECT m.user_id, u.email, u.display_name, m.role, m.created_at \
             FROM {table} m JOIN users u ON u.id = m.user_id \
             WHERE m.{owner} = $1 \
               AND ($2::uuid IS NULL OR u.email > (SELECT email FROM users WHERE id = $2)) \
             ORDER BY u.email LIMIT $3",
            table = self.table,
            owner = self.owner_column,
        ))
        .bind(owner)
        .bind(cursor.map(|c| c.0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&store.pool)
        .await?;
        let members = rows
            .iter()
            .map(member_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(members, limit, |m| m.user_id.0))
    }

    /// Locks the owner row (serialising membership changes of one owner);
    /// a missing owner is not found.
    async fn lock_owner(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        owner: Uuid,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "SELECT 1 FROM {} WHERE id = $1 FOR UPDATE",
            self.owner_table
        ))
        .bind(owner)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(())
    }

    /// The user's current role, if they are a member.
    async fn role_of(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        owner: Uuid,
        user: UserId,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT role FROM {} WHERE {} = $1 AND user_id = $2",
            self.table, self.owner_column
        ))
        .bind(owner)
        .bind(user.0)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Refuses to take the admin role away from `user` when they are the
    /// owner's only admin.
    async fn keep_an_admin(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        owner: Uuid,
        user: UserId,
        owner_label: &str,
    ) -> Result<(), StoreError> {
        let others: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {} WHERE {} = $1 AND role = $2 AND user_id <> $3",
            self.table, self.owner_column
        ))
        .bind(owner)
        .bind(self.admin_role)
        .bind(user.0)
        .fetch_one(&mut **tx)
        .await?;
        if others == 0 {
            return Err(StoreError::Conflict(format!(
                "this is the last {} of the {}{owner_label}; make someone else {} first",
                self.admin_role, self.noun, self.admin_role
            )));
        }
        Ok(())
    }

    /// Changes an existing member's role (not found when they are not a
    /// member), keeping an admin.
    async fn set_role<R: FromStr>(
        &self,
        store: &Store,
        owner: Uuid,
        user: UserId,
        role: &str,
    ) -> Result<Member<R>, StoreError>
    where
        R::Err: std::fmt::Display,
    {
        let mut tx = store.pool.begin().await?;
        self.lock_owner(&mut tx, owner).await?;
        let current = self
            .role_of(&mut tx, owner, user)
            .await?
            .ok_or(StoreError::NotFound)?;
        if current == self.admin_role && role != self.admin_role {
            self.keep_an_admin(&mut tx, owner, user, "").await?;
        }
        let row = sqlx::query(&format!(
            "WITH changed AS (UPDATE {table} SET role = $3 WHERE {owner} = $1 AND user_id = $2 \
                 RETURNING user_id, role, created_at) \
             SELECT c.user_id, u.email, u.display_name, c.role, c.created_at \
             FROM changed c JOIN users u ON u.id = c.user_id",
            table = self.table,
            owner = self.owner_column,
        ))
        .bind(owner)
        .bind(user.0)
        .bind(role)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        member_from_row(&row)
    }

    /// Deletes a membership inside `tx` (owner already locked), keeping an
    /// admin; `Ok(false)` when the user was not a member.
    async fn remove_locked(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        owner: Uuid,
        user: UserId,
        owner_label: &str,
    ) -> Result<bool, StoreError> {
        let Some(current) = self.role_of(tx, owner, user).await? else {
            return Ok(false);
        };
        if current == self.admin_role {
            self.keep_an_admin(tx, owner, user, owner_label).await?;
        }
        sqlx::query(&format!(
            "DELETE FROM {} WHERE {} = $1 AND user_id = $2",
            self.table, self.owner_column
        ))
        .bind(owner)
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
        Ok(true)
    }
}

impl Store {
    /// The workspace's explicit members, by email, `limit` (1..=100) at a
    /// time. Org admins who are not members are not listed (they reach the
    /// workspace through the organization).
    pub async fn list_workspace_members(
        &self,
        workspace: WorkspaceId,
        limit: u32,
        cursor: Option<UserId>,
    ) -> Result<Page<WorkspaceMember>, StoreError> {
        WORKSPACE.page(self, workspace.0, limit, cursor).await
    }

    /// Changes a workspace member's role. `NotFound` when the user is not a
    /// member; `Conflict` when it would demote the last workspace admin.
    pub async fn change_workspace_member_role(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        role: WorkspaceRole,
    ) -> Result<WorkspaceMember, StoreError> {
        WORKSPACE
            .set_role(self, workspace.0, user, role.as_str())
            .await
    }

    /// Removes a workspace member. Nothing else of theirs is touched (their
    /// tokens keep working elsewhere); access is checked per request, so it
    /// ends with this commit. `NotFound` when they are not a member;
    /// `Conflict` when they are the last workspace admin.
    pub async fn remove_workspace_member(
        &self,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        WORKSPACE.lock_owner(&mut tx, workspace.0).await?;
        if !WORKSPACE
            .remove_locked(&mut tx, workspace.0, user, "")
            .await?
        {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The organization's members, by email, `limit` (1..=100) at a time.
    pub async fn list_org_members(
        &self,
        org: OrganizationId,
        limit: u32,
        cursor: Option<UserId>,
    ) -> Result<Page<OrgMember>, StoreError> {
        ORGANIZATION.page(self, org.0, limit, cursor).await
    }

    /// Changes an organization member's role. `NotFound` when the user is
    /// not a member; `Conflict` when it would demote the last org admin.
    pub async fn change_org_member_role(
        &self,
        org: OrganizationId,
        user: UserId,
        role: OrgRole,
    ) -> Result<OrgMember, StoreError> {
        ORGANIZATION
            .set_role(self, org.0, user, role.as_str())
            .await
    }

    /// Removes a user from an organization and from every workspace of it,
    /// in one transaction. `NotFound` when they are not an org member;
    /// `Conflict` when they are the last org admin, or the last workspace
    /// admin of one of its workspaces (named in the message).
    pub async fn remove_org_member(
        &self,
        org: OrganizationId,
        user: UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        ORGANIZATION.lock_owner(&mut tx, org.0).await?;
        if !ORGANIZATION.remove_locked(&mut tx, org.0, user, "").await? {
            return Err(StoreError::NotFound);
        }
        let workspaces = sqlx::query(
            "SELECT w.id, w.slug FROM workspaces w \
             JOIN workspace_memberships m ON m.workspace_id = w.id \
             WHERE w.organization_id = $1 AND m.user_id = $2 ORDER BY w.id",
        )
        .bind(org.0)
        .bind(user.0)
        .fetch_all(&mut *tx)
        .await?;
        for row in &workspaces {
            let id: Uuid = row.try_get("id")?;
            let slug: String = row.try_get("slug")?;
            WORKSPACE.lock_owner(&mut tx, id).await?;
            WORKSPACE
                .remove_locked(&mut tx, id, user, &format!(" `{slug}`"))
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
