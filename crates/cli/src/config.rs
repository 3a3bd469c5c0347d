//! Where the CLI finds the API, its token and the workspace to act in.
//!
//! Precedence: flag > environment (`AGENTCLASH_API_URL`, `AGENTCLASH_TOKEN`,
//! `AGENTCLASH_WORKSPACE`) > project `.agentclash.yaml` (see [`crate::project`];
//! never a token) > user config (`$XDG_CONFIG_HOME/agentclash/config.json`,
//! mode 0600) > default. `agentclash local up` writes the user config after
//! bootstrapping the local stack, so the CLI works at once.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::exit::{self, fail};
use crate::project::ProjectConfig;

/// The API URL used when nothing else names one.
pub const DEFAULT_API_URL: &str = "http://localhost:8080";

/// The user config file's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Base URL of the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Bearer API token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Workspace id to act in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

/// `$XDG_CONFIG_HOME/agentclash/config.json` (or `~/.config/...`).
pub fn user_config_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp"))
                .join(".config")
        });
    base.join("agentclash").join("config.json")
}

impl UserConfig {
    /// Reads the user config; a missing file is an empty config.
    pub fn load() -> anyhow::Result<Self> {
        let path = user_config_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| fail(exit::VALIDATION, format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(fail(
                exit::ERROR,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    }

    /// Writes the user config with mode 0600 (it holds a token).
    pub fn save(&self) -> anyhow::Result<PathBuf> {
        let path = user_config_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(exit::ERROR, format!("cannot create {}: {e}", dir.display())))?;
        }
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            file.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| fail(exit::ERROR, format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    }
}

/// Where a setting came from, for `config show` and error hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The project's `.agentclash.yaml`.
    Project(PathBuf),
    /// The user config.
    User(PathBuf),
    /// Built in.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Flag => f.write_str("flag"),
            Self::Env(var) => write!(f, "env {var}"),
            Self::Project(path) | Self::User(path) => write!(f, "{}", path.display()),
            Self::Default => f.write_str("default"),
        }
    }
}

/// The settings a command talking to the API runs with.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Base URL of the API.
    pub api_url: String,
    /// Bearer token, if any.
    pub token: Option<String>,
    /// Workspace id, if any.
    pub workspace: Option<String>,
    /// Where `api_url` came from.
    pub api_url_source: Source,
    /// Where `token` came from (`None` when there is no token).
    pub token_source: Option<Source>,
    /// Where `workspace` came from (`None` when there is none).
    pub workspace_source: Option<Source>,
}

/// A non-empty environment variable.
fn env(var: &'static str) -> Option<(String, Source)> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| (v, Source::Env(var)))
}

/// Applies the precedence rules: flag > environment variable >
/// `.agentclash.yaml` > user config > default. `api_url` and `workspace` are
/// the flag values. The token never comes from the project file.
pub fn resolve(api_url: Option<String>, workspace: Option<String>) -> anyhow::Result<Resolved> {
    let project = ProjectConfig::discover()?.unwrap_or_default();
    let user = UserConfig::load()?;
    let user_path = user_config_path();
    let pick =
        |flag: Option<String>, var, project_value: Option<String>, user_value: Option<String>| {
            flag.map(|v| (v, Source::Flag))
                .or_else(|| env(var))
                .or_else(|| project_value.map(|v| (v, Source::Project(project.path.clone()))))
                .or_else(|| user_value.map(|v| (v, Source::User(user_path.clone()))))
        };
    let (api_url, api_url_source) = pick(
        api_url,
        "AGENTCLASH_API_URL",
        project.api_url.clone(),
        user.api_url,
    )
    .unwrap_or_else(|| (DEFAULT_API_URL.to_owned(), Source::Default));
    let workspace = pick(
        workspace,
        "AGENTCLASH_WORKSPACE",
        project.workspace.clone(),
        user.workspace,
    );
    let token = env("AGENTCLASH_TOKEN")
        .or_else(|| user.token.map(|t| (t, Source::User(user_path.clone()))));
    Ok(Resolved {
        api_url,
        api_url_source,
        token_source: token.as_ref().map(|(_, s)| s.clone()),
        token: token.map(|(t, _)| t),
        workspace_source: workspace.as_ref().map(|(_, s)| s.clone()),
        workspace: workspace.map(|(w, _)| w),
    })
}

impl Resolved {
    /// The workspace, or a usage error saying how to pick one.
    pub fn require_workspace(&self) -> anyhow::Result<&str> {
        self.workspace.as_deref().ok_or_else(|| {
            fail(
                exit::USAGE,
                "no workspace selected: pass --workspace, set AGENTCLASH_WORKSPACE, add `workspace:` to .agentclash.yaml, or run `agentclash local up`",
            )
        })
    }
}
