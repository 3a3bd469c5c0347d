//! Downloads of the workspace's artifacts (large event payloads, files):
//! only content the workspace holds a row for, whatever the hash.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::routes::identity::not_found_as;
use crate::state::AppState;
use agentclash_core::ErrorCode;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The content of one artifact, with its media type. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/artifacts/{sha256}", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("sha256" = String, Path, description = "SHA-256 of the content (hex)")),
    responses((status = 200, description = "the content", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn download(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if agentclash_artifacts::validate_sha256_hex(&sha256).is_err() {
        return Err(ApiError::not_found("artifact"));
    }
    let meta = state
        .store
        .get_artifact(scope.id(), &sha256)
        .await
        .map_err(not_found_as("artifact"))?;
    let store = state.artifacts.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "artifact storage is not configured on this server",
        )
    })?;
    let bytes = store.get(&sha256).await.map_err(|e| {
        tracing::warn!(error = %e, sha256 = %sha256, "artifact read failed");
        ApiError::unavailable("artifact storage")
    })?;
    Ok(([(header::CONTENT_TYPE, meta.media_type)], bytes).into_response())
}
