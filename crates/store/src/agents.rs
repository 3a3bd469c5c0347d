//! Provider accounts, runtime profiles, agent builds and versions,
//! deployments, and the snapshots runs freeze them into.

use crate::page::{Page, page_query};
use crate::{Store, StoreError};
use agentclash_core::agents::{
    AgentPolicy, BuildVersionStatus, DeploymentSnapshot, ProviderKind, ProviderSnapshot,
    RuntimeLimits,
};
use agentclash_core::{
    AgentBuildId, BuildVersionId, DeploymentId, ProviderAccountId, RuntimeProfileId, SnapshotId,
    WorkspaceId,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A provider account: which vendor, where, and where its credential lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProviderAccount {
    /// Identity.
    #[sqlx(try_from = "Uuid")]
    pub id: ProviderAccountId,
    /// Unique within the workspace.
    pub name: String,
    /// Wire protocol.
    #[sqlx(rename = "provider_kind", try_from = "String")]
    pub kind: ProviderKind,
    /// Endpoint override (OpenAI-compatible servers, proxies).
    pub base_url: Option<String>,
    /// `workspace-secret://NAME` or `env://VAR`; never the value.
    pub credential_ref: Option<String>,
    /// Calls in flight at once.
    pub max_concurrency: Option<i32>,
    /// Requests per minute.
    pub requests_per_minute: Option<i32>,
    /// Tokens per minute.
    pub tokens_per_minute: Option<i32>,
    /// Set once archived; archived accounts cannot back new deployments.
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// What creating a provider account needs (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewProviderAccount {
    /// Unique within the workspace.
    pub name: String,
    /// Wire protocol.
    pub kind: ProviderKind,
    /// Endpoint override.
    pub base_url: Option<String>,
    /// Credential reference.
    pub credential_ref: Option<String>,
    /// Calls in flight at once.
    pub max_concurrency: Option<i32>,
    /// Requests per minute.
    pub requests_per_minute: Option<i32>,
    /// Tokens per minute.
    pub tokens_per_minute: Option<i32>,
}

/// A runtime profile: the execution envelope of deployments that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RuntimeProfile {
    /// Identity.
    #[sqlx(try_from = "Uuid")]
    pub id: RuntimeProfileId,
    /// Unique within the workspace.
    pub name: String,
    /// Model calls per case.
    pub max_iterations: i32,
    /// Tool calls per case (not counting `submit`).
    pub max_tool_calls: i32,
    /// Longest single step, ms.
    pub step_timeout_ms: i64,
    /// Longest case, ms.
    pub run_timeout_ms: i64,
    /// Cases of a lane in flight at once.
    pub max_parallel_cases: i32,
    /// Overrides the pack's `allow_shell`.
    pub allow_shell: Option<bool>,
    /// Overrides the pack's `allow_network`.
    pub allow_network: Option<bool>,
    /// Set once archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// What creating a runtime profile needs (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewRuntimeProfile {
    /// Unique within the workspace.
    pub name: String,
    /// The limits.
    pub limits: RuntimeLimits,
}

/// An agent build: a named agent whose policy is versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgentBuild {
    /// Identity.
    #[sqlx(try_from = "Uuid")]
    pub id: AgentBuildId,
    /// Unique within the workspace.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Set once archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// One version of a build's policy.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BuildVersion {
    /// Identity.
    #[sqlx(try_from = "Uuid")]
    pub id: BuildVersionId,
    /// The build.
    #[sqlx(try_from = "Uuid")]
    pub build_id: AgentBuildId,
    /// 1, 2, … per build.
    pub version: i32,
    /// `draft`, `ready` or `archived`.
    #[sqlx(try_from = "String")]
    pub status: BuildVersionStatus,
    /// The policy.
    #[sqlx(json)]
    pub policy: AgentPolicy,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A deployment: build version + runtime profile + provider account + model.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Deployment {
    /// Identity.
    #[sqlx(try_from = "Uuid")]
    pub id: DeploymentId,
    /// Unique within the workspace.
    pub name: String,
    /// The agent policy version.
    #[sqlx(try_from = "Uuid")]
    pub build_version_id: BuildVersionId,
    /// The execution envelope.
    #[sqlx(try_from = "Uuid")]
    pub runtime_profile_id: RuntimeProfileId,
    /// The provider account.
    #[sqlx(try_from = "Uuid")]
    pub provider_account_id: ProviderAccountId,
    /// Model id sent to the provider.
    pub model: String,
    /// Provider options (temperature, max output tokens, scripted responses).
    pub provider_options: serde_json::Value,
    /// Set once archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// What creating a deployment needs.
#[derive(Debug, Clone)]
pub struct NewDeployment {
    /// Unique within the workspace.
    pub name: String,
    /// Must be `ready`.
    pub build_version_id: BuildVersionId,
    /// Must not be archived.
    pub runtime_profile_id: RuntimeProfileId,
    /// Must not be archived.
    pub provider_account_id: ProviderAccountId,
    /// Model id.
    pub model: String,
    /// Provider options.
    pub provider_options: serde_json::Value,
}

/// The archivable resources of this module, by table.
#[derive(Debug, Clone, Copy)]
pub enum Archivable {
    /// `provider_accounts`.
    ProviderAccount,
    /// `runtime_profiles`.
    RuntimeProfile,
    /// `agent_builds`.
    AgentBuild,
    /// `deployments`.
    Deployment,
}

impl Archivable {
    fn table(self) -> &'static str {
        match self {
            Self::ProviderAccount => "provider_accounts",
            Self::RuntimeProfile => "runtime_profiles",
            Self::AgentBuild => "agent_builds",
            Self::Deployment => "deployments",
        }
    }
}

const ACCOUNT_COLUMNS: &str = "id, name, provider_kind, base_url, credential_ref, max_concurrency, requests_per_minute, tokens_per_minute, archived_at, created_at";
const PROFILE_COLUMNS: &str = "id, name, max_iterations, max_tool_calls, step_timeout_ms, run_timeout_ms, max_parallel_cases, allow_shell, allow_network, archived_at, created_at";
const BUILD_COLUMNS: &str = "id, name, description, archived_at, created_at";
const VERSION_COLUMNS: &str = "id, build_id, version, status, policy, created_at, updated_at";
const DEPLOYMENT_COLUMNS: &str = "id, name, build_version_id, runtime_profile_id, provider_account_id, model, provider_options, archived_at, created_at";

/// A name already taken in the workspace becomes a conflict naming it.
fn name_taken(what: &'static str, name: &str) -> impl FnOnce(StoreError) -> StoreError {
    let name = name.to_owned();
    move |e| match e {
        StoreError::Database(sqlx::Error::Database(db))
            if db.code().as_deref() == Some("23505") =>
        {
            StoreError::Conflict(format!("a {what} named `{name}` already exists"))
        }
        other => other,
    }
}

impl Store {
    /// Creates a provider account.
    pub async fn create_provider_account(
        &self,
        ws: WorkspaceId,
        new: &NewProviderAccount,
    ) -> Result<ProviderAccount, StoreError> {
        sqlx::query_as(&format!(
            "INSERT INTO provider_accounts (id, workspace_id, name, provider_kind, base_url, credential_ref, \
             max_concurrency, requests_per_minute, tokens_per_minute) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) \
             RETURNING {ACCOUNT_COLUMNS}"
        ))
        .bind(ProviderAccountId::new().0)
        .bind(ws.0)
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(&new.base_url)
        .bind(&new.credential_ref)
        .bind(new.max_concurrency)
        .bind(new.requests_per_minute)
        .bind(new.tokens_per_minute)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
        .map_err(name_taken("provider account", &new.name))
    }

    /// The workspace's provider accounts, newest first.
    pub async fn list_provider_accounts(
        &self,
        ws: WorkspaceId,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<ProviderAccount>, StoreError> {
        page_query(
            &self.pool,
            "provider_accounts",
            ACCOUNT_COLUMNS,
            ws,
            limit,
            cursor,
            |a: &ProviderAccount| a.id.0,
        )
        .await
    }

    /// One provider account of the workspace.
    pub async fn get_provider_account(
        &self,
        ws: WorkspaceId,
        id: ProviderAccountId,
    ) -> Result<ProviderAccount, StoreError> {
        self.get_one("provider_accounts", ACCOUNT_COLUMNS, ws, id.0)
            .await
    }

    /// Creates a runtime profile.
    pub async fn create_runtime_profile(
        &self,
        ws: WorkspaceId,
        new: &NewRuntimeProfile,
    ) -> Result<RuntimeProfile, StoreError> {
        let l = &new.limits;
        sqlx::query_as(&format!(
            "INSERT INTO runtime_profiles (id, workspace_id, name, max_iterations, max_tool_calls, step_timeout_ms, \
             run_timeout_ms, max_parallel_cases, allow_shell, allow_network) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
             RETURNING {PROFILE_COLUMNS}"
        ))
        .bind(RuntimeProfileId::new().0)
        .bind(ws.0)
        .bind(&new.name)
        .bind(to_i32(l.max_iterations)?)
        .bind(to_i32(l.max_tool_calls)?)
        .bind(to_i64(l.step_timeout_ms)?)
        .bind(to_i64(l.run_timeout_ms)?)
        .bind(to_i32(l.max_parallel_cases)?)
        .bind(l.allow_shell)
        .bind(l.allow_network)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
        .map_err(name_taken("runtime profile", &new.name))
    }

    /// The workspace's runtime profiles, newest first.
    pub async fn list_runtime_profiles(
        &self,
        ws: WorkspaceId,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<RuntimeProfile>, StoreError> {
        page_query(
            &self.pool,
            "runtime_profiles",
            PROFILE_COLUMNS,
            ws,
            limit,
            cursor,
            |p: &RuntimeProfile| p.id.0,
        )
        .await
    }

    /// One runtime profile of the workspace.
    pub async fn get_runtime_profile(
        &self,
        ws: WorkspaceId,
        id: RuntimeProfileId,
    ) -> Result<RuntimeProfile, StoreError> {
        self.get_one("runtime_profiles", PROFILE_COLUMNS, ws, id.0)
            .await
    }

    /// Creates an agent build.
    pub async fn create_agent_build(
        &self,
        ws: WorkspaceId,
        name: &str,
        description: &str,
    ) -> Result<AgentBuild, StoreError> {
        sqlx::query_as(&format!(
            "INSERT INTO agent_builds (id, workspace_id, name, description) VALUES ($1,$2,$3,$4) RETURNING {BUILD_COLUMNS}"
        ))
        .bind(AgentBuildId::new().0)
        .bind(ws.0)
        .bind(name)
        .bind(description)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
        .map_err(name_taken("agent build", name))
    }

    /// The workspace's agent builds, newest first.
    pub async fn list_agent_builds(
        &self,
        ws: WorkspaceId,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<AgentBuild>, StoreError> {
        page_query(
            &self.pool,
            "agent_builds",
            BUILD_COLUMNS,
            ws,
            limit,
            cursor,
            |b: &AgentBuild| b.id.0,
        )
        .await
    }

    /// One agent build of the workspace.
    pub async fn get_agent_build(
        &self,
        ws: WorkspaceId,
        id: AgentBuildId,
    ) -> Result<AgentBuild, StoreError> {
        self.get_one("agent_builds", BUILD_COLUMNS, ws, id.0).await
    }

    /// Adds the next version of a (non-archived) build, as a draft.
    pub async fn create_build_version(
        &self,
        ws: WorkspaceId,
        build: AgentBuildId,
        policy: &AgentPolicy,
    ) -> Result<BuildVersion, StoreError> {
        let mut tx = self.pool.begin().await?;
        let archived: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
            "SELECT archived_at FROM agent_builds WHERE id = $1 AND workspace_id = $2 FOR UPDATE",
        )
        .bind(build.0)
        .bind(ws.0)
        .fetch_optional(&mut *tx)
        .await?;
        match archived {
            None => return Err(StoreError::NotFound),
            Some(Some(_)) => {
                return Err(StoreError::Conflict("the agent build is archived".into()));
            }
            Some(None) => {}
        }
        let version: BuildVersion = sqlx::query_as(&format!(
            "INSERT INTO agent_build_versions (id, build_id, workspace_id, version, status, policy) \
             SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, 'draft', $4 FROM agent_build_versions WHERE build_id = $2 \
             RETURNING {VERSION_COLUMNS}"
        ))
        .bind(BuildVersionId::new().0)
        .bind(build.0)
        .bind(ws.0)
        .bind(sqlx::types::Json(policy))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The versions of a build, newest first.
    pub async fn list_build_versions(
        &self,
        ws: WorkspaceId,
        build: AgentBuildId,
    ) -> Result<Vec<BuildVersion>, StoreError> {
        self.get_agent_build(ws, build).await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM agent_build_versions WHERE build_id = $1 AND workspace_id = $2 ORDER BY version DESC"
        ))
        .bind(build.0)
        .bind(ws.0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One build version of the workspace.
    pub async fn get_build_version(
        &self,
        ws: WorkspaceId,
        id: BuildVersionId,
    ) -> Result<BuildVersion, StoreError> {
        self.get_one("agent_build_versions", VERSION_COLUMNS, ws, id.0)
            .await
    }

    /// Replaces a draft's policy; ready and archived versions are frozen.
    pub async fn update_draft_policy(
        &self,
        ws: WorkspaceId,
        id: BuildVersionId,
        policy: &AgentPolicy,
    ) -> Result<BuildVersion, StoreError> {
        let updated: Option<BuildVersion> = sqlx::query_as(&format!(
            "UPDATE agent_build_versions SET policy = $3, updated_at = now() \
             WHERE id = $1 AND workspace_id = $2 AND status = 'draft' RETURNING {VERSION_COLUMNS}"
        ))
        .bind(id.0)
        .bind(ws.0)
        .bind(sqlx::types::Json(policy))
        .fetch_optional(&self.pool)
        .await?;
        match updated {
            Some(v) => Ok(v),
            None => {
                let current = self.get_build_version(ws, id).await?;
                Err(StoreError::Conflict(format!(
                    "version {} is {} and can no longer be edited",
                    current.version,
                    current.status.as_str()
                )))
            }
        }
    }

    /// Moves a build version along `draft → ready → archived` (compare-and-set).
    pub async fn transition_build_version(
        &self,
        ws: WorkspaceId,
        id: BuildVersionId,
        to: BuildVersionStatus,
    ) -> Result<BuildVersion, StoreError> {
        let current = self.get_build_version(ws, id).await?;
        if current.status == to {
            return Ok(current);
        }
        if !current.status.can_transition_to(to) {
            return Err(StoreError::Conflict(format!(
                "a {} version cannot become {}",
                current.status.as_str(),
                to.as_str()
            )));
        }
        sqlx::query_as(&format!(
            "UPDATE agent_build_versions SET status = $4, updated_at = now() \
             WHERE id = $1 AND workspace_id = $2 AND status = $3 RETURNING {VERSION_COLUMNS}"
        ))
        .bind(id.0)
        .bind(ws.0)
        .bind(current.status.as_str())
        .bind(to.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::Conflict("the version changed concurrently; retry".into()))
    }

    /// Creates a deployment from a ready build version and live (not
    /// archived) profile and account of the same workspace.
    pub async fn create_deployment(
        &self,
        ws: WorkspaceId,
        new: &NewDeployment,
    ) -> Result<Deployment, StoreError> {
        let version = self
            .get_build_version(ws, new.build_version_id)
            .await
            .map_err(missing("build_version_id", "build version"))?;
        if version.status != BuildVersionStatus::Ready {
            return Err(StoreError::Conflict(format!(
                "build version {} is {}; only a ready version can be deployed",
                version.version,
                version.status.as_str()
            )));
        }
        let profile = self
            .get_runtime_profile(ws, new.runtime_profile_id)
            .await
            .map_err(missing("runtime_profile_id", "runtime profile"))?;
        let account = self
            .get_provider_account(ws, new.provider_account_id)
            .await
            .map_err(missing("provider_account_id", "provider account"))?;
        if profile.archived_at.is_some() || account.archived_at.is_some() {
            return Err(StoreError::Conflict(
                "the runtime profile or provider account is archived".into(),
            ));
        }
        sqlx::query_as(&format!(
            "INSERT INTO deployments (id, workspace_id, name, build_version_id, runtime_profile_id, provider_account_id, \
             model, provider_options) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING {DEPLOYMENT_COLUMNS}"
        ))
        .bind(DeploymentId::new().0)
        .bind(ws.0)
        .bind(&new.name)
        .bind(new.build_version_id.0)
        .bind(new.runtime_profile_id.0)
        .bind(new.provider_account_id.0)
        .bind(&new.model)
        .bind(&new.provider_options)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
        .map_err(name_taken("deployment", &new.name))
    }

    /// The workspace's deployments, newest first.
    pub async fn list_deployments(
        &self,
        ws: WorkspaceId,
        limit: u32,
        cursor: Option<Uuid>,
    ) -> Result<Page<Deployment>, StoreError> {
        page_query(
            &self.pool,
            "deployments",
            DEPLOYMENT_COLUMNS,
            ws,
            limit,
            cursor,
            |d: &Deployment| d.id.0,
        )
        .await
    }

    /// One deployment of the workspace.
    pub async fn get_deployment(
        &self,
        ws: WorkspaceId,
        id: DeploymentId,
    ) -> Result<Deployment, StoreError> {
        self.get_one("deployments", DEPLOYMENT_COLUMNS, ws, id.0)
            .await
    }

    /// Archives a resource of this module (idempotent).
    pub async fn archive(
        &self,
        ws: WorkspaceId,
        what: Archivable,
        id: Uuid,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(&format!(
            "UPDATE {} SET archived_at = COALESCE(archived_at, now()) WHERE id = $1 AND workspace_id = $2",
            what.table()
        ))
        .bind(id)
        .bind(ws.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Freezes a deployment into a snapshot of everything a lane needs,
    /// stored once per distinct content. Refuses archived or non-runnable
    /// deployments with a conflict that says why.
    pub async fn snapshot_deployment(
        &self,
        ws: WorkspaceId,
        id: DeploymentId,
    ) -> Result<(SnapshotId, DeploymentSnapshot), StoreError> {
        let deployment = self.get_deployment(ws, id).await?;
        let version = self
            .get_build_version(ws, deployment.build_version_id)
            .await?;
        let build = self.get_agent_build(ws, version.build_id).await?;
        let profile = self
            .get_runtime_profile(ws, deployment.runtime_profile_id)
            .await?;
        let account = self
            .get_provider_account(ws, deployment.provider_account_id)
            .await?;
        if deployment.archived_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "deployment `{}` is archived",
                deployment.name
            )));
        }
        if version.status != BuildVersionStatus::Ready {
            return Err(StoreError::Conflict(format!(
                "deployment `{}` uses build version {} which is {}",
                deployment.name,
                version.version,
                version.status.as_str()
            )));
        }
        let snapshot = DeploymentSnapshot {
            deployment_id: deployment.id,
            deployment_name: deployment.name,
            model: deployment.model,
            provider: ProviderSnapshot {
                account_id: account.id,
                name: account.name,
                kind: account.kind,
                base_url: account.base_url,
                credential_ref: account.credential_ref,
                max_concurrency: account.max_concurrency.map(to_u32),
                requests_per_minute: account.requests_per_minute.map(to_u32),
                tokens_per_minute: account.tokens_per_minute.map(to_u32),
            },
            runtime_profile_id: profile.id,
            limits: RuntimeLimits {
                max_iterations: to_u32(profile.max_iterations),
                max_tool_calls: to_u32(profile.max_tool_calls),
                step_timeout_ms: to_u64(profile.step_timeout_ms),
                run_timeout_ms: to_u64(profile.run_timeout_ms),
                max_parallel_cases: to_u32(profile.max_parallel_cases),
                allow_shell: profile.allow_shell,
                allow_network: profile.allow_network,
            },
            build_id: build.id,
            build_name: build.name,
            build_version_id: version.id,
            build_version: version.version,
            policy: version.policy,
            provider_options: deployment.provider_options,
        };
        let json = serde_json::to_value(&snapshot)
            .map_err(|e| StoreError::Corrupt(format!("snapshot does not serialise: {e}")))?;
        let hash = hex::encode(Sha256::digest(json.to_string().as_bytes()));
        let snapshot_id: Uuid = sqlx::query_scalar(
            "WITH ins AS (INSERT INTO deployment_snapshots (id, workspace_id, deployment_id, content_hash, snapshot) \
             VALUES ($1,$2,$3,$4,$5) ON CONFLICT (workspace_id, content_hash) DO NOTHING RETURNING id) \
             SELECT id FROM ins UNION ALL SELECT id FROM deployment_snapshots WHERE workspace_id = $2 AND content_hash = $4 LIMIT 1",
        )
        .bind(SnapshotId::new().0)
        .bind(ws.0)
        .bind(id.0)
        .bind(&hash)
        .bind(&json)
        .fetch_one(&self.pool)
        .await?;
        Ok((SnapshotId(snapshot_id), snapshot))
    }

    /// Reads a frozen snapshot.
    pub async fn get_snapshot(
        &self,
        ws: WorkspaceId,
        id: SnapshotId,
    ) -> Result<DeploymentSnapshot, StoreError> {
        let json: serde_json::Value = sqlx::query_scalar(
            "SELECT snapshot FROM deployment_snapshots WHERE id = $1 AND workspace_id = $2",
        )
        .bind(id.0)
        .bind(ws.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        serde_json::from_value(json).map_err(|e| StoreError::Corrupt(format!("snapshot {id}: {e}")))
    }

    async fn get_one<T>(
        &self,
        table: &str,
        columns: &str,
        ws: WorkspaceId,
        id: Uuid,
    ) -> Result<T, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        sqlx::query_as(&format!(
            "SELECT {columns} FROM {table} WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(id)
        .bind(ws.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }
}

/// A referenced resource that does not exist becomes an input error naming the field.
fn missing(field: &'static str, what: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |e| match e {
        StoreError::NotFound => {
            StoreError::InvalidInput(format!("`{field}`: no such {what} in this workspace"))
        }
        other => other,
    }
}

fn to_i32(v: u32) -> Result<i32, StoreError> {
    i32::try_from(v).map_err(|_| StoreError::InvalidInput(format!("{v} is too large")))
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::InvalidInput(format!("{v} is too large")))
}

/// Columns are CHECK-constrained to be positive; a negative value reads as 0.
fn to_u32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
