//! Organizations, workspaces and memberships: who may reach which workspace.

use crate::page::Page;
use crate::{Store, StoreError};
use agentclash_core::{OrgRole, OrganizationId, UserId, WorkspaceId, WorkspaceRole};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    /// Identity.
    pub id: OrganizationId,
    /// URL-safe unique name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The caller's role in it.
    pub role: OrgRole,
}

/// A workspace as seen by one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Workspace {
    /// Identity.
    pub id: WorkspaceId,
    /// Owning organization.
    pub organization_id: OrganizationId,
    /// URL-safe name, unique in the organization.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The caller's effective role (org admins act as workspace admins).
    pub role: WorkspaceRole,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

fn workspace_from_row(row: &PgRow) -> Result<Workspace, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(Workspace {
        id: WorkspaceId(row.try_get("id")?),
        organization_id: OrganizationId(row.try_get("organization_id")?),
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        created_at: row.try_get("created_at")?,
    })
}

fn organization_from_row(row: &PgRow) -> Result<Organization, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(Organization {
        id: OrganizationId(row.try_get("id")?),
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
    })
}

/// The organizations of a user with their role there.
const USER_ORGANIZATIONS: &str = "\
    SELECT o.id, o.slug, o.name, om.role FROM organizations o \
    JOIN organization_memberships om ON om.organization_id = o.id WHERE om.user_id = $1";

/// The effective role of a user in each workspace they can reach: their
/// workspace membership, or admin when they administer the organization.
const VISIBLE_WORKSPACES: &str = "\
    SELECT w.id, w.organization_id, w.slug, w.name, w.created_at, \
           CASE WHEN om.role = 'org_admin' THEN 'workspace_admin' ELSE wm.role END AS role \
    FROM workspaces w \
    LEFT JOIN workspace_memberships wm ON wm.workspace_id = w.id AND wm.user_id = $1 \
    LEFT JOIN organization_memberships om ON om.organization_id = w.organization_id AND om.user_id = $1 \
    WHERE (wm.user_id IS NOT NULL OR om.role = 'org_admin')";

impl Store {
    /// Creates an organization with `creator` as its admin.
    pub async fn create_organization(
        &self,
        creator: UserId,
        slug: &str,
        name: &str,
    ) -> Result<Organization, StoreError> {
        let id = OrganizationId::new();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query("INSERT INTO organizations (id, slug, name) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING")
            .bind(id.0)
            .bind(slug)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "an organization `{slug}` already exists"
            )));
        }
        sqlx::query("INSERT INTO organization_memberships (organization_id, user_id, role) VALUES ($1, $2, 'org_admin')")
            .bind(id.0)
            .bind(creator.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Organization {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            role: OrgRole::Admin,
        })
    }

    /// Creates a workspace in `org` with `creator` as its admin. The caller
    /// must already have checked that `creator` administers `org`.
    pub async fn create_workspace(
        &self,
        creator: UserId,
        org: OrganizationId,
        slug: &str,
        name: &str,
    ) -> Result<Workspace, StoreError> {
        let id = WorkspaceId::new();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO workspaces (id, organization_id, slug, name) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (organization_id, slug) DO NOTHING",
        )
        .bind(id.0)
        .bind(org.0)
        .bind(slug)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "a workspace `{slug}` already exists in this organization"
            )));
        }
        sqlx::query("INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'workspace_admin')")
            .bind(id.0)
            .bind(creator.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.workspace_for_user(creator, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Adds or changes a user's role in a workspace.
    pub async fn set_workspace_role(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        role: WorkspaceRole,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(workspace.0)
        .bind(user.0)
        .bind(role.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Adds or changes a user's role in an organization.
    pub async fn set_org_role(
        &self,
        org: OrganizationId,
        user: UserId,
        role: OrgRole,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO organization_memberships (organization_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(org.0)
        .bind(user.0)
        .bind(role.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The organizations the user belongs to.
    pub async fn organizations_for_user(
        &self,
        user: UserId,
    ) -> Result<Vec<Organization>, StoreError> {
        let rows = sqlx::query(&format!("{USER_ORGANIZATIONS} ORDER BY o.slug"))
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(organization_from_row).collect()
    }

    /// The user's organizations by slug, `limit` (1..=100) at a time; the
    /// cursor is the last organization's id.
    pub async fn organizations_page(
        &self,
        user: UserId,
        limit: u32,
        cursor: Option<OrganizationId>,
    ) -> Result<Page<Organization>, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(&format!(
            "{USER_ORGANIZATIONS} AND ($2::uuid IS NULL OR o.slug > (SELECT slug FROM organizations WHERE id = $2)) \
             ORDER BY o.slug LIMIT $3"
        ))
        .bind(user.0)
        .bind(cursor.map(|c| c.0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let orgs = rows
            .iter()
            .map(organization_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(orgs, limit, |o| o.id.0))
    }

    /// The user's role in one organization, if any.
    pub async fn org_role(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<OrgRole>, StoreError> {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM organization_memberships WHERE organization_id = $1 AND user_id = $2",
        )
        .bind(org.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        role.map(|r| r.parse().map_err(|e| StoreError::Corrupt(format!("{e}"))))
            .transpose()
    }

    /// Every workspace the user can reach, with their effective role.
    pub async fn workspaces_for_user(&self, user: UserId) -> Result<Vec<Workspace>, StoreError> {
        let rows = sqlx::query(&format!("{VISIBLE_WORKSPACES} ORDER BY w.created_at, w.id"))
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(workspace_from_row).collect()
    }

    /// The workspaces the user can reach, oldest first, `limit` (1..=100) at
    /// a time; the cursor is the last workspace's id.
    pub async fn workspaces_page(
        &self,
        user: UserId,
        limit: u32,
        cursor: Option<WorkspaceId>,
    ) -> Result<Page<Workspace>, StoreError> {
        let limit = limit.clamp(1, 100);
        let rows = sqlx::query(&format!(
            "{VISIBLE_WORKSPACES} AND ($2::uuid IS NULL OR (w.created_at, w.id) > \
                 (SELECT created_at, id FROM workspaces WHERE id = $2)) \
             ORDER BY w.created_at, w.id LIMIT $3"
        ))
        .bind(user.0)
        .bind(cursor.map(|c| c.0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let workspaces = rows
            .iter()
            .map(workspace_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(workspaces, limit, |w| w.id.0))
    }

    /// One workspace with the user's effective role; `None` when the user
    /// cannot reach it (which callers must answer as 404, never 403).
    pub async fn workspace_for_user(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<Option<Workspace>, StoreError> {
        let row = sqlx::query(&format!("{VISIBLE_WORKSPACES} AND w.id = $2"))
            .bind(user.0)
            .bind(workspace.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(workspace_from_row).transpose()
    }
}
