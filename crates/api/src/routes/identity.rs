//! The caller, their API tokens, organizations and workspaces.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use agentclash_core::{ErrorCode, OrgRole, OrganizationId, TokenId};
use agentclash_store::tenancy::{Organization, Workspace};
use agentclash_store::users::{ApiToken, User};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// `GET /v1/users/me`.
#[utoipa::path(get, path = "/v1/users/me", tag = "identity",
    responses((status = 200, body = User), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn me(principal: Principal) -> Json<User> {
    Json(principal.user)
}

/// A list response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    items: Vec<T>,
}

impl<T> Items<T> {
    /// Wraps a complete (unpaginated) list.
    pub fn new(items: Vec<T>) -> Self {
        Self { items }
    }
}

/// `GET /v1/auth/tokens`: the caller's tokens (metadata only).
#[utoipa::path(get, path = "/v1/auth/tokens", tag = "identity",
    responses((status = 200, body = Items<ApiToken>), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Items<ApiToken>>, ApiError> {
    Ok(Json(Items {
        items: state.store.list_api_tokens(principal.user.id).await?,
    }))
}

/// Body of `POST /v1/auth/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    name: String,
    /// Lifetime in days (1..=3650); no expiry when absent.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

/// A token as created: the only time its plaintext is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    meta: ApiToken,
    token: String,
}

/// `POST /v1/auth/tokens`.
#[utoipa::path(post, path = "/v1/auth/tokens", tag = "identity", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request("`name` must be 1 to 100 characters"));
    }
    let expires_at = match body.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(Utc::now() + Duration::days(i64::from(days))),
        Some(_) => {
            return Err(ApiError::bad_request(
                "`expires_in_days` must be between 1 and 3650",
            ));
        }
    };
    let (meta, token) = mint_token(&state, &principal.user, name, expires_at).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { meta, token })))
}

/// Mints and stores a token for `user`; returns its metadata and plaintext.
pub(crate) async fn mint_token(
    state: &AppState,
    user: &User,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(ApiToken, String), ApiError> {
    let minted = agentclash_auth::mint_token();
    let meta = state
        .store
        .create_api_token(
            user.id,
            name,
            &minted.hash.0,
            &minted.display_prefix,
            expires_at,
        )
        .await?;
    Ok((meta, minted.plaintext))
}

/// `DELETE /v1/auth/tokens/{token_id}`: revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/v1/auth/tokens/{token_id}", tag = "identity",
    params(("token_id" = String, Path, description = "Token id")),
    responses((status = 204, description = "revoked"), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: TokenId = token_id.parse().map_err(|_| ApiError::not_found("token"))?;
    state
        .store
        .revoke_api_token(principal.user.id, id)
        .await
        .map_err(not_found_as("token"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/organizations`.
#[utoipa::path(get, path = "/v1/organizations", tag = "identity",
    responses((status = 200, body = Items<Organization>), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Items<Organization>>, ApiError> {
    Ok(Json(Items {
        items: state
            .store
            .organizations_for_user(principal.user.id)
            .await?,
    }))
}

/// `GET /v1/workspaces`: every workspace the caller can reach, with their role.
#[utoipa::path(get, path = "/v1/workspaces", tag = "identity",
    responses((status = 200, body = Items<Workspace>), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn list_workspaces(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Items<Workspace>>, ApiError> {
    Ok(Json(Items {
        items: state.store.workspaces_for_user(principal.user.id).await?,
    }))
}

/// Body of `POST /v1/workspaces`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspace {
    organization_id: OrganizationId,
    slug: String,
    name: String,
}

/// `POST /v1/workspaces`: org admins create workspaces in their organization.
#[utoipa::path(post, path = "/v1/workspaces", tag = "identity", request_body = CreateWorkspace,
    responses((status = 201, body = Workspace), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_workspace(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateWorkspace>,
) -> Result<(StatusCode, Json<Workspace>), ApiError> {
    validate_slug(&body.slug)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("`name` must be 1 to 200 characters"));
    }
    match state
        .store
        .org_role(principal.user.id, body.organization_id)
        .await?
    {
        Some(OrgRole::Admin) => {}
        Some(OrgRole::Member) => {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "only org admins can create workspaces",
            ));
        }
        None => return Err(ApiError::not_found("organization")),
    }
    let ws = state
        .store
        .create_workspace(principal.user.id, body.organization_id, &body.slug, name)
        .await?;
    Ok((StatusCode::CREATED, Json(ws)))
}

/// Slugs: lowercase letters, digits and dashes, 1 to 63 characters.
pub(crate) fn validate_slug(slug: &str) -> Result<(), ApiError> {
    let ok = (1..=63).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "`slug` must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit",
        ))
    }
}

/// Maps the store's not-found to a 404 naming `what`.
pub(crate) fn not_found_as(
    what: &'static str,
) -> impl Fn(agentclash_store::StoreError) -> ApiError {
    move |e| match e {
        agentclash_store::StoreError::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}
