//! Where the CLI finds the API, its token and the workspace to act in.
//!
//! Precedence: flag > environment (`AGENTCLASH_API_URL`, `AGENTCLASH_TOKEN`,
//! `AGENTCLASH_WORKSPACE`) > user config (`$XDG_CONFIG_HOME/agentclash/config.json`,
//! mode 0600) > default. `agentclash local up` writes the user config after
//! bootstrapping the local stack, so the CLI works at once.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::exit::{self, fail};

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

/// The settings a command talking to the API runs with.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Base URL of the API.
    pub api_url: String,
    /// Bearer token, if any.
    pub token: Option<String>,
    /// Workspace id, if any.
    pub workspace: Option<String>,
}

/// Applies the precedence rules. `api_url` and `workspace` are the flag
/// values (clap has already folded in the environment variables).
pub fn resolve(api_url: Option<String>, workspace: Option<String>) -> anyhow::Result<Resolved> {
    let user = UserConfig::load()?;
    let token = std::env::var("AGENTCLASH_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .or(user.token);
    Ok(Resolved {
        api_url: api_url
            .or(user.api_url)
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
        token,
        workspace: workspace.or(user.workspace),
    })
}

impl Resolved {
    /// The workspace, or a usage error saying how to pick one.
    pub fn require_workspace(&self) -> anyhow::Result<&str> {
        self.workspace.as_deref().ok_or_else(|| {
            fail(
                exit::USAGE,
                "no workspace selected: pass --workspace, set AGENTCLASH_WORKSPACE, or run `agentclash local up`",
            )
        })
    }
}
