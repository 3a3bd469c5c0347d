//! Workspace secrets. Values go in, never out: list returns names and
//! timestamps; values are encrypted before they reach the store and are
//! never logged or echoed.

use crate::auth::WorkspaceScope;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::{not_found_as, page_limit};
use crate::state::AppState;
use agentclash_core::{ErrorCode, WorkspaceRole};
use agentclash_store::secrets::SecretPage;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

/// Largest accepted secret value.
const MAX_VALUE_BYTES: usize = 64 * 1024;

/// `limit` and `cursor` of the secrets list: secrets are keyed by name, so
/// the cursor is the last name of the previous page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SecretListQuery {
    /// Page size, 1..=100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Names and timestamps of the workspace's secrets, by name. Member role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/secrets", operation_id = "list_secrets", tag = "secrets", params(("workspace_id" = String, Path, description = "Workspace id"), SecretListQuery),
    responses((status = 200, body = SecretPage), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<SecretListQuery>,
) -> Result<Json<SecretPage>, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    Ok(Json(
        state
            .store
            .list_secrets(scope.id(), page_limit(q.limit)?, q.cursor.as_deref())
            .await?,
    ))
}

/// Body of a secret write. The value is not `Debug`-printed anywhere.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutSecret {
    value: String,
}

/// Creates (201) or replaces (204) a secret. Admin role.
#[utoipa::path(put, path = "/v1/workspaces/{workspace_id}/secrets/{name}", tag = "secrets", params(("workspace_id" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Secret name")),
    request_body = PutSecret,
    responses((status = 201, description = "created"), (status = 204, description = "replaced"), (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 503, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<PutSecret>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    validate_name(&name)?;
    if body.value.is_empty() || body.value.len() > MAX_VALUE_BYTES {
        return Err(ApiError::bad_request("`value` must be 1 byte to 64 KiB"));
    }
    let secret_box = state.secret_box.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "secrets are not configured on this server: set AGENTCLASH_SECRETS_KEY",
        )
    })?;
    let sealed = secret_box
        .seal(&secret_context(&scope, &name), body.value.as_bytes())
        .map_err(|e| ApiError::internal(&e))?;
    let created = state
        .store
        .put_secret(scope.id(), &name, &sealed, scope.principal.user.id)
        .await?;
    Ok(if created {
        StatusCode::CREATED
    } else {
        StatusCode::NO_CONTENT
    })
}

/// Deletes a secret. Admin role.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/secrets/{name}", tag = "secrets", params(("workspace_id" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Secret name")),
    responses((status = 204, description = "deleted"), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    validate_name(&name)?;
    state
        .store
        .delete_secret(scope.id(), &name)
        .await
        .map_err(not_found_as("secret"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the ciphertext is bound to: moving it to another workspace or name
/// makes it undecryptable.
pub(crate) fn secret_context(scope: &WorkspaceScope, name: &str) -> String {
    agentclash_auth::workspace_secret_context(scope.id(), name)
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok = (1..=128).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "secret names are 1 to 128 letters, digits or underscores, not starting with a digit",
        ))
    }
}
