//! Process configuration and set-up shared by the binaries: typed settings
//! read from environment variables, logging, and the shutdown signal.
//!
//! Each binary builds its config once at start. A missing or malformed value
//! becomes a [`ConfigError`] naming the variable and what is expected, which
//! the binary prints as one line before exiting with status 2 — never a panic.
//! Values are never echoed back, because some of them carry credentials.

mod env;
mod logging;
mod shutdown;
mod values;

pub use env::{Env, ProcessEnv};
pub use logging::init_logging;
pub use shutdown::shutdown_signal;
pub use values::{ArtifactStore, DatabaseUrl, LogFormat, RedisUrl, SecretsKey, TemporalAddress};

use std::net::SocketAddr;
use std::path::PathBuf;

/// A variable that is missing or does not hold what the binary needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong and what is expected instead.
    pub problem: String,
}

impl ConfigError {
    fn missing(var: &'static str, expected: &str) -> Self {
        Self {
            var,
            problem: format!("is not set; expected {expected}"),
        }
    }

    fn invalid(var: &'static str, expected: &str) -> Self {
        Self {
            var,
            problem: format!("has an invalid value; expected {expected}"),
        }
    }
}

/// Prints the error as one line and exits with status 2. The single place
/// where a binary turns a config problem into a process exit.
pub fn exit_on_config_error(binary: &str, error: &ConfigError) -> ! {
    eprintln!("{binary}: configuration error: {error}");
    std::process::exit(2)
}

/// Where Temporal is and which queue the run workflows live on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporalConfig {
    /// gRPC frontend address.
    pub address: TemporalAddress,
    /// Namespace of every workflow we start.
    pub namespace: String,
    /// Task queue the worker polls and the API starts workflows on.
    pub task_queue: String,
}

/// Configuration of `agentclash-api`.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// System of record.
    pub database_url: DatabaseUrl,
    /// Workflow engine the API starts runs on.
    pub temporal: TemporalConfig,
    /// Listen address of the HTTP server.
    pub bind: SocketAddr,
    /// Where artifacts are kept.
    pub artifact_store: ArtifactStore,
    /// Optional event fanout; Postgres LISTEN/NOTIFY when absent.
    pub redis_url: Option<RedisUrl>,
    /// Master key for workspace secrets (required once secrets are used).
    pub secrets_key: Option<SecretsKey>,
    /// Log rendering.
    pub log_format: LogFormat,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute per API token or browser user (0: unlimited).
    pub rate_limit_per_minute: u32,
    /// Requests per minute per workspace, all callers together (0: unlimited).
    pub workspace_rate_limit_per_minute: u32,
    /// Whether anyone may sign up without an invitation (`API_OPEN_SIGNUP=1`).
    pub open_signup: bool,
}

/// Configuration of `agentclash-worker`.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// System of record.
    pub database_url: DatabaseUrl,
    /// Workflow engine the worker polls.
    pub temporal: TemporalConfig,
    /// Where artifacts are kept.
    pub artifact_store: ArtifactStore,
    /// Event fanout the worker announces commits on; Postgres NOTIFY when
    /// absent. Must match the API's.
    pub redis_url: Option<RedisUrl>,
    /// Master key for workspace secrets (required once secrets are used).
    pub secrets_key: Option<SecretsKey>,
    /// Log rendering.
    pub log_format: LogFormat,
    /// Activities one worker process runs at once.
    pub max_concurrent_activities: usize,
    /// Directory of the local sandboxes (one sub-directory each).
    pub sandbox_root: PathBuf,
    /// Local mode (`AGENTCLASH_LOCAL_MODE=1`): provider base URLs may use
    /// http and private or loopback addresses.
    pub local_mode: bool,
}

/// Default task queue shared by the API and the worker.
pub const DEFAULT_TASK_QUEUE: &str = "agentclash-runs";
/// Default API listen address; the CLI's default API URL points here.
pub const DEFAULT_API_BIND: &str = "127.0.0.1:8080";

impl TemporalConfig {
    /// Reads `TEMPORAL_ADDRESS` (required), `TEMPORAL_NAMESPACE` and `TEMPORAL_TASK_QUEUE`.
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            address: required(
                env,
                "TEMPORAL_ADDRESS",
                TemporalAddress::EXPECTED,
                TemporalAddress::parse,
            )?,
            namespace: name(env, "TEMPORAL_NAMESPACE", "default")?,
            task_queue: name(env, "TEMPORAL_TASK_QUEUE", DEFAULT_TASK_QUEUE)?,
        })
    }
}

impl ApiConfig {
    /// Reads and validates every variable the API uses.
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            database_url: database_url(env)?,
            temporal: TemporalConfig::from_env(env)?,
            bind: optional(
                env,
                "API_BIND",
                "a listen address like 127.0.0.1:8080",
                |v| v.parse().ok(),
            )?
            .unwrap_or_else(default_bind),
            artifact_store: artifact_store(env)?,
            redis_url: redis_url(env)?,
            secrets_key: secrets_key(env)?,
            log_format: log_format(env)?,
            max_body_bytes: optional(
                env,
                "API_MAX_BODY_BYTES",
                "a size in bytes between 1024 and 67108864",
                |v| {
                    v.parse()
                        .ok()
                        .filter(|n| (1024..=64 * 1024 * 1024).contains(n))
                },
            )?
            .unwrap_or(2 * 1024 * 1024),
            rate_limit_per_minute: per_minute(env, "API_RATE_LIMIT_PER_MINUTE")?.unwrap_or(1200),
            workspace_rate_limit_per_minute: per_minute(
                env,
                "API_WORKSPACE_RATE_LIMIT_PER_MINUTE",
            )?
            .unwrap_or(6000),
            open_signup: flag(env, "API_OPEN_SIGNUP")?.unwrap_or(false),
        })
    }
}

impl WorkerConfig {
    /// Reads and validates every variable the worker uses.
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            database_url: database_url(env)?,
            temporal: TemporalConfig::from_env(env)?,
            artifact_store: artifact_store(env)?,
            redis_url: redis_url(env)?,
            secrets_key: secrets_key(env)?,
            log_format: log_format(env)?,
            max_concurrent_activities: optional(
                env,
                "WORKER_MAX_CONCURRENT_ACTIVITIES",
                "an integer between 1 and 1024",
                |v| v.parse().ok().filter(|n| (1..=1024).contains(n)),
            )?
            .unwrap_or(32),
            sandbox_root: optional(env, "SANDBOX_ROOT", "an absolute path", |v| {
                let path = PathBuf::from(v);
                path.is_absolute().then_some(path)
            })?
            .unwrap_or_else(|| default_data_dir(env).join("sandboxes")),
            local_mode: flag(env, "AGENTCLASH_LOCAL_MODE")?.unwrap_or(false),
        })
    }
}

fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// An on/off switch: `1`/`true` or `0`/`false`.
fn flag(env: &impl Env, var: &'static str) -> Result<Option<bool>, ConfigError> {
    optional(env, var, "1, true, 0 or false", |v| match v {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    })
}

fn per_minute(env: &impl Env, var: &'static str) -> Result<Option<u32>, ConfigError> {
    optional(
        env,
        var,
        "a number of requests per minute (0 for no limit)",
        |v| v.parse().ok(),
    )
}

fn database_url(env: &impl Env) -> Result<DatabaseUrl, ConfigError> {
    required(
        env,
        "DATABASE_URL",
        DatabaseUrl::EXPECTED,
        DatabaseUrl::parse,
    )
}

fn redis_url(env: &impl Env) -> Result<Option<RedisUrl>, ConfigError> {
    optional(env, "REDIS_URL", RedisUrl::EXPECTED, RedisUrl::parse)
}

fn secrets_key(env: &impl Env) -> Result<Option<SecretsKey>, ConfigError> {
    optional(
        env,
        "AGENTCLASH_SECRETS_KEY",
        SecretsKey::EXPECTED,
        SecretsKey::parse,
    )
}

fn artifact_store(env: &impl Env) -> Result<ArtifactStore, ConfigError> {
    match optional(
        env,
        "ARTIFACT_STORE",
        ArtifactStore::EXPECTED,
        ArtifactStore::parse,
    )? {
        Some(store) => Ok(store),
        None => Ok(ArtifactStore::Local(
            default_data_dir(env).join("artifacts"),
        )),
    }
}

fn log_format(env: &impl Env) -> Result<LogFormat, ConfigError> {
    Ok(
        optional(env, "LOG_FORMAT", LogFormat::EXPECTED, LogFormat::parse)?
            .unwrap_or(LogFormat::Auto),
    )
}

/// `$XDG_DATA_HOME/agentclash`, falling back to `~/.local/share/agentclash`.
pub fn default_data_dir(env: &impl Env) -> PathBuf {
    let base = env
        .get("XDG_DATA_HOME")
        .filter(|v| v.starts_with('/'))
        .map(PathBuf::from)
        .unwrap_or_else(|| home(env).join(".local/share"));
    base.join("agentclash")
}

/// `$XDG_CONFIG_HOME/agentclash`, falling back to `~/.config/agentclash`.
pub fn default_config_dir(env: &impl Env) -> PathBuf {
    let base = env
        .get("XDG_CONFIG_HOME")
        .filter(|v| v.starts_with('/'))
        .map(PathBuf::from)
        .unwrap_or_else(|| home(env).join(".config"));
    base.join("agentclash")
}

fn home(env: &impl Env) -> PathBuf {
    env.get("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// Reads a required variable and parses it, naming the variable on failure.
pub fn required<T>(
    env: &impl Env,
    var: &'static str,
    expected: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ConfigError> {
    optional(env, var, expected, parse)?.ok_or_else(|| ConfigError::missing(var, expected))
}

/// Reads an optional variable (unset or empty means absent) and parses it.
pub fn optional<T>(
    env: &impl Env,
    var: &'static str,
    expected: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ConfigError> {
    match env.get(var) {
        None => Ok(None),
        Some(raw) if raw.trim().is_empty() => Ok(None),
        Some(raw) => parse(raw.trim())
            .map(Some)
            .ok_or_else(|| ConfigError::invalid(var, expected)),
    }
}

fn name(env: &impl Env, var: &'static str, default: &str) -> Result<String, ConfigError> {
    let expected = "a name of letters, digits, '.', '-' or '_' (at most 200 characters)";
    Ok(optional(env, var, expected, |v| {
        let ok = v.len() <= 200
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        ok.then(|| v.to_owned())
    })?
    .unwrap_or_else(|| default.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const BASE: &[(&str, &str)] = &[
        ("DATABASE_URL", "postgres://u:secretpw@127.0.0.1:5432/db"),
        ("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
        ("HOME", "/home/u"),
    ];

    #[test]
    fn minimal_api_config_gets_documented_defaults() {
        let cfg = ApiConfig::from_env(&env(BASE)).expect("valid");
        assert_eq!(cfg.bind.to_string(), DEFAULT_API_BIND);
        assert_eq!(cfg.temporal.namespace, "default");
        assert_eq!(cfg.temporal.task_queue, DEFAULT_TASK_QUEUE);
        assert_eq!(cfg.temporal.address.url(), "http://127.0.0.1:7233");
        assert_eq!(
            cfg.artifact_store,
            ArtifactStore::Local(PathBuf::from("/home/u/.local/share/agentclash/artifacts"))
        );
        assert!(cfg.redis_url.is_none());
        assert!(!cfg.open_signup, "sign-up needs an invitation by default");
    }

    #[test]
    fn open_signup_is_a_flag() {
        for (raw, expected) in [("1", true), ("true", true), ("0", false), ("false", false)] {
            let mut e = env(BASE);
            e.insert("API_OPEN_SIGNUP".into(), raw.into());
            assert_eq!(
                ApiConfig::from_env(&e).expect("valid").open_signup,
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn missing_database_url_names_the_variable() {
        let err = ApiConfig::from_env(&env(&[("TEMPORAL_ADDRESS", "x:1")])).expect_err("missing");
        assert_eq!(err.var, "DATABASE_URL");
        assert!(
            err.to_string()
                .starts_with("DATABASE_URL: is not set; expected a postgres://")
        );
    }

    #[test]
    fn nonsense_values_name_the_variable_and_never_echo_the_value() {
        for (var, bad) in [
            ("DATABASE_URL", "nonsense"),
            ("TEMPORAL_ADDRESS", "no port here"),
            ("API_BIND", "localhost"),
            ("ARTIFACT_STORE", "ftp://x"),
            ("REDIS_URL", "http://x"),
            ("AGENTCLASH_SECRETS_KEY", "tooshort"),
            ("LOG_FORMAT", "xml"),
            ("TEMPORAL_NAMESPACE", "bad namespace!"),
            ("API_OPEN_SIGNUP", "yes please"),
        ] {
            let mut e = env(BASE);
            e.insert(var.to_owned(), bad.to_owned());
            let err = ApiConfig::from_env(&e).expect_err(var);
            assert_eq!(err.var, var);
            let line = err.to_string();
            assert!(!line.contains('\n'), "one line: {line}");
            assert!(!line.contains(bad), "value must not be echoed: {line}");
        }
    }

    #[test]
    fn database_url_is_redacted_in_debug_output() {
        let cfg = ApiConfig::from_env(&env(BASE)).expect("valid");
        assert!(!format!("{cfg:?}").contains("secretpw"));
        assert_eq!(
            cfg.database_url.expose(),
            "postgres://u:secretpw@127.0.0.1:5432/db"
        );
    }

    #[test]
    fn worker_config_reads_concurrency_with_bounds() {
        let mut e = env(BASE);
        e.insert("WORKER_MAX_CONCURRENT_ACTIVITIES".into(), "0".into());
        assert_eq!(
            WorkerConfig::from_env(&e)
                .expect_err("0 is out of range")
                .var,
            "WORKER_MAX_CONCURRENT_ACTIVITIES"
        );
        e.insert("WORKER_MAX_CONCURRENT_ACTIVITIES".into(), "8".into());
        assert_eq!(
            WorkerConfig::from_env(&e)
                .expect("valid")
                .max_concurrent_activities,
            8
        );
    }

    #[test]
    fn api_and_worker_read_the_same_redis_url_and_reject_other_schemes() {
        let mut e = env(BASE);
        e.insert("REDIS_URL".into(), "redis://:pw@127.0.0.1:6379/0".into());
        let api = ApiConfig::from_env(&e).expect("valid").redis_url;
        let worker = WorkerConfig::from_env(&e).expect("valid").redis_url;
        assert_eq!(
            api.as_ref().map(RedisUrl::expose),
            Some("redis://:pw@127.0.0.1:6379/0")
        );
        assert_eq!(
            worker.as_ref().map(RedisUrl::expose),
            api.as_ref().map(RedisUrl::expose)
        );
        e.insert("REDIS_URL".into(), "http://127.0.0.1:6379".into());
        for err in [
            ApiConfig::from_env(&e).expect_err("bad scheme"),
            WorkerConfig::from_env(&e).expect_err("bad scheme"),
        ] {
            assert_eq!(err.var, "REDIS_URL");
            assert!(err.problem.contains("redis://"), "{}", err.problem);
        }
    }
}
