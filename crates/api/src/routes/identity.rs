//! The caller, their API tokens, organizations and workspaces.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::invitations::invitation_error;
use crate::state::AppState;
use agentclash_core::{ErrorCode, OrgRole, OrganizationId, TokenId};
use agentclash_store::page::Page;
use agentclash_store::tenancy::{Organization, Workspace};
use agentclash_store::users::{ApiToken, User};
use axum::Json;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

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

/// `limit` and `cursor` of the identity lists (tokens, organizations,
/// workspaces, members, invitations): the cursor is an id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1..=100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<Uuid>,
}

impl ListQuery {
    /// The validated page size.
    pub(crate) fn limit(&self) -> Result<u32, ApiError> {
        page_limit(self.limit)
    }

    /// The cursor as the list's id type.
    pub(crate) fn cursor<T: From<Uuid>>(&self) -> Option<T> {
        self.cursor.map(T::from)
    }
}

/// A requested page size: 1..=100, 20 when absent.
pub(crate) fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(20);
    if (1..=100).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request("`limit` must be between 1 and 100"))
    }
}

/// `GET /v1/auth/tokens`: the caller's tokens (metadata only), newest first.
#[utoipa::path(get, path = "/v1/auth/tokens", tag = "identity", params(ListQuery),
    responses((status = 200, body = Page<ApiToken>), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<ApiToken>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_api_tokens(principal.user.id, q.limit()?, q.cursor())
            .await?,
    ))
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

/// `GET /v1/organizations`: the caller's organizations, by slug.
#[utoipa::path(get, path = "/v1/organizations", tag = "identity", params(ListQuery),
    responses((status = 200, body = Page<Organization>), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Organization>>, ApiError> {
    Ok(Json(
        state
            .store
            .organizations_page(principal.user.id, q.limit()?, q.cursor())
            .await?,
    ))
}

/// `GET /v1/workspaces`: every workspace the caller can reach, with their
/// role, oldest first.
#[utoipa::path(get, path = "/v1/workspaces", tag = "identity", params(ListQuery),
    responses((status = 200, body = Page<Workspace>), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn list_workspaces(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Workspace>>, ApiError> {
    Ok(Json(
        state
            .store
            .workspaces_page(principal.user.id, q.limit()?, q.cursor())
            .await?,
    ))
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

/// Shortest accepted password, in characters.
const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password, in bytes (bounds the hashing work).
const MAX_PASSWORD_BYTES: usize = 1024;

/// Body of `POST /v1/users`. Not `Debug`: it holds a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    /// Login email (stored in lower case).
    email: String,
    /// At least 12 characters.
    password: String,
    /// Name shown in the UI [default: the part of the email before `@`].
    #[serde(default)]
    display_name: Option<String>,
    /// An invitation to accept in the same step; required unless the
    /// server allows open sign-up. The invited email must be `email`.
    #[serde(default)]
    invitation_token: Option<String>,
}

/// A new account, and the workspace its invitation opened.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedUp {
    user: User,
    /// The workspace joined through the invitation, if one was given.
    workspace: Option<Workspace>,
}

/// The peer's IP address, when the server records it (`serve` does).
pub(crate) struct ClientIp(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// `POST /v1/users`: creates an account. Needs a valid invitation token
/// (accepted in the same transaction) unless the server runs with
/// `API_OPEN_SIGNUP=1`. Throttled per client IP. The caller then signs in
/// with `POST /v1/auth/login`.
#[utoipa::path(post, path = "/v1/users", tag = "identity", request_body = SignUp,
    responses((status = 201, body = SignedUp), (status = 400, body = crate::error::ErrorEnvelope, description = "invalid field, or `expired_token` for an expired invitation"),
        (status = 403, body = crate::error::ErrorEnvelope, description = "sign-up needs an invitation, or the invitation is for another email"),
        (status = 404, body = crate::error::ErrorEnvelope, description = "unknown or revoked invitation"),
        (status = 409, body = crate::error::ErrorEnvelope, description = "the email is taken, or the invitation was used"),
        (status = 429, body = crate::error::ErrorEnvelope)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<SignUp>,
) -> Result<(StatusCode, Json<SignedUp>), ApiError> {
    let key = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    state.signup_limit.check(&key).map_err(|wait| {
        ApiError::too_many_requests("too many sign-ups from this address; retry later", wait)
    })?;
    if body.invitation_token.is_none() && !state.open_signup {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this server only accepts sign-ups with an invitation: pass `invitation_token`",
        ));
    }
    let email = valid_email(&body.email)?;
    if body.password.chars().count() < MIN_PASSWORD_CHARS
        || body.password.len() > MAX_PASSWORD_BYTES
    {
        return Err(ApiError::bad_request(format!(
            "`password` must be {MIN_PASSWORD_CHARS} characters to {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let display_name = match body.display_name.as_deref().map(str::trim) {
        None | Some("") => email.split('@').next().unwrap_or_default().to_owned(),
        Some(name) if name.chars().count() <= 200 => name.to_owned(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "`display_name` must be at most 200 characters",
            ));
        }
    };
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || agentclash_auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    let signed_up = match body.invitation_token {
        Some(token) => {
            let (user, workspace) = state
                .store
                .sign_up_with_invitation(
                    &email,
                    &display_name,
                    &hash,
                    &agentclash_auth::hash_token(token.trim()).0,
                )
                .await
                .map_err(invitation_error)?;
            SignedUp {
                user,
                workspace: Some(workspace),
            }
        }
        None => SignedUp {
            user: state
                .store
                .create_user(&email, &display_name, Some(&hash))
                .await?,
            workspace: None,
        },
    };
    tracing::info!(user = %signed_up.user.id, invited = signed_up.workspace.is_some(), "user signed up");
    Ok((StatusCode::CREATED, Json(signed_up)))
}

/// A plausible email, normalised (trimmed, lower case): one `@` with text
/// on both sides, no whitespace, at most 254 characters.
pub(crate) fn valid_email(raw: &str) -> Result<String, ApiError> {
    let email = agentclash_store::users::normalise_email(raw);
    let ok = email.chars().count() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if ok {
        Ok(email)
    } else {
        Err(ApiError::bad_request("`email` must be an email address"))
    }
}
