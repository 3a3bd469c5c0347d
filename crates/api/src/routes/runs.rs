//! Runs of a workspace: admission (everything belongs to the workspace and
//! is runnable, deployments frozen into snapshots, one transaction), the
//! workflow start, cancellation, and the run's lanes, cases and events.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::agents::parse_id;
use crate::routes::identity::{Items, not_found_as};
use crate::state::AppState;
use agentclash_core::{
    DeploymentId, ErrorCode, PackVersionId, RunAgentId, RunId, RunStatus, WorkspaceRole,
};
use agentclash_store::StoreError;
use agentclash_store::events::{EventFilter, EventPage};
use agentclash_store::lanes::{NewLane, RunAgent, RunCase};
use agentclash_store::runs::{NewRun, Run, RunFilter, RunPage, RunStatusChange};
use agentclash_workflows::RunWorkflowInput;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Most lanes a run may have.
const MAX_LANES: usize = 16;

/// Body of `POST /v1/workspaces/{workspace_id}/runs`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRun {
    /// Human label; defaults to "<pack> v<version>".
    #[serde(default)]
    name: Option<String>,
    /// The published pack version to evaluate.
    #[schema(value_type = String, format = Uuid)]
    pack_version_id: PackVersionId,
    /// The input set whose cases run; defaults to the version's first.
    #[serde(default)]
    input_set_key: Option<String>,
    /// One lane per deployment (1..=16, no repeats).
    #[schema(value_type = Vec<String>)]
    deployment_ids: Vec<DeploymentId>,
    /// Only these cases, in this order; all of the input set when absent.
    #[serde(default)]
    case_keys: Option<Vec<String>>,
}

/// Checks a run request against the workspace and builds the run to store.
async fn admit(
    state: &AppState,
    scope: &WorkspaceScope,
    body: CreateRun,
) -> Result<NewRun, ApiError> {
    let ws = scope.id();
    let version = state
        .store
        .get_pack_version_by_id(ws, body.pack_version_id.0)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::bad_request("`pack_version_id`: no such pack version in this workspace")
            }
            other => other.into(),
        })?;
    let mode = version
        .normalized
        .pointer("/version/execution_mode")
        .and_then(|m| m.as_str())
        .unwrap_or("native");
    if !matches!(mode, "native" | "prompt_eval") {
        return Err(ApiError::bad_request(format!(
            "`pack_version_id`: execution mode `{mode}` is not supported by this server yet (native and prompt_eval are)"
        )));
    }
    let input_set_key = match body.input_set_key {
        Some(key) => key,
        None => version
            .normalized
            .pointer("/input_sets/0/key")
            .and_then(|k| k.as_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                ApiError::bad_request("`input_set_key`: the pack version has no input set")
            })?,
    };
    let all_cases = state
        .store
        .input_set_case_keys(ws, version.id, &input_set_key)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::bad_request(format!(
                "`input_set_key`: no input set `{input_set_key}` in this pack version"
            )),
            other => other.into(),
        })?;
    let case_keys = match body.case_keys {
        None => all_cases,
        Some(selected) => {
            let mut seen = BTreeSet::new();
            for (i, key) in selected.iter().enumerate() {
                if !all_cases.contains(key) {
                    return Err(ApiError::bad_request(format!(
                        "`case_keys[{i}]`: no case `{key}` in input set `{input_set_key}`"
                    )));
                }
                if !seen.insert(key) {
                    return Err(ApiError::bad_request(format!(
                        "`case_keys[{i}]`: `{key}` is listed twice"
                    )));
                }
            }
            selected
        }
    };
    if case_keys.is_empty() {
        return Err(ApiError::bad_request(
            "`case_keys`: the run would have no case",
        ));
    }
    if body.deployment_ids.is_empty() || body.deployment_ids.len() > MAX_LANES {
        return Err(ApiError::bad_request(format!(
            "`deployment_ids` must list 1 to {MAX_LANES} deployments"
        )));
    }
    let mut lanes = Vec::with_capacity(body.deployment_ids.len());
    for (i, id) in body.deployment_ids.iter().enumerate() {
        if body.deployment_ids[..i].contains(id) {
            return Err(ApiError::bad_request(format!(
                "`deployment_ids[{i}]`: {id} is listed twice"
            )));
        }
        let (snapshot_id, snapshot) =
            state
                .store
                .snapshot_deployment(ws, *id)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => ApiError::bad_request(format!(
                        "`deployment_ids[{i}]`: no such deployment in this workspace"
                    )),
                    StoreError::Conflict(why) => {
                        ApiError::bad_request(format!("`deployment_ids[{i}]`: {why}"))
                    }
                    other => other.into(),
                })?;
        lanes.push(NewLane {
            label: snapshot.deployment_name,
            deployment_id: *id,
            snapshot_id,
        });
    }
    let name = body
        .name
        .unwrap_or_else(|| format!("{} v{}", version.slug, version.version));
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("`name` must be 1 to 200 characters"));
    }
    Ok(NewRun {
        name: name.to_owned(),
        pack_version_id: Some(PackVersionId(version.id)),
        input_set_key: Some(input_set_key),
        case_keys,
        lanes,
    })
}

/// Stores the run as `queued` (with its lanes and cases) and starts its
/// `RunWorkflow`. When Temporal cannot take it, the run is marked failed with
/// the reason (never left in `queued`) and the answer is 503. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/runs", operation_id = "create_run", tag = "runs", params(("workspace_id" = String, Path, description = "Workspace id")), request_body = CreateRun,
    responses((status = 201, body = Run), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateRun>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let new = admit(&state, &scope, body).await?;
    let workspace = scope.id();
    let run = state.store.create_run(workspace, &new).await?;
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

/// Asks the run to stop: running cases are interrupted and their sandboxes
/// destroyed; the run ends `cancelled`. Idempotent; a finished run is
/// returned as it is. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/cancel", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 202, body = Run), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let run_id: RunId = parse_id(&run_id, "run")?;
    let run = state
        .store
        .get_run(scope.id(), run_id)
        .await
        .map_err(not_found_as("run"))?;
    if run.status.is_terminal() {
        return Ok((StatusCode::ACCEPTED, Json(run)));
    }
    let reason = format!("cancelled by {}", scope.principal.user.email);
    let client = state
        .temporal
        .client()
        .await
        .map_err(|_| ApiError::unavailable("Temporal"))?;
    let known = agentclash_workflows::cancel_run(&client, run_id, &reason)
        .await
        .map_err(|_| ApiError::unavailable("Temporal"))?;
    let run = if known {
        run
    } else {
        // No workflow to tell: record the cancellation here.
        state.store.cancel_open_cases(scope.id(), run_id).await?;
        state.store.cancel_run(scope.id(), run_id, &reason).await?
    };
    Ok((StatusCode::ACCEPTED, Json(run)))
}

/// Query of `GET …/runs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    /// Page size, 1..=100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<uuid::Uuid>,
    /// Only runs in this state (`queued`, `running`, `completed`, …).
    status: Option<String>,
    /// Only runs of this pack version.
    pack_version_id: Option<uuid::Uuid>,
}

impl RunListQuery {
    fn filter(&self) -> Result<RunFilter, ApiError> {
        let status = self
            .status
            .as_deref()
            .map(|s| {
                s.parse::<RunStatus>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "`status` must be one of queued, provisioning, running, scoring, completed, failed, cancelled (got {s:?})"
                    ))
                })
            })
            .transpose()?;
        Ok(RunFilter {
            status,
            pack_version: self.pack_version_id.map(PackVersionId::from),
        })
    }
}

/// Newest first, cursor-paginated, optionally only runs in one state or of
/// one pack version. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs", operation_id = "list_runs", tag = "runs", params(("workspace_id" = String, Path, description = "Workspace id"), RunListQuery),
    responses((status = 200, body = RunPage), (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(query): ApiQuery<RunListQuery>,
) -> Result<Json<RunPage>, ApiError> {
    let limit = crate::routes::identity::page_limit(query.limit)?;
    let filter = query.filter()?;
    let cursor = query.cursor.map(RunId::from);
    Ok(Json(
        state
            .store
            .list_runs(scope.id(), limit, cursor, &filter)
            .await?,
    ))
}

/// A run with its lifecycle history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    run: Run,
    status_history: Vec<RunStatusChange>,
    agents: Vec<RunAgent>,
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
    let agents = state.store.list_run_agents(scope.id(), run_id).await?;
    Ok(Json(RunDetail {
        run,
        status_history,
        agents,
    }))
}

/// Every case of every lane with its latest attempt's outcome. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/cases", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id")),
    responses((status = 200, body = Items<RunCase>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn cases(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run_id)): Path<(String, String)>,
) -> Result<Json<Items<RunCase>>, ApiError> {
    let run_id: RunId = parse_id(&run_id, "run")?;
    state
        .store
        .get_run(scope.id(), run_id)
        .await
        .map_err(not_found_as("run"))?;
    Ok(Json(Items::new(
        state.store.list_cases_of_run(scope.id(), run_id).await?,
    )))
}

/// Query of the event list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEvents {
    /// Only this lane (run agent id).
    run_agent_id: Option<String>,
    /// Only event types starting with this (e.g. `tool.`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    event_type: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1..=1000 (default 100).
    limit: Option<u32>,
}

/// The run's events in (lane, sequence) order, cursor-paginated. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runs/{run_id}/events", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_id" = String, Path, description = "Run id"), ListEvents),
    responses((status = 200, body = EventPage), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn events(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, run_id)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<ListEvents>,
) -> Result<Json<EventPage>, ApiError> {
    let run_id: RunId = parse_id(&run_id, "run")?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("`limit` must be between 1 and 1000"));
    }
    let lane = query
        .run_agent_id
        .map(|raw| {
            raw.parse::<RunAgentId>()
                .map_err(|_| ApiError::bad_request("`run_agent_id` is not a UUID"))
        })
        .transpose()?;
    let filter = EventFilter {
        lane,
        type_prefix: query.event_type,
        cursor: query.cursor,
        limit,
    };
    Ok(Json(
        state
            .store
            .list_events(scope.id(), run_id, &filter)
            .await
            .map_err(not_found_as("run"))?,
    ))
}
