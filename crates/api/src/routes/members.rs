//! Members of workspaces and organizations.
//!
//! Workspace: any member lists; workspace admins (and org admins of its
//! organization, who act as admins there) change roles and remove members.
//! Organization: any org member lists; org admins manage. A workspace keeps
//! at least one explicit workspace admin and an organization at least one
//! org admin (409 otherwise). Removing someone from an organization also
//! removes them from its workspaces. Access is checked on every request, so
//! a removed member's tokens stop working there at once.

use crate::auth::{Principal, WorkspaceScope};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::{ListQuery, not_found_as};
use crate::state::AppState;
use agentclash_core::{ErrorCode, OrgRole, OrganizationId, UserId, WorkspaceRole};
use agentclash_store::members::Member;
use agentclash_store::page::Page;
use axum::Json;
use axum::extract::{FromRequestParts, Path, RawPathParams, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;

/// Body of a workspace member's role change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceRoleChange {
    role: WorkspaceRole,
}

/// Body of an organization member's role change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgRoleChange {
    role: OrgRole,
}

/// A `{user_id}` path segment; one that does not parse is an unknown member.
fn member_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("member"))
}

/// The workspace's members by email. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/members", tag = "members",
    params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<Member<WorkspaceRole>>), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_workspace_members(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Member<WorkspaceRole>>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_workspace_members(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// Changes a member's role. Admin role; 409 when it would demote the
/// workspace's last admin; 404 for a user who is not a member (invite them).
#[utoipa::path(put, path = "/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("user_id" = String, Path, description = "The member's user id")),
    request_body = WorkspaceRoleChange,
    responses((status = 200, body = Member<WorkspaceRole>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_workspace_member_role(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<WorkspaceRoleChange>,
) -> Result<Json<Member<WorkspaceRole>>, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    let user = member_id(&user_id)?;
    let member = state
        .store
        .change_workspace_member_role(scope.id(), user, body.role)
        .await
        .map_err(not_found_as("member"))?;
    tracing::info!(workspace = %scope.id(), %user, role = %body.role, by = %scope.principal.user.id, "workspace role changed");
    Ok(Json(member))
}

/// Removes a member (their access ends with this request; nothing else of
/// theirs changes). Admin role; 409 for the workspace's last admin.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("user_id" = String, Path, description = "The member's user id")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove_workspace_member(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    let user = member_id(&user_id)?;
    state
        .store
        .remove_workspace_member(scope.id(), user)
        .await
        .map_err(not_found_as("member"))?;
    tracing::info!(workspace = %scope.id(), %user, by = %scope.principal.user.id, "workspace member removed");
    Ok(StatusCode::NO_CONTENT)
}

/// The caller inside the organization named by the `{organization_id}` path
/// segment: like [`WorkspaceScope`], an organization the caller does not
/// belong to is answered 404.
#[derive(Debug, Clone)]
pub struct OrgScope {
    /// The caller.
    pub principal: Principal,
    /// The organization.
    pub org: OrganizationId,
    /// The caller's role there.
    pub role: OrgRole,
}

impl OrgScope {
    /// 403 unless the caller administers the organization.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == OrgRole::Admin {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                "this needs the org_admin role; you are org_member",
            ))
        }
    }
}

impl FromRequestParts<AppState> for OrgScope {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::internal(&"organization route without path parameters"))?;
        let not_found = || ApiError::not_found("organization");
        let org: OrganizationId = params
            .iter()
            .find(|(name, _)| *name == "organization_id")
            .ok_or_else(|| ApiError::internal(&"organization route without {organization_id}"))?
            .1
            .parse()
            .map_err(|_| not_found())?;
        let role = state
            .store
            .org_role(principal.user.id, org)
            .await?
            .ok_or_else(not_found)?;
        Ok(Self {
            principal,
            org,
            role,
        })
    }
}

/// The organization's members by email. Any org member.
#[utoipa::path(get, path = "/v1/organizations/{organization_id}/members", tag = "members",
    params(("organization_id" = String, Path, description = "Organization id"), ListQuery),
    responses((status = 200, body = Page<Member<OrgRole>>), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_org_members(
    State(state): State<AppState>,
    scope: OrgScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Member<OrgRole>>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_org_members(scope.org, q.limit()?, q.cursor())
            .await?,
    ))
}

/// Changes an org member's role. Org admins; 409 when it would demote the
/// last org admin.
#[utoipa::path(put, path = "/v1/organizations/{organization_id}/members/{user_id}", tag = "members",
    params(("organization_id" = String, Path, description = "Organization id"), ("user_id" = String, Path, description = "The member's user id")),
    request_body = OrgRoleChange,
    responses((status = 200, body = Member<OrgRole>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_org_member_role(
    State(state): State<AppState>,
    scope: OrgScope,
    Path((_, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<OrgRoleChange>,
) -> Result<Json<Member<OrgRole>>, ApiError> {
    scope.require_admin()?;
    let user = member_id(&user_id)?;
    let member = state
        .store
        .change_org_member_role(scope.org, user, body.role)
        .await
        .map_err(not_found_as("member"))?;
    tracing::info!(org = %scope.org, %user, role = body.role.as_str(), by = %scope.principal.user.id, "org role changed");
    Ok(Json(member))
}

/// Removes someone from the organization and all its workspaces. Org
/// admins; 409 when they are the last org admin or the last admin of one of
/// its workspaces.
#[utoipa::path(delete, path = "/v1/organizations/{organization_id}/members/{user_id}", tag = "members",
    params(("organization_id" = String, Path, description = "Organization id"), ("user_id" = String, Path, description = "The member's user id")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove_org_member(
    State(state): State<AppState>,
    scope: OrgScope,
    Path((_, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require_admin()?;
    let user = member_id(&user_id)?;
    state
        .store
        .remove_org_member(scope.org, user)
        .await
        .map_err(not_found_as("member"))?;
    tracing::info!(org = %scope.org, %user, by = %scope.principal.user.id, "org member removed");
    Ok(StatusCode::NO_CONTENT)
}
