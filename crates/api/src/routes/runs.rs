//! Runs of a workspace. For now a run carries only a name and is driven
//! through its lifecycle by `RunWorkflow`; the run-engine issue adds the pack
//! version, input set and deployments.

use crate::auth::WorkspaceScope;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::not_found_as;
use crate::state::AppState;
use agentclash_core::{ErrorCode, RunId, WorkspaceRole};
use agentclash_store::runs::{Run, RunPage, RunStatusChange};
use agentclash_workflows::RunWorkflowInput;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/workspaces/{workspace_id}/runs`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRun {
    /// Human label; defaults to "wiring run".
    #[serde(default)]
    name: Option<String>,
}

/// Stores the run as `queued` and starts its `RunWorkflow`. When Temporal
/// cannot take it, the run is marked failed with the reason (never left in
/// `queued`) and the answer is 503. Needs the member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/runs", tag = "runs", params(("workspace_id" = String, Path, description = "Workspace id")), request_body = CreateRun,
    responses((status = 201, body = Run), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope), (status = 503, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateRun>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let name = body.name.unwrap_or_else(|| "wiring run".to_owned());
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("`name` must be 1 to 200 characters"));
    }
    let workspace = scope.id();
    let run = state.store.create_run(workspace, name).await?;
    let input = RunWorkflowInput {
        workspace_id: workspace,
        run_id: run.id,
    };
    let started = match state.temporal.client().await {
        Ok(client) => agentclash_workflows::start_run(&client, &state.task_queue, input).await,
        Err(e) => Err(e),
    };
    if let Err(e) = started {
        tracing::warn!(run_id = %run.id, error = %e, "could not start the run workflow");
        state.temporal.invalidate().await;
        state
            .store
            .fail_run(
                workspace,
                run.id,
                &format!("could not start the run workflow: {}", e.brief()),
            )
            .await?;
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "Temporal is unavailable; the run was recorded as failed. Retry in a moment",
        ));
    }
    Ok((StatusCode::CREATED, Json(run)))
}

/// Query of the run list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRuns {
    /// Page size, 1..=100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<RunId>,
}

/// Newest first, cursor-paginated. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs", tag = "runs", params(("workspace_id" = String, Path, description = "Workspace id"), ListRuns),
    responses((status = 200, body = RunPage), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(query): ApiQuery<ListRuns>,
) -> Result<Json<RunPage>, ApiError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("`limit` must be between 1 and 100"));
    }
    Ok(Json(
        state
            .store
            .list_runs(scope.id(), limit, query.cursor)
            .await?,
    ))
}

/// A run with its lifecycle history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    run: Run,
    status_history: Vec<RunStatusChange>,
}

/// One run with its status history. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 200, body = RunDetail), (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run_id)): Path<(String, String)>,
) -> Result<Json<RunDetail>, ApiError> {
    let run_id: RunId = run_id.parse().map_err(|_| ApiError::not_found("run"))?;
    let run = state
        .store
        .get_run(scope.id(), run_id)
        .await
        .map_err(not_found_as("run"))?;
    let status_history = state.store.run_history(scope.id(), run_id).await?;
    Ok(Json(RunDetail {
        run,
        status_history,
    }))
}
