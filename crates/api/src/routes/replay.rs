//! A lane's replay: steps folded from its events (`agentclash_core::replay`),
//! paged by step index, each step addressable, and an NDJSON export. Only
//! the events a page needs are read, so the first page of a long lane is as
//! fast as that of a short one.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::ApiQuery;
use crate::state::AppState;
use agentclash_core::replay::{ReplayStep, fold};
use agentclash_core::{RunAgentId, WorkspaceId};
use agentclash_store::Store;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Events read per database round trip while folding.
const CHUNK: u32 = 500;
/// Most events one page may read to complete its steps; steps still open
/// after that are shown as running.
const MAX_EVENTS_PER_PAGE: usize = 20_000;

/// Query of a replay page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReplayQuery {
    /// First step index (`next_cursor` of the previous page).
    cursor: Option<u64>,
    /// Steps per page, 1..=500 (default 100).
    limit: Option<u32>,
}

/// A page of replay steps.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayPage {
    /// The steps, by index.
    pub steps: Vec<ReplayStep>,
    /// Index of the next page's first step; absent on the last page.
    pub next_cursor: Option<u64>,
}

/// Steps `from .. from + count` of a lane (fewer at the end).
async fn steps(
    store: &Store,
    ws: WorkspaceId,
    lane: RunAgentId,
    from: u64,
    count: usize,
) -> Result<Vec<ReplayStep>, ApiError> {
    let Some(start) = store.replay_step_start(ws, lane, from).await? else {
        return Ok(Vec::new());
    };
    let mut events = Vec::new();
    let mut next = start;
    loop {
        let chunk = store.replay_events(ws, lane, next, CHUNK).await?;
        let exhausted = chunk.len() < CHUNK as usize;
        if let Some(last) = chunk.last() {
            next = last.sequence + 1;
        }
        events.extend(chunk);
        let folded = fold(&events, from);
        let settled = folded.len() > count && folded[..count].iter().all(|s| s.ended_at.is_some());
        if exhausted || settled || events.len() >= MAX_EVENTS_PER_PAGE {
            return Ok(folded.into_iter().take(count).collect());
        }
    }
}

async fn lane_of(
    state: &AppState,
    scope: &WorkspaceScope,
    raw: &str,
) -> Result<RunAgentId, ApiError> {
    crate::routes::scores::lane_in(state, scope, raw)
        .await
        .map(|(id, _)| id)
}

/// Query of `…/replay/locate`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    /// An event of the lane (e.g. the event a verdict cites as evidence).
    event_id: String,
}

/// Where an event sits in the replay.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StepLocation {
    /// Index of the step the event starts or continues.
    pub index: u64,
}

/// The replay step an event belongs to, so "view in replay" can open it
/// directly. 404 when the lane has no such event. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/locate", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_agent_id" = String, Path, description = "Run agent (lane) id"), LocateQuery),
    responses((status = 200, body = StepLocation), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn locate(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, lane)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<LocateQuery>,
) -> Result<Json<StepLocation>, ApiError> {
    let lane = lane_of(&state, &scope, &lane).await?;
    let event: uuid::Uuid = query
        .event_id
        .parse()
        .map_err(|_| ApiError::bad_request("`event_id` must be an event id (a UUID)"))?;
    state
        .store
        .replay_step_of_event(scope.id(), lane, event)
        .await?
        .map(|index| Json(StepLocation { index }))
        .ok_or_else(|| ApiError::not_found("event"))
}

/// A page of a lane's replay. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_agent_id" = String, Path, description = "Run agent (lane) id"), ReplayQuery),
    responses((status = 200, body = ReplayPage), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn page(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, lane)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<ReplayQuery>,
) -> Result<Json<ReplayPage>, ApiError> {
    let lane = lane_of(&state, &scope, &lane).await?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("`limit` must be between 1 and 500"));
    }
    let from = query.cursor.unwrap_or(0);
    let mut steps = steps(&state.store, scope.id(), lane, from, limit as usize + 1).await?;
    let next_cursor = (steps.len() > limit as usize).then(|| from + u64::from(limit));
    steps.truncate(limit as usize);
    Ok(Json(ReplayPage { steps, next_cursor }))
}

/// One step of a lane's replay by index. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/steps/{index}", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_agent_id" = String, Path, description = "Run agent (lane) id"), ("index" = u64, Path, description = "Step index")),
    responses((status = 200, body = ReplayStep), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn step(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, lane, index)): Path<(String, String, String)>,
) -> Result<Json<ReplayStep>, ApiError> {
    let lane = lane_of(&state, &scope, &lane).await?;
    let index: u64 = index.parse().map_err(|_| ApiError::not_found("step"))?;
    steps(&state.store, scope.id(), lane, index, 1)
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("step"))
}

/// The whole replay of a lane as NDJSON (one step per line). Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/export", tag = "runs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("run_agent_id" = String, Path, description = "Run agent (lane) id")),
    responses((status = 200, description = "one JSON step per line", content_type = "application/x-ndjson", body = String), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, lane)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let lane = lane_of(&state, &scope, &lane).await?;
    let mut events = Vec::new();
    let mut next = 0;
    loop {
        let chunk = state
            .store
            .replay_events(scope.id(), lane, next, CHUNK)
            .await?;
        let exhausted = chunk.len() < CHUNK as usize;
        if let Some(last) = chunk.last() {
            next = last.sequence + 1;
        }
        events.extend(chunk);
        if exhausted {
            break;
        }
    }
    let mut body = String::new();
    for step in fold(&events, 0) {
        body.push_str(&serde_json::to_string(&step).map_err(|e| ApiError::internal(&e))?);
        body.push('\n');
    }
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}
