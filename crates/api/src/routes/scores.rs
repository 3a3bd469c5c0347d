//! Scores of a run: a lane's scorecard, the run's ranking with "why the
//! winner won", and the failed cases with their failure class. Each answers
//! 202 while the run is still being executed or scored.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::routes::agents::parse_id;
use crate::routes::identity::not_found_as;
use crate::state::AppState;
use agentclash_core::{RunAgentId, RunId, WorkspaceRole};
use agentclash_store::scores::RescoreState;
use agentclash_workflows::RescoreInput;
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

/// The run named by a path segment, in the caller's workspace (404 otherwise).
async fn run_in(
    state: &AppState,
    scope: &WorkspaceScope,
    raw: &str,
) -> Result<(RunId, agentclash_store::runs::Run), ApiError> {
    let id: RunId = parse_id(raw, "run")?;
    let run = state
        .store
        .get_run(scope.id(), id)
        .await
        .map_err(not_found_as("run"))?;
    Ok((id, run))
}

/// The lane named by a path segment, in the caller's workspace (404 otherwise).
pub(crate) async fn lane_in(
    state: &AppState,
    scope: &WorkspaceScope,
    raw: &str,
) -> Result<(RunAgentId, agentclash_store::lanes::RunAgent), ApiError> {
    let id: RunAgentId = parse_id(raw, "run agent")?;
    let lane = state
        .store
        .get_run_agent(scope.id(), id)
        .await
        .map_err(not_found_as("run agent"))?;
    Ok((id, lane))
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
    let (lane, agent) = lane_in(&state, &scope, &lane).await?;
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
    let (run, found) = run_in(&state, &scope, &run).await?;
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
    let (run, _) = run_in(&state, &scope, &run).await?;
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

/// Re-scores a finished run from its stored evidence with the current
/// scoring code: every validator, dimension and judge again (judges are
/// the only model calls; no agent runs, no sandbox starts), then new
/// scorecards and ranking. 202 with the pass's state; follow it with
/// `GET …/rescore`. 409 while the run is going or a pass is running.
/// Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/rescore", tag = "scores",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 202, body = RescoreState), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn rescore(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run)): Path<(String, String)>,
) -> Result<(StatusCode, Json<RescoreState>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let (run, _) = run_in(&state, &scope, &run).await?;
    let generation = state.store.begin_rescore(scope.id(), run).await?;
    let input = RescoreInput {
        workspace_id: scope.id(),
        run_id: run,
        generation,
    };
    let started = match state.temporal.client().await {
        Ok(client) => agentclash_workflows::start_rescore(&client, &state.task_queue, input).await,
        Err(e) => Err(e),
    };
    if let Err(e) = started {
        tracing::warn!(run_id = %run, error = %e, "could not start re-scoring");
        state.temporal.invalidate().await;
        let why = format!("could not start re-scoring: {}", e.brief());
        state
            .store
            .finish_rescore(scope.id(), run, generation, Some(&why))
            .await?;
        return Err(ApiError::unavailable("Temporal"));
    }
    let pass = state.store.rescore_state(scope.id(), run).await?;
    Ok((StatusCode::ACCEPTED, Json(pass)))
}

/// Where the run's latest re-scoring pass stands. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/rescore", operation_id = "get_rescore", tag = "scores",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 200, body = RescoreState), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn rescore_state(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run)): Path<(String, String)>,
) -> Result<Json<RescoreState>, ApiError> {
    let run: RunId = parse_id(&run, "run")?;
    let pass = state
        .store
        .rescore_state(scope.id(), run)
        .await
        .map_err(not_found_as("run"))?;
    Ok(Json(pass))
}

/// One case's full score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseScoreItem {
    /// The case.
    case_key: String,
    /// Every validator verdict (state, score, reason, evidence, producing
    /// event), judge result (samples with their call events), metric,
    /// dimension, the overall score and pass/fail; absent until scored.
    #[schema(value_type = Option<Object>)]
    score: Option<Value>,
}

/// Every case's score of a lane, in run order: the detail behind the
/// scorecard. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/case-scores", tag = "scores",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_agent_id" = String, Path, description = "Run agent (lane) id")),
    responses((status = 200, body = crate::routes::identity::Items<CaseScoreItem>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn case_scores(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, lane)): Path<(String, String)>,
) -> Result<Json<crate::routes::identity::Items<CaseScoreItem>>, ApiError> {
    let (lane, _) = lane_in(&state, &scope, &lane).await?;
    let items = state
        .store
        .case_scores(scope.id(), lane)
        .await?
        .into_iter()
        .map(|row| CaseScoreItem {
            case_key: row.case_key,
            score: row.score,
        })
        .collect();
    Ok(Json(crate::routes::identity::Items::new(items)))
}
