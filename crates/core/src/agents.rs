//! What an agent is made of (policy, provider, runtime envelope) and the
//! frozen snapshot of it a run lane executes, so that the API, the store and
//! the worker read one shape.

use crate::ids::{AgentBuildId, BuildVersionId, DeploymentId, ProviderAccountId, RuntimeProfileId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which wire protocol a provider account speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// OpenAI chat completions, and every compatible server via a base URL.
    Openai,
    /// Anthropic messages API.
    Anthropic,
    /// Google Gemini generateContent.
    Gemini,
    /// Deterministic responses from the deployment's options (no network).
    Scripted,
}

impl ProviderKind {
    /// Every kind, for error messages.
    pub const ALL: [ProviderKind; 4] =
        [Self::Openai, Self::Anthropic, Self::Gemini, Self::Scripted];

    /// The stable wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Scripted => "scripted",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown provider kind `{s}` (expected openai, anthropic, gemini or scripted)"
                )
            })
    }
}

impl TryFrom<String> for ProviderKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<String> for BuildVersionStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Where a provider credential comes from. The value itself is resolved by
/// the worker at call time and never stored next to the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialRef {
    /// `workspace-secret://NAME`: a secret of the run's workspace.
    WorkspaceSecret(String),
    /// `env://VAR`: an environment variable of the worker.
    Env(String),
}

impl FromStr for CredentialRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (scheme, name) = s
            .split_once("://")
            .ok_or_else(|| "expected `workspace-secret://NAME` or `env://VAR`".to_owned())?;
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(format!(
                "`{name}` is not a valid name (letters, digits and `_`, not starting with a digit)"
            ));
        }
        match scheme {
            "workspace-secret" => Ok(Self::WorkspaceSecret(name.to_owned())),
            "env" => Ok(Self::Env(name.to_owned())),
            other => Err(format!(
                "unknown credential scheme `{other}` (expected `workspace-secret` or `env`)"
            )),
        }
    }
}

/// Lifecycle of an agent build version: editable draft, frozen ready, retired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildVersionStatus {
    /// Editable; cannot be deployed.
    Draft,
    /// Frozen; deployable.
    Ready,
    /// Retired; existing runs keep their snapshots, new deployments refuse it.
    Archived,
}

impl BuildVersionStatus {
    /// The stable wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Ready => "ready",
            Self::Archived => "archived",
        }
    }

    /// `draft → ready → archived` (and `draft → archived`).
    pub fn can_transition_to(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Draft, Self::Ready) | (Self::Draft | Self::Ready, Self::Archived)
        )
    }
}

impl FromStr for BuildVersionStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(Self::Draft),
            "ready" => Ok(Self::Ready),
            "archived" => Ok(Self::Archived),
            other => Err(format!("unknown build version status `{other}`")),
        }
    }
}

/// The agent's policy: who it is and how it should work. Sent to the model as
/// the system message, ahead of the challenge instructions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentPolicy {
    /// Short role line, e.g. "senior Rust engineer".
    #[serde(default)]
    pub role: String,
    /// The system prompt.
    #[serde(default)]
    pub system_prompt: String,
    /// Extra working instructions appended to the system prompt.
    #[serde(default)]
    pub instructions: String,
    /// Tools the deployment hides or restricts beyond the pack's policy.
    #[serde(default)]
    pub tool_overrides: ToolOverrides,
    /// JSON Schema the final output should follow (informational for now).
    #[serde(default)]
    pub output_schema: Option<serde_json::Value>,
}

/// A build's narrowing of the pack's tool list. It can only hide tools.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolOverrides {
    /// When non-empty, only these tools stay visible (`submit` always stays).
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Tools hidden from the model.
    #[serde(default)]
    pub denied: Vec<String>,
}

/// The execution envelope of a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuntimeLimits {
    /// Model calls per case before the case stops with `step_limit`.
    pub max_iterations: u32,
    /// Tool calls per case (not counting `submit`) before `tool_limit`.
    pub max_tool_calls: u32,
    /// Longest single model call or tool call, in milliseconds.
    pub step_timeout_ms: u64,
    /// Longest case, in milliseconds, before `timeout`.
    pub run_timeout_ms: u64,
    /// Cases of one lane executing at once.
    pub max_parallel_cases: u32,
    /// Overrides the pack's `allow_shell` when set.
    pub allow_shell: Option<bool>,
    /// Overrides the pack's `allow_network` when set.
    pub allow_network: Option<bool>,
}

/// A provider account as frozen into a snapshot (no credential value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProviderSnapshot {
    /// The account.
    pub account_id: ProviderAccountId,
    /// The account's name.
    pub name: String,
    /// Wire protocol.
    pub kind: ProviderKind,
    /// Endpoint override.
    pub base_url: Option<String>,
    /// Where the credential comes from (`workspace-secret://…`, `env://…`).
    pub credential_ref: Option<String>,
    /// Calls in flight at once.
    pub max_concurrency: Option<u32>,
    /// Requests per minute.
    pub requests_per_minute: Option<u32>,
    /// Tokens per minute.
    pub tokens_per_minute: Option<u32>,
}

/// Everything a lane needs to run a deployment, by value, so history stays
/// reproducible after the deployment or its parts are edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeploymentSnapshot {
    /// The deployment frozen.
    pub deployment_id: DeploymentId,
    /// Its name at the time.
    pub deployment_name: String,
    /// The model id sent to the provider.
    pub model: String,
    /// The provider account.
    pub provider: ProviderSnapshot,
    /// The runtime profile.
    pub runtime_profile_id: RuntimeProfileId,
    /// The runtime profile's limits.
    pub limits: RuntimeLimits,
    /// The build.
    pub build_id: AgentBuildId,
    /// The build's name.
    pub build_name: String,
    /// The build version.
    pub build_version_id: BuildVersionId,
    /// Its number.
    pub build_version: i32,
    /// The agent's policy.
    pub policy: AgentPolicy,
    /// Provider options (temperature, max output tokens, scripted responses…).
    pub provider_options: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_refs_parse_or_explain() {
        assert_eq!(
            "workspace-secret://OPENAI_KEY".parse::<CredentialRef>(),
            Ok(CredentialRef::WorkspaceSecret("OPENAI_KEY".into()))
        );
        assert_eq!(
            "env://HOME_1".parse::<CredentialRef>(),
            Ok(CredentialRef::Env("HOME_1".into()))
        );
        assert!(
            "s3://x"
                .parse::<CredentialRef>()
                .expect_err("must be refused")
                .contains("scheme")
        );
        assert!(
            "env://1X"
                .parse::<CredentialRef>()
                .expect_err("must be refused")
                .contains("not a valid name")
        );
        assert!(
            "OPENAI"
                .parse::<CredentialRef>()
                .expect_err("must be refused")
                .contains("expected")
        );
    }

    #[test]
    fn build_versions_only_move_forward() {
        use BuildVersionStatus::*;
        assert!(Draft.can_transition_to(Ready));
        assert!(Ready.can_transition_to(Archived));
        assert!(!Ready.can_transition_to(Draft));
        assert!(!Archived.can_transition_to(Ready));
    }
}
