//! Challenge packs: validate and publish YAML bundles, read published
//! versions. Validation is `agentclash-packs`; storage is the store; this
//! module only converts between them.

use crate::auth::WorkspaceScope;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::{Items, ListQuery, not_found_as};
use crate::state::AppState;
use agentclash_core::{ErrorCode, WorkspaceRole};
use agentclash_packs::{Diagnostic, Pack, Severity, ValidateOptions};
use agentclash_store::packs::{
    InputSetDetail, NewCase, NewChallenge, NewInputSet, NewPackVersion, PackSummary, PackVersion,
    PackVersionDetail,
};
use agentclash_store::page::Page;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Largest accepted pack bundle.
const MAX_PACK_BYTES: usize = 1024 * 1024;

/// Body of validate and publish: the pack's YAML text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackSource {
    /// The YAML bundle (at most 1 MiB).
    source: String,
    /// Treat warnings as errors.
    #[serde(default)]
    strict: bool,
}

/// The outcome of a validation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValidationReport {
    valid: bool,
    #[schema(value_type = Vec<Object>)]
    diagnostics: Vec<Value>,
}

/// A publish's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Published {
    /// The version stored (new or, for identical content, the existing one).
    #[serde(flatten)]
    version: PackVersion,
    /// False when identical content had been published before.
    created: bool,
}

fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "message": d.message,
        "suggestion": d.suggestion,
    })
}

/// Every asset's `artifact_id` must name an artifact of the publishing
/// workspace (§2.8); the validator cannot know, the database can.
async fn check_asset_artifacts(
    state: &AppState,
    scope: &WorkspaceScope,
    pack: &agentclash_packs::Pack,
) -> Result<(), ApiError> {
    let mut refs: Vec<(String, Uuid)> = Vec::new();
    let mut add = |path: String, assets: &[agentclash_packs::model::Asset]| {
        for (i, asset) in assets.iter().enumerate() {
            if let Some(id) = asset.artifact_id.as_deref().and_then(|id| id.parse().ok()) {
                refs.push((format!("{path}[{i}].artifact_id"), id));
            }
        }
    };
    add("version.assets".into(), &pack.version.assets);
    for (c, challenge) in pack.challenges.iter().enumerate() {
        add(format!("challenges[{c}].assets"), &challenge.assets);
    }
    for (s, set) in pack.input_sets.iter().enumerate() {
        for (c, case) in set.cases.iter().enumerate() {
            add(format!("input_sets[{s}].cases[{c}].assets"), &case.assets);
        }
    }
    let ids: Vec<Uuid> = refs.iter().map(|(_, id)| *id).collect();
    let missing = state.store.missing_artifacts(scope.id(), &ids).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let diagnostics: Vec<Value> = refs
        .iter()
        .filter(|(_, id)| missing.contains(id))
        .map(|(path, id)| {
            json!({"severity": "error", "path": path, "line": null, "column": null,
                   "message": format!("artifact {id} does not exist in this workspace"), "suggestion": null})
        })
        .collect();
    Err(ApiError::new(
        ErrorCode::InvalidPack,
        format!(
            "the pack references {} artifact(s) this workspace does not have",
            diagnostics.len()
        ),
    )
    .with_details(json!({ "diagnostics": diagnostics })))
}

fn check_size(source: &str) -> Result<(), ApiError> {
    if source.len() > MAX_PACK_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "a pack bundle may be at most 1 MiB",
        ));
    }
    Ok(())
}

fn options(strict: bool) -> ValidateOptions {
    ValidateOptions {
        strict,
        max_bytes: MAX_PACK_BYTES,
    }
}

/// Validates without storing. Any role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/challenge-packs/validate", tag = "challenge-packs",
    params(("workspace_id" = String, Path, description = "Workspace id")), request_body = PackSource,
    responses((status = 200, body = ValidationReport), (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope),
        (status = 413, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn validate(
    _scope: WorkspaceScope,
    ApiJson(body): ApiJson<PackSource>,
) -> Result<Json<ValidationReport>, ApiError> {
    check_size(&body.source)?;
    let report = agentclash_packs::validate(&body.source, &options(body.strict));
    Ok(Json(ValidationReport {
        valid: report.is_valid(),
        diagnostics: report.diagnostics.iter().map(diagnostic_json).collect(),
    }))
}

/// Validates and stores a version: 201 for new content, 200 with the
/// existing version for content published before, 422 with the diagnostics
/// when invalid. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/challenge-packs", tag = "challenge-packs",
    params(("workspace_id" = String, Path, description = "Workspace id")), request_body = PackSource,
    responses((status = 201, body = Published), (status = 200, body = Published, description = "identical content, existing version"),
        (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope),
        (status = 403, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope),
        (status = 413, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<PackSource>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    check_size(&body.source)?;
    let report = agentclash_packs::validate(&body.source, &options(body.strict));
    let diagnostics: Vec<Value> = report.diagnostics.iter().map(diagnostic_json).collect();
    let warnings: Vec<Value> = report.warnings().map(diagnostic_json).collect();
    let errors = report.errors().count();
    let Some(pack) = report.pack.filter(|_| errors == 0) else {
        return Err(ApiError::new(
            ErrorCode::InvalidPack,
            format!("the pack has {errors} error(s)"),
        )
        .with_details(json!({ "diagnostics": diagnostics })));
    };
    check_asset_artifacts(&state, &scope, &pack).await?;
    let new = to_new_version(&pack, &body.source, Value::Array(warnings))
        .map_err(|e| ApiError::internal(&e))?;
    let (version, created) = state
        .store
        .publish_pack_version(scope.id(), scope.principal.user.id, &new)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Published { version, created })))
}

fn to_new_version(
    pack: &Pack,
    source: &str,
    warnings: Value,
) -> Result<NewPackVersion, serde_json::Error> {
    let challenges = pack
        .challenges
        .iter()
        .map(|c| {
            Ok(NewChallenge {
                key: c.key.clone(),
                definition: serde_json::to_value(c)?,
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    let input_sets = pack
        .input_sets
        .iter()
        .map(|set| {
            let cases = set
                .cases
                .iter()
                .map(|case| {
                    Ok(NewCase {
                        case_key: case.case_key.clone(),
                        challenge_key: case.challenge_key.clone(),
                        definition: serde_json::to_value(case)?,
                    })
                })
                .collect::<Result<_, serde_json::Error>>()?;
            Ok(NewInputSet {
                key: set.key.clone(),
                name: set.name.clone(),
                description: set.description.clone(),
                cases,
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    Ok(NewPackVersion {
        slug: pack.pack.slug.clone(),
        name: pack.pack.name.clone(),
        family: pack.pack.family.clone(),
        declared_number: pack.version.number,
        content_hash: hex_sha256(source.as_bytes()),
        source_yaml: source.to_owned(),
        normalized: serde_json::to_value(pack)?,
        warnings,
        evaluation_spec: serde_json::to_value(&pack.version.evaluation_spec)?,
        challenges,
        input_sets,
    })
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The workspace's packs, by slug. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/challenge-packs", operation_id = "list_challenge_packs", tag = "challenge-packs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<PackSummary>), (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<PackSummary>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_packs(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// A pack's versions, newest first. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions", tag = "challenge-packs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("slug" = String, Path, description = "Pack slug"), ListQuery),
    responses((status = 200, body = Page<PackVersion>), (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, slug)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<PackVersion>>, ApiError> {
    let versions = state
        .store
        .list_pack_versions(scope.id(), &slug, q.limit()?, q.cursor())
        .await
        .map_err(not_found_as("challenge pack"))?;
    Ok(Json(versions))
}

/// One version: normalised JSON and original YAML. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions/{version}", tag = "challenge-packs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("slug" = String, Path, description = "Pack slug"),
        ("version" = i32, Path, description = "Version number")),
    responses((status = 200, body = PackVersionDetail), (status = 401, body = crate::error::ErrorEnvelope),
        (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn version(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, slug, version)): Path<(String, String, String)>,
) -> Result<Json<PackVersionDetail>, ApiError> {
    let version = parse_version(&version)?;
    let detail = state
        .store
        .get_pack_version(scope.id(), &slug, version)
        .await
        .map_err(not_found_as("challenge pack version"))?;
    Ok(Json(detail))
}

/// A version's input sets and their cases. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions/{version}/input-sets",
    tag = "challenge-packs",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("slug" = String, Path, description = "Pack slug"),
        ("version" = i32, Path, description = "Version number")),
    responses((status = 200, body = Items<InputSetDetail>), (status = 401, body = crate::error::ErrorEnvelope),
        (status = 404, body = crate::error::ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn input_sets(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, slug, version)): Path<(String, String, String)>,
) -> Result<Json<Items<InputSetDetail>>, ApiError> {
    let version = parse_version(&version)?;
    let sets = state
        .store
        .list_input_sets(scope.id(), &slug, version)
        .await
        .map_err(not_found_as("challenge pack version"))?;
    Ok(Json(Items::new(sets)))
}

fn parse_version(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::not_found("challenge pack version"))
}
