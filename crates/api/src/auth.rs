//! Authentication and tenancy, enforced in one place: extractors.
//!
//! [`Principal`] turns a bearer API token into a user (401 otherwise).
//! [`WorkspaceScope`] additionally resolves the `{workspace_id}` path segment
//! to the caller's effective role there; a workspace the caller cannot reach
//! is answered 404, exactly like one that does not exist.

use crate::error::ApiError;
use crate::state::AppState;
use agentclash_core::{ErrorCode, TokenId, WorkspaceId, WorkspaceRole};
use agentclash_store::tenancy::Workspace;
use agentclash_store::users::User;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who.
    pub user: User,
    /// With which token.
    pub token: TokenId,
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthorized("send an API token as `Authorization: Bearer <token>`"))?;
        let hash = agentclash_auth::hash_token(presented);
        let (user, token) = state
            .store
            .authenticate_token(&hash.0)
            .await?
            .ok_or_else(|| unauthorized("the API token is invalid, expired or revoked"))?;
        let principal = Principal { user, token };
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

/// The caller inside the workspace named by the `{workspace_id}` path segment.
#[derive(Debug, Clone)]
pub struct WorkspaceScope {
    /// The caller.
    pub principal: Principal,
    /// The workspace, with the caller's effective role.
    pub workspace: Workspace,
}

impl WorkspaceScope {
    /// The workspace id every repository call must be scoped by.
    pub fn id(&self) -> WorkspaceId {
        self.workspace.id
    }

    /// 403 unless the caller's role includes `needed`.
    pub fn require(&self, needed: WorkspaceRole) -> Result<(), ApiError> {
        if self.workspace.role.includes(needed) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "this needs the {needed} role; you are {}",
                    self.workspace.role
                ),
            ))
        }
    }
}

impl FromRequestParts<AppState> for WorkspaceScope {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::internal(&"workspace route without path parameters"))?;
        let raw = params
            .iter()
            .find(|(name, _)| *name == "workspace_id")
            .map(|(_, value)| value.to_owned())
            .ok_or_else(|| ApiError::internal(&"workspace route without {workspace_id}"))?;
        let not_found = || ApiError::not_found("workspace");
        let id: WorkspaceId = raw.parse().map_err(|_| not_found())?;
        let workspace = state
            .store
            .workspace_for_user(principal.user.id, id)
            .await?
            .ok_or_else(not_found)?;
        Ok(Self {
            principal,
            workspace,
        })
    }
}
