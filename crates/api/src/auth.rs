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

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "agentclash_session";
/// Header that must carry the session's CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A bearer API token (CLI, CI).
    Token(TokenId),
    /// A browser session cookie.
    Session,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who.
    pub user: User,
    /// With what.
    pub credential: Credential,
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
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let principal = match (bearer, session_cookie(parts)) {
            (Some(presented), _) => {
                let hash = agentclash_auth::hash_token(presented);
                let (user, token) = state
                    .store
                    .authenticate_token(&hash.0)
                    .await?
                    .ok_or_else(|| unauthorized("the API token is invalid, expired or revoked"))?;
                Principal {
                    user,
                    credential: Credential::Token(token),
                }
            }
            (None, Some(cookie)) => {
                let session = state
                    .store
                    .find_session(&agentclash_auth::hash_token(&cookie).0)
                    .await?
                    .ok_or_else(|| unauthorized("the session has expired; sign in again"))?;
                if !parts.method.is_safe() {
                    let sent = parts
                        .headers
                        .get(CSRF_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                        return Err(ApiError::new(
                            ErrorCode::Forbidden,
                            "cookie-authenticated writes need the session's CSRF token in `X-CSRF-Token`",
                        ));
                    }
                }
                Principal {
                    user: session.user,
                    credential: Credential::Session,
                }
            }
            (None, None) => {
                return Err(unauthorized(
                    "sign in, or send an API token as `Authorization: Bearer <token>`",
                ));
            }
        };
        let key = match &principal.credential {
            Credential::Token(id) => format!("token:{id}"),
            Credential::Session => format!("user:{}", principal.user.id),
        };
        state.caller_limit.check(&key).map_err(|wait| {
            ApiError::too_many_requests("too many requests for this caller; slow down", wait)
        })?;
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// Compares secrets without revealing, through timing, where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
        state
            .workspace_limit
            .check(&id.to_string())
            .map_err(|wait| {
                ApiError::too_many_requests("too many requests in this workspace; slow down", wait)
            })?;
        Ok(Self {
            principal,
            workspace,
        })
    }
}
