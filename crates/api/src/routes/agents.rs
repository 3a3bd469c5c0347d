//! What runs an agent: provider accounts (admin), runtime profiles, agent
//! builds and their versions, deployments (member). Everything is
//! workspace-scoped through [`WorkspaceScope`]; archived things stay readable.

use crate::auth::WorkspaceScope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::identity::{ListQuery, not_found_as};
use crate::state::AppState;
use agentclash_core::agents::{
    AgentPolicy, BuildVersionStatus, CredentialRef, ProviderKind, RuntimeLimits,
};
use agentclash_core::{
    AgentBuildId, BuildVersionId, DeploymentId, ProviderAccountId, RuntimeProfileId, WorkspaceRole,
};
use agentclash_store::agents::{
    AgentBuild, Archivable, BuildVersion, Deployment, NewDeployment, NewProviderAccount,
    NewRuntimeProfile, ProviderAccount, RuntimeProfile,
};
use agentclash_store::page::Page;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// A path id that does not parse names nothing that exists: 404.
pub fn parse_id<T: FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

/// A display name: trimmed, 1..=200 characters.
fn valid_name(field: &str, name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be 1 to 200 characters"
        )));
    }
    Ok(name.to_owned())
}

/// A positive optional limit that fits the database column.
fn positive(field: &str, v: Option<u32>) -> Result<Option<i32>, ApiError> {
    match v {
        None => Ok(None),
        Some(n) if n > 0 && i32::try_from(n).is_ok() => Ok(i32::try_from(n).ok()),
        Some(_) => Err(ApiError::bad_request(format!(
            "`{field}` must be a positive integer"
        ))),
    }
}

// ---------------------------------------------------------------- provider accounts

/// Body of `POST …/provider-accounts`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProviderAccount {
    /// Unique within the workspace.
    name: String,
    /// `openai`, `anthropic`, `gemini` or `scripted`.
    provider: ProviderKind,
    /// Endpoint override (`https://…`; any http(s) URL in local mode).
    #[serde(default)]
    base_url: Option<String>,
    /// `workspace-secret://NAME` or `env://VAR`; required except for `scripted`.
    #[serde(default)]
    credential_ref: Option<String>,
    /// Calls in flight at once.
    #[serde(default)]
    max_concurrency: Option<u32>,
    /// Requests per minute.
    #[serde(default)]
    requests_per_minute: Option<u32>,
    /// Tokens per minute.
    #[serde(default)]
    tokens_per_minute: Option<u32>,
}

impl CreateProviderAccount {
    fn validate(self) -> Result<NewProviderAccount, ApiError> {
        if let Some(url) = &self.base_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| ApiError::bad_request(format!("`base_url` is not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(ApiError::bad_request(
                    "`base_url` must be an http(s) URL with a host",
                ));
            }
        }
        match (&self.credential_ref, self.provider) {
            (Some(r), _) => {
                CredentialRef::from_str(r)
                    .map_err(|e| ApiError::bad_request(format!("`credential_ref`: {e}")))?;
            }
            (None, ProviderKind::Scripted) => {}
            (None, kind) => {
                return Err(ApiError::bad_request(format!(
                    "`credential_ref` is required for {kind} accounts (`workspace-secret://NAME` or `env://VAR`)"
                )));
            }
        }
        Ok(NewProviderAccount {
            name: valid_name("name", &self.name)?,
            kind: self.provider,
            base_url: self.base_url,
            credential_ref: self.credential_ref,
            max_concurrency: positive("max_concurrency", self.max_concurrency)?,
            requests_per_minute: positive("requests_per_minute", self.requests_per_minute)?,
            tokens_per_minute: positive("tokens_per_minute", self.tokens_per_minute)?,
        })
    }
}

/// Creates a provider account. Admin role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/provider-accounts", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id")),
    request_body = CreateProviderAccount,
    responses((status = 201, body = ProviderAccount), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_provider_account(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateProviderAccount>,
) -> Result<(StatusCode, Json<ProviderAccount>), ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    let new = body.validate()?;
    let account = state
        .store
        .create_provider_account(scope.id(), &new)
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// Provider accounts, newest first. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/provider-accounts", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<ProviderAccount>), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_provider_accounts(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<ProviderAccount>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_provider_accounts(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// One provider account. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/provider-accounts/{id}", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Provider account id")),
    responses((status = 200, body = ProviderAccount), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_provider_account(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ProviderAccount>, ApiError> {
    let id: ProviderAccountId = parse_id(&id, "provider account")?;
    Ok(Json(
        state
            .store
            .get_provider_account(scope.id(), id)
            .await
            .map_err(not_found_as("provider account"))?,
    ))
}

/// Archives a provider account (idempotent): it can no longer back new
/// deployments; existing snapshots keep working. Admin role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/provider-accounts/{id}/archive", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Provider account id")),
    responses((status = 204, description = "archived"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn archive_provider_account(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Admin)?;
    archive(
        &state,
        &scope,
        Archivable::ProviderAccount,
        &id,
        "provider account",
    )
    .await
}

async fn archive(
    state: &AppState,
    scope: &WorkspaceScope,
    what: Archivable,
    raw_id: &str,
    name: &'static str,
) -> Result<StatusCode, ApiError> {
    let id: Uuid = parse_id(raw_id, name)?;
    state
        .store
        .archive(scope.id(), what, id)
        .await
        .map_err(not_found_as(name))?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- runtime profiles

/// Body of `POST …/runtime-profiles`; every limit has a default.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRuntimeProfile {
    /// Unique within the workspace.
    name: String,
    /// Model calls per case (1..=10000, default 30).
    #[serde(default)]
    max_iterations: Option<u32>,
    /// Tool calls per case, not counting `submit` (default 100).
    #[serde(default)]
    max_tool_calls: Option<u32>,
    /// Longest model or tool call, ms (default 120000).
    #[serde(default)]
    step_timeout_ms: Option<u64>,
    /// Longest case, ms (default 600000).
    #[serde(default)]
    run_timeout_ms: Option<u64>,
    /// Cases of a lane in flight at once (1..=64, default 4).
    #[serde(default)]
    max_parallel_cases: Option<u32>,
    /// Overrides the pack's `allow_shell`.
    #[serde(default)]
    allow_shell: Option<bool>,
    /// Overrides the pack's `allow_network`.
    #[serde(default)]
    allow_network: Option<bool>,
}

impl CreateRuntimeProfile {
    fn validate(self) -> Result<NewRuntimeProfile, ApiError> {
        let limits = RuntimeLimits {
            max_iterations: self.max_iterations.unwrap_or(30),
            max_tool_calls: self.max_tool_calls.unwrap_or(100),
            step_timeout_ms: self.step_timeout_ms.unwrap_or(120_000),
            run_timeout_ms: self.run_timeout_ms.unwrap_or(600_000),
            max_parallel_cases: self.max_parallel_cases.unwrap_or(4),
            allow_shell: self.allow_shell,
            allow_network: self.allow_network,
        };
        let in_range = |field: &str, v: u64, lo: u64, hi: u64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ApiError::bad_request(format!(
                    "`{field}` must be between {lo} and {hi}"
                )))
            }
        };
        in_range("max_iterations", limits.max_iterations.into(), 1, 10_000)?;
        in_range("max_tool_calls", limits.max_tool_calls.into(), 0, 100_000)?;
        in_range("step_timeout_ms", limits.step_timeout_ms, 1, 86_400_000)?;
        in_range("run_timeout_ms", limits.run_timeout_ms, 1, 86_400_000)?;
        in_range(
            "max_parallel_cases",
            limits.max_parallel_cases.into(),
            1,
            64,
        )?;
        Ok(NewRuntimeProfile {
            name: valid_name("name", &self.name)?,
            limits,
        })
    }
}

/// Creates a runtime profile. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/runtime-profiles", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id")),
    request_body = CreateRuntimeProfile,
    responses((status = 201, body = RuntimeProfile), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_runtime_profile(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateRuntimeProfile>,
) -> Result<(StatusCode, Json<RuntimeProfile>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let new = body.validate()?;
    let profile = state.store.create_runtime_profile(scope.id(), &new).await?;
    Ok((StatusCode::CREATED, Json(profile)))
}

/// Runtime profiles, newest first. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runtime-profiles", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<RuntimeProfile>), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_runtime_profiles(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<RuntimeProfile>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_runtime_profiles(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// One runtime profile. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/runtime-profiles/{id}", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Runtime profile id")),
    responses((status = 200, body = RuntimeProfile), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_runtime_profile(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<RuntimeProfile>, ApiError> {
    let id: RuntimeProfileId = parse_id(&id, "runtime profile")?;
    Ok(Json(
        state
            .store
            .get_runtime_profile(scope.id(), id)
            .await
            .map_err(not_found_as("runtime profile"))?,
    ))
}

/// Archives a runtime profile (idempotent). Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/runtime-profiles/{id}/archive", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Runtime profile id")),
    responses((status = 204, description = "archived"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn archive_runtime_profile(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    archive(
        &state,
        &scope,
        Archivable::RuntimeProfile,
        &id,
        "runtime profile",
    )
    .await
}

// ---------------------------------------------------------------- agent builds

/// Body of `POST …/agent-builds`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentBuild {
    /// Unique within the workspace.
    name: String,
    /// Free text.
    #[serde(default)]
    description: String,
}

/// Creates an agent build (no versions yet). Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/agent-builds", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id")),
    request_body = CreateAgentBuild,
    responses((status = 201, body = AgentBuild), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_agent_build(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateAgentBuild>,
) -> Result<(StatusCode, Json<AgentBuild>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let name = valid_name("name", &body.name)?;
    if body.description.chars().count() > 10_000 {
        return Err(ApiError::bad_request(
            "`description` must be at most 10000 characters",
        ));
    }
    let build = state
        .store
        .create_agent_build(scope.id(), &name, &body.description)
        .await?;
    Ok((StatusCode::CREATED, Json(build)))
}

/// Agent builds, newest first. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/agent-builds", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<AgentBuild>), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_agent_builds(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<AgentBuild>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_agent_builds(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// A build with its versions, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentBuildDetail {
    #[serde(flatten)]
    build: AgentBuild,
    versions: Vec<BuildVersion>,
}

/// One agent build with its versions. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/agent-builds/{id}", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Agent build id")),
    responses((status = 200, body = AgentBuildDetail), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_agent_build(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<AgentBuildDetail>, ApiError> {
    let id: AgentBuildId = parse_id(&id, "agent build")?;
    let build = state
        .store
        .get_agent_build(scope.id(), id)
        .await
        .map_err(not_found_as("agent build"))?;
    let versions = state.store.list_build_versions(scope.id(), id).await?;
    Ok(Json(AgentBuildDetail { build, versions }))
}

/// Archives an agent build (idempotent): no new versions. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/agent-builds/{id}/archive", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Agent build id")),
    responses((status = 204, description = "archived"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn archive_agent_build(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    archive(&state, &scope, Archivable::AgentBuild, &id, "agent build").await
}

/// Body of a build version write: the policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The agent's policy.
    policy: AgentPolicy,
}

fn check_policy(policy: &AgentPolicy) -> Result<(), ApiError> {
    let text = policy.role.len() + policy.system_prompt.len() + policy.instructions.len();
    if text > 256 * 1024 {
        return Err(ApiError::bad_request(
            "`policy` text must total at most 256 KiB",
        ));
    }
    Ok(())
}

/// Adds the next version of a build as a draft. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/agent-builds/{id}/versions", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Agent build id")),
    request_body = VersionBody,
    responses((status = 201, body = BuildVersion), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_build_version(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<(StatusCode, Json<BuildVersion>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let id: AgentBuildId = parse_id(&id, "agent build")?;
    check_policy(&body.policy)?;
    let version = state
        .store
        .create_build_version(scope.id(), id, &body.policy)
        .await
        .map_err(not_found_as("agent build"))?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// One build version. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/agent-build-versions/{id}", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Build version id")),
    responses((status = 200, body = BuildVersion), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_build_version(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<BuildVersion>, ApiError> {
    let id: BuildVersionId = parse_id(&id, "build version")?;
    Ok(Json(
        state
            .store
            .get_build_version(scope.id(), id)
            .await
            .map_err(not_found_as("build version"))?,
    ))
}

/// Replaces a draft's policy (409 once ready or archived). Member role.
#[utoipa::path(put, path = "/v1/workspaces/{workspace_id}/agent-build-versions/{id}", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Build version id")),
    request_body = VersionBody,
    responses((status = 200, body = BuildVersion), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_build_version(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<BuildVersion>, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let id: BuildVersionId = parse_id(&id, "build version")?;
    check_policy(&body.policy)?;
    Ok(Json(
        state
            .store
            .update_draft_policy(scope.id(), id, &body.policy)
            .await
            .map_err(not_found_as("build version"))?,
    ))
}

/// Body of a build version status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionStatusBody {
    /// `ready` (from draft) or `archived`.
    status: BuildVersionStatus,
}

/// Moves a version along `draft → ready → archived`. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/agent-build-versions/{id}/status", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Build version id")),
    request_body = VersionStatusBody,
    responses((status = 200, body = BuildVersion), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_build_version_status(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<VersionStatusBody>,
) -> Result<Json<BuildVersion>, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let id: BuildVersionId = parse_id(&id, "build version")?;
    Ok(Json(
        state
            .store
            .transition_build_version(scope.id(), id, body.status)
            .await
            .map_err(not_found_as("build version"))?,
    ))
}

// ---------------------------------------------------------------- deployments

/// Body of `POST …/deployments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeployment {
    /// Unique within the workspace.
    name: String,
    /// A ready build version.
    #[schema(value_type = String, format = Uuid)]
    build_version_id: BuildVersionId,
    /// A runtime profile.
    #[schema(value_type = String, format = Uuid)]
    runtime_profile_id: RuntimeProfileId,
    /// A provider account.
    #[schema(value_type = String, format = Uuid)]
    provider_account_id: ProviderAccountId,
    /// Model id sent to the provider.
    model: String,
    /// Provider options: `temperature`, `max_output_tokens`, and for
    /// `scripted` accounts `responses`/`rules`/`default`.
    #[serde(default)]
    #[schema(value_type = Object)]
    provider_options: Option<serde_json::Value>,
}

/// Creates a deployment. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/deployments", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id")),
    request_body = CreateDeployment,
    responses((status = 201, body = Deployment), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_deployment(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiJson(body): ApiJson<CreateDeployment>,
) -> Result<(StatusCode, Json<Deployment>), ApiError> {
    scope.require(WorkspaceRole::Member)?;
    let options = body
        .provider_options
        .unwrap_or_else(|| serde_json::json!({}));
    if !options.is_object() {
        return Err(ApiError::bad_request(
            "`provider_options` must be an object",
        ));
    }
    if options.to_string().len() > 1024 * 1024 {
        return Err(ApiError::bad_request(
            "`provider_options` must be at most 1 MiB",
        ));
    }
    check_provider_options(&state, &scope, body.provider_account_id, &options).await?;
    let new = NewDeployment {
        name: valid_name("name", &body.name)?,
        build_version_id: body.build_version_id,
        runtime_profile_id: body.runtime_profile_id,
        provider_account_id: body.provider_account_id,
        model: valid_name("model", &body.model)?,
        provider_options: options,
    };
    let deployment = state.store.create_deployment(scope.id(), &new).await?;
    Ok((StatusCode::CREATED, Json(deployment)))
}

/// A scripted account's deployments must carry a valid script: the worker
/// would otherwise fail every case of every run with the same error.
async fn check_provider_options(
    state: &AppState,
    scope: &WorkspaceScope,
    account: ProviderAccountId,
    options: &serde_json::Value,
) -> Result<(), ApiError> {
    let kind = match state.store.get_provider_account(scope.id(), account).await {
        Ok(account) => account.kind,
        // Reported by the store with the field name.
        Err(agentclash_store::StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if kind != ProviderKind::Scripted {
        return Ok(());
    }
    let script = options.get("scripted").ok_or_else(|| {
        ApiError::bad_request(
            "`provider_options.scripted` is required for a scripted provider account",
        )
    })?;
    agentclash_providers::ScriptedConfig::from_value(script).map_err(|e| {
        let path = if e.path == "." {
            String::new()
        } else {
            format!(".{}", e.path)
        };
        ApiError::bad_request(format!("`provider_options.scripted{path}`: {}", e.message))
    })?;
    Ok(())
}

/// Deployments, newest first. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/deployments", tag = "agents", params(("workspace_id" = String, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, body = Page<Deployment>), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_deployments(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Deployment>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_deployments(scope.id(), q.limit()?, q.cursor())
            .await?,
    ))
}

/// One deployment. Any role.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/deployments/{id}", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Deployment id")),
    responses((status = 200, body = Deployment), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_deployment(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Deployment>, ApiError> {
    let id: DeploymentId = parse_id(&id, "deployment")?;
    Ok(Json(
        state
            .store
            .get_deployment(scope.id(), id)
            .await
            .map_err(not_found_as("deployment"))?,
    ))
}

/// Archives a deployment (idempotent): no new runs. Member role.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/deployments/{id}/archive", tag = "agents",
    params(("workspace_id" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Deployment id")),
    responses((status = 204, description = "archived"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("session" = [])))]
pub async fn archive_deployment(
    State(state): State<AppState>,
    scope: WorkspaceScope,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scope.require(WorkspaceRole::Member)?;
    archive(&state, &scope, Archivable::Deployment, &id, "deployment").await
}
