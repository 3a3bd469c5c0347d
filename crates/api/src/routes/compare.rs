//! Comparing two lanes (run agents) of the workspace, release gates stored
//! with their comparison, and named workspace baselines. The maths is
//! `agentclash_scoring::compare`; this module loads both lanes (each must
//! belong to the caller's workspace) and keeps the results.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::{Items, not_found_as};
use crate::state::AppState;
use agentclash_core::{RunAgentId, WorkspaceRole};
use agentclash_scoring::LaneScorecard;
use agentclash_scoring::compare::{Comparison, GatePolicy, LaneSide, compare_lanes, evaluate_gate};
use agentclash_store::StoreError;
use agentclash_store::comparisons::{Baseline, NewComparison, StoredComparison};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Query of `GET …/compare`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The baseline run agent (lane) id.
    baseline: String,
    /// The candidate run agent (lane) id.
    candidate: String,
}

/// Body of `POST …/comparisons`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComparison {
    /// The baseline run agent (lane) id.
    baseline: String,
    /// The candidate run agent (lane) id.
    candidate: String,
    /// Release-gate policy: `{dimensions: {KEY: {warn_delta, fail_delta}},
    /// required_dimensions: [KEY], require_scorecard_pass: bool}`. Without
    /// it the comparison is stored without a verdict.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    policy: Option<Value>,
}

/// A lane as the comparison shows it, with what it ran.
struct Loaded {
    id: RunAgentId,
    id_text: String,
    info: Value,
    pack_version_id: Option<String>,
    case_keys: Vec<String>,
    scorecard: Option<LaneScorecard>,
}

/// Loads the lane `raw` names (field `field`), its run and its scorecard;
/// 400 for a malformed id and 404 for a lane outside the workspace, both
/// naming the field.
async fn load(
    state: &AppState,
    scope: &WorkspaceScope,
    field: &str,
    raw: &str,
) -> Result<Loaded, ApiError> {
    let id: RunAgentId = raw
        .parse()
        .map_err(|_| ApiError::bad_request(format!("`{field}` is not a run agent id (a UUID)")))?;
    let ws = scope.id();
    let missing = |e: StoreError| match e {
        StoreError::NotFound => ApiError::new(
            agentclash_core::ErrorCode::NotFound,
            format!("`{field}`: run agent not found"),
        ),
        other => other.into(),
    };
    let lane = state.store.get_run_agent(ws, id).await.map_err(missing)?;
    let run = state
        .store
        .get_run(ws, lane.run_id)
        .await
        .map_err(missing)?;
    let scorecard = match state.store.scorecard(ws, id).await.map_err(missing)? {
        Some(card) => Some(serde_json::from_value(card).map_err(|e| ApiError::internal(&e))?),
        None => None,
    };
    Ok(Loaded {
        id,
        id_text: id.to_string(),
        info: json!({
            "run_agent_id": lane.id, "run_id": lane.run_id, "label": lane.label,
            "status": lane.status.as_str(), "pack_version_id": run.pack_version_id,
        }),
        pack_version_id: run.pack_version_id.map(|p| p.to_string()),
        case_keys: run.case_keys,
        scorecard,
    })
}

fn side(l: &Loaded) -> LaneSide<'_> {
    LaneSide {
        run_agent_id: &l.id_text,
        pack_version_id: l.pack_version_id.as_deref(),
        case_keys: &l.case_keys,
        scorecard: l.scorecard.as_ref(),
    }
}

/// A computed comparison, its JSON (with both lanes described) and the two
/// lane ids.
struct Computed {
    comparison: Comparison,
    value: Value,
    baseline: RunAgentId,
    candidate: RunAgentId,
}

async fn comparison(
    state: &AppState,
    scope: &WorkspaceScope,
    baseline: &str,
    candidate: &str,
) -> Result<Computed, ApiError> {
    let b = load(state, scope, "baseline", baseline).await?;
    let c = load(state, scope, "candidate", candidate).await?;
    let comparison = compare_lanes(&side(&b), &side(&c));
    let mut value = serde_json::to_value(&comparison).map_err(|e| ApiError::internal(&e))?;
    value["baseline_lane"] = b.info;
    value["candidate_lane"] = c.info;
    Ok(Computed {
        comparison,
        value,
        baseline: b.id,
        candidate: c.id,
    })
}

/// Compares a candidate lane with a baseline lane (same run or different
/// runs): comparable or not with the reasons, per-dimension deltas,
/// per-case flips and paired statistics (mean delta with a bootstrap 95%
/// CI, sign-test p-value). Both lanes must be in the workspace. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/compare", operation_id = "compare_run_agents", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id"), CompareQuery),
    responses((status = 200, description = "the comparison", body = Object), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn compare(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(query): ApiQuery<CompareQuery>,
) -> Result<Json<Value>, ApiError> {
    let computed = comparison(&state, &scope, &query.baseline, &query.candidate).await?;
    Ok(Json(computed.value))
}

/// Parses and validates a policy, naming the offending field.
fn policy(raw: Value) -> Result<GatePolicy, ApiError> {
    let policy: GatePolicy =
        serde_json::from_value(raw).map_err(|e| ApiError::bad_request(format!("`policy`: {e}")))?;
    policy
        .validate()
        .map_err(|e| ApiError::bad_request(format!("`policy.{}`: {}", e.field, e.message)))?;
    Ok(policy)
}

/// Compares two lanes and stores the result; with a `policy`, evaluates
/// the release gate into `pass`, `warn`, `fail` or `insufficient_evidence`
/// with the reasons and stores it with the comparison. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/comparisons", operation_id = "create_comparison", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id")), request_body = CreateComparison,
    responses((status = 201, body = StoredComparison), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateComparison>,
) -> Result<(StatusCode, Json<StoredComparison>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let policy = body.policy.map(policy).transpose()?;
    let computed = comparison(&state, &scope, &body.baseline, &body.candidate).await?;
    let gate = policy
        .map(|p| {
            let result = evaluate_gate(&p, &computed.comparison);
            let verdict = result.verdict.as_str();
            Ok::<_, serde_json::Error>((
                serde_json::to_value(&p)?,
                serde_json::to_value(&result)?,
                verdict,
            ))
        })
        .transpose()
        .map_err(|e| ApiError::internal(&e))?;
    let stored = state
        .store
        .save_comparison(
            scope.id(),
            &NewComparison {
                baseline: computed.baseline,
                candidate: computed.candidate,
                comparable: computed.comparison.comparable,
                comparison: &computed.value,
                gate: gate.as_ref().map(|(p, g, v)| (p, g, *v)),
                created_by: scope.principal.user.id,
            },
        )
        .await
        .map_err(not_found_as("run agent"))?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// One stored comparison, with its gate verdict when it has one. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/comparisons/{comparison_id}", operation_id = "get_comparison", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("comparison_id" = String, Path, description = "Comparison id")),
    responses((status = 200, body = StoredComparison), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<StoredComparison>, ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::not_found("comparison"))?;
    Ok(Json(
        state
            .store
            .get_comparison(scope.id(), id)
            .await
            .map_err(not_found_as("comparison"))?,
    ))
}

/// Body of `PUT …/baselines/{name}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBaseline {
    /// The lane the baseline points at.
    run_agent_id: String,
}

/// A baseline name: 1 to 63 of `a-z 0-9 . _ -`, starting with a letter or
/// digit (so it is safe in paths and CI manifests).
fn baseline_name(name: &str) -> Result<&str, ApiError> {
    let ok = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::bad_request(
            "`name` must be 1 to 63 lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit",
        ))
    }
}

/// The workspace's baselines, by name. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/baselines", operation_id = "list_baselines", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id")),
    responses((status = 200, body = Items<Baseline>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_baselines(
    State(state): State<AppState>,
    scope: WorkspaceScope,
) -> Result<Json<Items<Baseline>>, ApiError> {
    Ok(Json(Items::new(
        state.store.list_baselines(scope.id()).await?,
    )))
}

/// One baseline: the lane it points at and that lane's pack version. Any
/// role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/baselines/{name}", operation_id = "get_baseline", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Baseline name")),
    responses((status = 200, body = Baseline), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_baseline(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, name)): Path<(String, String)>,
) -> Result<Json<Baseline>, ApiError> {
    Ok(Json(
        state
            .store
            .get_baseline(scope.id(), &name)
            .await
            .map_err(not_found_as("baseline"))?,
    ))
}

/// Points the baseline `name` at a lane of the workspace (creating it or
/// moving it). Member role.
#[utoipa::path(put, path = "/v1/workspaces/{workspace_id}/baselines/{name}", operation_id = "set_baseline", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Baseline name")), request_body = SetBaseline,
    responses((status = 200, body = Baseline), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_baseline(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<SetBaseline>,
) -> Result<Json<Baseline>, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let name = baseline_name(&name)?;
    let lane: RunAgentId = body
        .run_agent_id
        .parse()
        .map_err(|_| ApiError::bad_request("`run_agent_id` is not a run agent id (a UUID)"))?;
    let set = state
        .store
        .set_baseline(scope.id(), name, lane, scope.principal.user.id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::bad_request("`run_agent_id`: no such run agent in this workspace")
            }
            other => other.into(),
        })?;
    Ok(Json(set))
}

/// Removes the baseline `name`; idempotent. Member role.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/baselines/{name}", operation_id = "clear_baseline", tag = "compare",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Baseline name")),
    responses((status = 204, description = "removed (or there was none)"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn clear_baseline(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    state.store.delete_baseline(scope.id(), &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
