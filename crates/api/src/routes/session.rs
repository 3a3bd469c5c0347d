//! Browser sign-in: email and password create a server-side session carried
//! by an HttpOnly, SameSite=Lax cookie; writes made with the cookie must echo
//! the session's CSRF token. Repeated wrong passwords are throttled.

use crate::auth::{Principal, SESSION_COOKIE, session_cookie};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use agentclash_core::ErrorCode;
use agentclash_store::users::User;
use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a session lasts.
const SESSION_DAYS: i64 = 7;

/// Body of `POST /v1/auth/login`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
}

/// What the browser learns about its session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    user: User,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

/// `POST /v1/auth/login`: verifies the password (as slowly for unknown
/// emails as for known ones) and sets the session cookie.
#[utoipa::path(post, path = "/v1/auth/login", tag = "session", request_body = Login,
    responses((status = 200, body = SessionInfo, description = "signed in; sets the session cookie"), (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 429, body = crate::error::ErrorEnvelope)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let email = agentclash_store::users::normalise_email(&body.email);
    if let Some(wait) = state.login_throttle.wait_for(&email) {
        return Err(ApiError::too_many_requests(
            "too many failed sign-ins for this account; retry later",
            wait,
        ));
    }
    let found = state.store.find_user_by_email(&email).await?;
    let stored = found.as_ref().and_then(|(_, h)| h.clone());
    let hash = stored
        .clone()
        .unwrap_or_else(|| agentclash_auth::decoy_hash().to_owned());
    let password = body.password;
    let matches = tokio::task::spawn_blocking(move || {
        agentclash_auth::verify_password(&password, &hash).unwrap_or(false)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let user = match (found, matches && stored.is_some()) {
        (Some((user, _)), true) => user,
        _ => {
            state.login_throttle.failed(&email);
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "wrong email or password",
            ));
        }
    };
    state.login_throttle.succeeded(&email);
    let cookie_value = agentclash_auth::mint_token().plaintext;
    let csrf_token = agentclash_auth::random_code(32);
    let expires_at = Utc::now() + Duration::days(SESSION_DAYS);
    state
        .store
        .create_session(
            user.id,
            &agentclash_auth::hash_token(&cookie_value).0,
            &csrf_token,
            expires_at,
        )
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={cookie_value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
        SESSION_DAYS * 86_400
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(&e))?,
    );
    Ok((
        headers,
        Json(SessionInfo {
            user,
            csrf_token,
            expires_at,
        }),
    )
        .into_response())
}

/// `GET /v1/auth/session`: the signed-in user and the CSRF token to send back.
#[utoipa::path(get, path = "/v1/auth/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::error::ErrorEnvelope)), security(("session" = [])))]
pub async fn current(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Json<SessionInfo>, ApiError> {
    let cookie = session_cookie(&parts)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "not signed in"))?;
    let session = state
        .store
        .find_session(&agentclash_auth::hash_token(&cookie).0)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "the session has expired; sign in again",
            )
        })?;
    Ok(Json(SessionInfo {
        user: session.user,
        csrf_token: session.csrf_token,
        expires_at: session.expires_at,
    }))
}

/// `POST /v1/auth/logout`: ends the cookie's session and clears the cookie.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "session",
    responses((status = 204, description = "signed out"), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    _principal: Principal,
    parts: Parts,
) -> Result<Response, ApiError> {
    if let Some(cookie) = session_cookie(&parts) {
        state
            .store
            .revoke_session(&agentclash_auth::hash_token(&cookie).0)
            .await?;
    }
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(|e| ApiError::internal(&e))?,
    );
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}
