//! Scores of a run: a lane's scorecard, the run's ranking with "why the
//! winner won", and the failed cases with their failure class. Each answers
//! 202 while the run is still being executed or scored.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::routes::agents::parse_id;
use crate::routes::identity::not_found_as;
use crate::state::AppState;
use agentclash_core::{RunAgentId, RunId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

/// 202 with the current status, while there is nothing to show yet.
fn pending(status: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::ACCEPTED,
        Json(
            json!({"status": status, "message": "not scored yet; retry when the run is completed"}),
        ),
    )
}

/// A lane's scorecard: overall and per-dimension scores (mean and 95% CI
/// over its cases), pass rate, failures by class, degraded flag. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/scorecard", tag = "scores",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_agent_id" = String, Path, description = "Run agent (lane) id")),
    responses((status = 200, description = "the lane's scorecard", body = Object), (status = 202, description = "still running or scoring", body = Object),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn scorecard(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, lane)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let lane: RunAgentId = parse_id(&lane, "run agent")?;
    let agent = state
        .store
        .get_run_agent(scope.id(), lane)
        .await
        .map_err(not_found_as("run agent"))?;
    match state.store.scorecard(scope.id(), lane).await? {
        Some(card) => Ok((StatusCode::OK, Json(card))),
        None => Ok(pending(agent.status.as_str())),
    }
}

/// The run's ranking: lanes by overall score (ties broken by correctness,
/// then reliability), winner or tie, and why the winner won. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/ranking", tag = "scores",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 200, description = "the ranking", body = Object), (status = 202, description = "still running or scoring", body = Object),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn ranking(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let run: RunId = parse_id(&run, "run")?;
    let found = state
        .store
        .get_run(scope.id(), run)
        .await
        .map_err(not_found_as("run"))?;
    match state.store.ranking(scope.id(), run).await? {
        Some(ranking) => Ok((StatusCode::OK, Json(ranking))),
        None => Ok(pending(found.status.as_str())),
    }
}

/// One failed case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FailedCase {
    /// The lane.
    #[schema(value_type = String, format = Uuid)]
    run_agent_id: RunAgentId,
    /// The lane's label.
    label: String,
    /// The case.
    case_key: String,
    /// Failure class, whether the agent is at fault, and the evidence.
    #[schema(value_type = Object)]
    failure: Value,
}

/// The run's failed cases with their failure class (`incorrect_output`,
/// `tool_selection`, … `insufficient_evidence`). Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/failures", tag = "scores",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 200, body = crate::routes::identity::Items<FailedCase>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn failures(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run)): Path<(String, String)>,
) -> Result<Json<crate::routes::identity::Items<FailedCase>>, ApiError> {
    let run: RunId = parse_id(&run, "run")?;
    state
        .store
        .get_run(scope.id(), run)
        .await
        .map_err(not_found_as("run"))?;
    let mut items = Vec::new();
    for lane in state.store.list_run_agents(scope.id(), run).await? {
        for case in state.store.case_scores(scope.id(), lane.id).await? {
            if let Some(failure) = case.failure {
                items.push(FailedCase {
                    run_agent_id: lane.id,
                    label: lane.label.clone(),
                    case_key: case.case_key,
                    failure,
                });
            }
        }
    }
    Ok(Json(crate::routes::identity::Items::new(items)))
}
