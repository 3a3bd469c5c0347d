//! Device authorisation (RFC 8628 shape) for `agentclash auth login --device`:
//! the CLI gets a device code and a short user code, a signed-in user
//! approves or denies the user code, the CLI polls and receives a token once.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::identity::{mint_token, not_found_as};
use crate::state::AppState;
use agentclash_core::ErrorCode;
use agentclash_store::device::DevicePoll;
use axum::Json;
use axum::extract::State;
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a code stays valid.
const EXPIRES_IN_SECS: i64 = 600;
/// How often the CLI may poll.
const INTERVAL_SECS: i64 = 2;

/// Body of `POST /v1/auth/device/code`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Names the token the CLI will receive (e.g. "agentclash CLI on laptop").
    #[serde(default)]
    client_name: Option<String>,
}

/// What the CLI shows the user and polls with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: i64,
    interval: i64,
}

/// `POST /v1/auth/device/code` (no authentication).
#[utoipa::path(post, path = "/v1/auth/device/code", tag = "device", request_body = CodeRequest,
    responses((status = 200, body = CodeResponse), (status = 400, body = crate::error::ErrorEnvelope)))]
pub async fn code(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<CodeResponse>, ApiError> {
    let client_name = body
        .client_name
        .unwrap_or_else(|| "agentclash CLI".to_owned());
    let client_name = client_name.trim();
    if client_name.is_empty() || client_name.chars().count() > 80 {
        return Err(ApiError::bad_request(
            "`client_name` must be 1 to 80 characters",
        ));
    }
    let device_code = agentclash_auth::mint_token().plaintext;
    let raw = agentclash_auth::random_code(8);
    let user_code = format!("{}-{}", &raw[..4], &raw[4..]);
    state
        .store
        .create_device_authorization(
            &agentclash_auth::hash_token(&device_code).0,
            &user_code,
            client_name,
            Utc::now() + Duration::seconds(EXPIRES_IN_SECS),
        )
        .await?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:8080");
    let verification_uri = format!("http://{host}/device");
    Ok(Json(CodeResponse {
        verification_uri_complete: format!("{verification_uri}?user_code={user_code}"),
        verification_uri,
        device_code,
        user_code,
        expires_in: EXPIRES_IN_SECS,
        interval: INTERVAL_SECS,
    }))
}

/// Body of `POST /v1/auth/device/token`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    device_code: String,
}

/// The token handed to the CLI.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
}

/// `POST /v1/auth/device/token` (no authentication): pending, slow down,
/// denied and expired are distinct error codes; an approved code yields its
/// token exactly once.
#[utoipa::path(post, path = "/v1/auth/device/token", tag = "device", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = crate::error::ErrorEnvelope, description = "authorization_pending, slow_down, access_denied or expired_token")))]
pub async fn token(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let hash = agentclash_auth::hash_token(&body.device_code);
    match state
        .store
        .poll_device_authorization(&hash.0, INTERVAL_SECS)
        .await?
    {
        DevicePoll::Pending => Err(ApiError::new(
            ErrorCode::AuthorizationPending,
            "waiting for the user to approve the code",
        )),
        DevicePoll::SlowDown => Err(ApiError::new(
            ErrorCode::SlowDown,
            format!("poll at most every {INTERVAL_SECS} s"),
        )),
        DevicePoll::Denied => Err(ApiError::new(
            ErrorCode::AccessDenied,
            "the request was denied",
        )),
        DevicePoll::Expired => Err(ApiError::new(
            ErrorCode::ExpiredToken,
            "the code expired or was already used; start again",
        )),
        DevicePoll::Approved { user, client_name } => {
            let (_, access_token) =
                mint_token(&state, &user, &format!("device: {client_name}"), None).await?;
            Ok(Json(TokenResponse {
                access_token,
                token_type: "bearer",
            }))
        }
    }
}

/// Body of approve and deny.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    user_code: String,
}

/// `POST /v1/auth/device/approve`: the signed-in user lets the CLI in as them.
#[utoipa::path(post, path = "/v1/auth/device/approve", tag = "device", request_body = Decision,
    responses((status = 204, description = "approved"), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<Decision>,
) -> Result<StatusCode, ApiError> {
    decide(&state, &principal, &body.user_code, true).await
}

/// `POST /v1/auth/device/deny`.
#[utoipa::path(post, path = "/v1/auth/device/deny", tag = "device", request_body = Decision,
    responses((status = 204, description = "denied"), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)), security(("bearer" = []), ("session" = [])))]
pub async fn deny(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<Decision>,
) -> Result<StatusCode, ApiError> {
    decide(&state, &principal, &body.user_code, false).await
}

async fn decide(
    state: &AppState,
    principal: &Principal,
    user_code: &str,
    approve: bool,
) -> Result<StatusCode, ApiError> {
    let user_code = user_code.trim().to_uppercase();
    state
        .store
        .decide_device_authorization(&user_code, principal.user.id, approve)
        .await
        .map_err(not_found_as("pending device code"))?;
    Ok(StatusCode::NO_CONTENT)
}
