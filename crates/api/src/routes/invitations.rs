//! Workspace invitations: admins invite an email with a role; the token is
//! shown once and stored as a SHA-256 hash; the invited person accepts it
//! signed in (`POST /v1/invitations/accept`) or while signing up
//! (`POST /v1/users`).
//!
//! Redeeming answers, distinctly: 404 unknown or revoked token, 400
//! `expired_token` after the 7-day expiry, 409 already used or already a
//! member, 403 when the signed-in user's email is not the invited one (the
//! email must match, case-insensitively, so a leaked token cannot admit
//! somebody else).

use crate::auth::{Principal, WorkspaceScope};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::{ListQuery, not_found_as, valid_email};
use crate::state::AppState;
use agentclash_core::{ErrorCode, WorkspaceRole};
use agentclash_store::invitations::{Invitation, InvitationError, NewInvitation};
use agentclash_store::page::Page;
use agentclash_store::tenancy::Workspace;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long an invitation can be accepted.
const INVITATION_DAYS: i64 = 7;

/// Body of `POST …/invitations`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitation {
    /// Who may accept it.
    email: String,
    /// The role it grants.
    role: WorkspaceRole,
}

/// An invitation as created: the only time its token is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    #[serde(flatten)]
    invitation: Invitation,
    /// Give this to the invited person; it is never shown again.
    token: String,
}

/// Body of `POST /v1/invitations/accept`. Not `Debug`: it holds a token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    token: String,
}

/// Maps a failed redemption to its documented answer.
pub(crate) fn invitation_error(e: InvitationError) -> ApiError {
    match e {
        InvitationError::Unknown => {
            ApiError::new(ErrorCode::NotFound, "unknown or revoked invitation")
        }
        InvitationError::Expired => ApiError::new(
            ErrorCode::ExpiredToken,
            "the invitation has expired; ask for a new one",
        ),
        InvitationError::Used | InvitationError::AlreadyMember => {
            ApiError::new(ErrorCode::Conflict, e.to_string())
        }
        InvitationError::EmailMismatch => ApiError::new(
            ErrorCode::Forbidden,
            "the invitation was sent to another email address; sign in as that user",
        ),
        InvitationError::Store(e) => e.into(),
    }
}

/// Invites an email to the workspace with a role; re-inviting the same
/// email replaces its pending invitation. Admin role; 409 when the email
/// already belongs to a member.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/invitations", operation_id = "create_invitation", tag = "members",
    params(("workspace_id" = String, Path, description = "Workspace id")), request_body = CreateInvitation,
    responses((status = 201, body = CreatedInvitation), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateInvitation>,
) -> Result<(StatusCode, Json<CreatedInvitation>), ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    let email = valid_email(&body.email)?;
    let minted = agentclash_auth::mint_with_prefix(agentclash_auth::INVITATION_PREFIX);
    let invitation = state
        .store
        .create_invitation(
            scope.id(),
            &NewInvitation {
                email: &email,
                role: body.role,
                token_hash: &minted.hash.0,
                expires_at: Utc::now() + Duration::days(INVITATION_DAYS),
                invited_by: scope.principal.user.id,
            },
        )
        .await?;
    tracing::info!(workspace = %scope.id(), invitation = %invitation.id, by = %scope.principal.user.id, "invitation created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedInvitation {
            invitation,
            token: minted.plaintext,
        }),
    ))
}

/// The workspace's pending invitations (never their tokens), newest first.
/// Admin role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/invitations", operation_id = "list_invitations", tag = "members",
    params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<Invitation>), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Invitation>>, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    Ok(Json(
        state
            .store
            .list_pending_invitations(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// Revokes an invitation (idempotent). Admin role; 409 once accepted.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/invitations/{invitation_id}", tag = "members",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("invitation_id" = String, Path, description = "Invitation id")),
    responses((status = 204, description = "revoked"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    let id = id.parse().map_err(|_| ApiError::not_found("invitation"))?;
    state
        .store
        .revoke_invitation(scope.id(), id)
        .await
        .map_err(not_found_as("invitation"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts an invitation as the signed-in user (whose email must be the
/// invited one): adds them to the workspace with the invited role, and to
/// its organization as `org_member` if they are not in it yet.
#[utoipa::path(post, path = "/v1/invitations/accept", tag = "members", request_body = AcceptInvitation,
    responses((status = 200, body = Workspace, description = "the workspace joined, with the caller's role"),
        (status = 400, body = ErrorEnvelope, description = "`expired_token`: the invitation has expired"),
        (status = 403, body = ErrorEnvelope, description = "the invitation is for another email"),
        (status = 404, body = ErrorEnvelope, description = "unknown or revoked invitation"),
        (status = 409, body = ErrorEnvelope, description = "already used, or already a member")),
    security(("bearer" = []), ("session" = [])))]
pub async fn accept(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<AcceptInvitation>,
) -> Result<Json<Workspace>, ApiError> {
    let hash = agentclash_auth::hash_token(body.token.trim());
    let workspace = state
        .store
        .accept_invitation(&principal.user, &hash.0)
        .await
        .map_err(invitation_error)?;
    tracing::info!(workspace = %workspace.id, user = %principal.user.id, "invitation accepted");
    Ok(Json(workspace))
}
