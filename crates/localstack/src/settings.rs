//! Settings chosen at first start and persisted in `stack.json`.

use std::fmt;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Result};
use crate::layout::StackLayout;

/// Default port of the stack's own Postgres.
pub const DEFAULT_PG_PORT: u16 = 55432;
/// Default gRPC port of the stack's own Temporal dev server.
pub const DEFAULT_TEMPORAL_PORT: u16 = 57233;
/// Default listen address of the API (the CLI's default API URL points here).
pub const DEFAULT_API_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);
/// Temporal namespace used when `TEMPORAL_NAMESPACE` is not set.
pub const DEFAULT_NAMESPACE: &str = "default";
/// Task queue used when `TEMPORAL_TASK_QUEUE` is not set.
pub const DEFAULT_TASK_QUEUE: &str = "agentclash-runs";
/// Overrides the managed Postgres port.
pub const PG_PORT_ENV: &str = "AGENTCLASH_LOCAL_PG_PORT";
/// Overrides the managed Temporal port.
pub const TEMPORAL_PORT_ENV: &str = "AGENTCLASH_LOCAL_TEMPORAL_PORT";
/// `0`/`false` runs the stack without the web app; `1`/`true` (the default)
/// with it.
pub const WEB_ENV: &str = "AGENTCLASH_LOCAL_WEB";
/// Overrides the web app's port (default: the API's port + 1).
pub const WEB_PORT_ENV: &str = "AGENTCLASH_LOCAL_WEB_PORT";

/// A string that may carry a credential: serialised as-is (the settings file
/// is mode 0600) but never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for handing to a child process.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(…)")
    }
}

/// Where the stack's database comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum PostgresSettings {
    /// A cluster the stack runs itself.
    Managed {
        /// TCP port on 127.0.0.1.
        port: u16,
        /// Real path of the Postgres directory (`pgdata/` and `run/` inside).
        dir: PathBuf,
        /// File holding the generated password of user `agentclash`.
        password_file: PathBuf,
    },
    /// A database given by `DATABASE_URL`; the stack does not start Postgres.
    External {
        /// The connection URL.
        url: SecretString,
    },
}

/// Where the stack's Temporal comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum TemporalSettings {
    /// A dev server the stack runs itself.
    Managed {
        /// gRPC port on 127.0.0.1.
        port: u16,
    },
    /// A server given by `TEMPORAL_ADDRESS`; the stack does not start Temporal.
    External {
        /// `host:port` of the frontend.
        address: String,
    },
}

/// Everything about a stack that must stay the same between `up`, `status`
/// and `down`, even when they run in shells with different environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackSettings {
    /// The database.
    pub postgres: PostgresSettings,
    /// The workflow engine.
    pub temporal: TemporalSettings,
    /// `API_BIND` of the API.
    pub api_bind: SocketAddr,
    /// `TEMPORAL_NAMESPACE` of the API and worker.
    pub temporal_namespace: String,
    /// `TEMPORAL_TASK_QUEUE` of the API and worker.
    pub task_queue: String,
    /// Port (on 127.0.0.1) of the web app; chosen once, next to the API's.
    /// Absent in settings written before the stack ran the web app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_port: Option<u16>,
    /// The stack runs without the web app (`AGENTCLASH_LOCAL_WEB=0`).
    #[serde(default)]
    pub web_disabled: bool,
    /// The `temporal` CLI found when the stack was configured, so later
    /// commands work from any directory. Where a program lives is not a
    /// setting of the stack: [`StackSettings::changes_from`] ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal_bin: Option<PathBuf>,
}

/// Reads one environment variable; unset and blank are the same.
type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

impl StackSettings {
    /// Settings for `up`: the environment (`DATABASE_URL`, `TEMPORAL_ADDRESS`,
    /// `API_BIND`, port overrides, ...) wins over `stored`, which wins over
    /// the defaults. `managed_pg_dir` is only called when a new managed
    /// cluster needs a directory.
    pub fn resolve(
        layout: &StackLayout,
        stored: Option<&StackSettings>,
        managed_pg_dir: impl FnOnce() -> Result<PathBuf>,
    ) -> Result<Self> {
        let env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
        Self::resolve_with(&env, stored, layout.password_file(), managed_pg_dir)
    }

    fn resolve_with(
        env: EnvFn<'_>,
        stored: Option<&StackSettings>,
        password_file: PathBuf,
        managed_pg_dir: impl FnOnce() -> Result<PathBuf>,
    ) -> Result<Self> {
        let postgres = match (
            env("DATABASE_URL"),
            port_from_env(env, PG_PORT_ENV)?,
            stored,
        ) {
            (Some(url), _, _) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(Error::InvalidSetting {
                        var: "DATABASE_URL",
                        expected: "a postgres:// URL",
                    });
                }
                PostgresSettings::External {
                    url: SecretString::new(url),
                }
            }
            (None, None, Some(s)) => s.postgres.clone(),
            (None, port, stored) => {
                let (stored_port, stored_dir) = match stored.map(|s| &s.postgres) {
                    Some(PostgresSettings::Managed { port, dir, .. }) => {
                        (Some(*port), Some(dir.clone()))
                    }
                    _ => (None, None),
                };
                let dir = match stored_dir {
                    Some(dir) => dir,
                    None => managed_pg_dir()?,
                };
                PostgresSettings::Managed {
                    port: port.or(stored_port).unwrap_or(DEFAULT_PG_PORT),
                    dir,
                    password_file,
                }
            }
        };
        let temporal = match (
            env("TEMPORAL_ADDRESS"),
            port_from_env(env, TEMPORAL_PORT_ENV)?,
            stored,
        ) {
            (Some(address), _, _) => {
                if authority_port(&address).is_none() {
                    return Err(Error::InvalidSetting {
                        var: "TEMPORAL_ADDRESS",
                        expected: "host:port",
                    });
                }
                TemporalSettings::External { address }
            }
            (None, None, Some(s)) => s.temporal.clone(),
            (None, port, _) => TemporalSettings::Managed {
                port: port.unwrap_or(DEFAULT_TEMPORAL_PORT),
            },
        };
        let api_bind = match env("API_BIND") {
            Some(raw) => raw.trim().parse().map_err(|_| Error::InvalidSetting {
                var: "API_BIND",
                expected: "a listen address like 127.0.0.1:8080",
            })?,
            None => stored.map_or(DEFAULT_API_BIND, |s| s.api_bind),
        };
        let name = |var, stored: Option<&String>, default: &str| {
            env(var)
                .or_else(|| stored.cloned())
                .unwrap_or_else(|| default.to_owned())
        };
        Ok(Self {
            postgres,
            temporal,
            api_bind,
            temporal_namespace: name(
                "TEMPORAL_NAMESPACE",
                stored.map(|s| &s.temporal_namespace),
                DEFAULT_NAMESPACE,
            ),
            task_queue: name(
                "TEMPORAL_TASK_QUEUE",
                stored.map(|s| &s.task_queue),
                DEFAULT_TASK_QUEUE,
            ),
            temporal_bin: stored.and_then(|s| s.temporal_bin.clone()),
            web_port: Some(
                port_from_env(env, WEB_PORT_ENV)?
                    .or_else(|| stored.and_then(|s| s.web_port))
                    .unwrap_or_else(|| default_web_port(api_bind)),
            ),
            web_disabled: match env(WEB_ENV) {
                Some(raw) => !parse_switch(&raw).ok_or(Error::InvalidSetting {
                    var: WEB_ENV,
                    expected: "1, true, 0 or false",
                })?,
                None => stored.is_some_and(|s| s.web_disabled),
            },
        })
    }

    /// The web app's port: the stored one, else next to the API's.
    pub fn web_port(&self) -> u16 {
        self.web_port
            .unwrap_or_else(|| default_web_port(self.api_bind))
    }

    /// The stored settings, or `None` before the first `up`.
    pub fn load(layout: &StackLayout) -> Result<Option<Self>> {
        let path = layout.settings_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).context(|| format!("cannot read {}", path.display())),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|cause| Error::Settings { path, cause })
    }

    /// Writes the settings atomically with mode 0600 (an external
    /// `DATABASE_URL` may carry a password).
    pub fn save(&self, layout: &StackLayout) -> Result<()> {
        let path = layout.settings_file();
        let json = serde_json::to_string_pretty(self).map_err(|cause| Error::Settings {
            path: path.clone(),
            cause,
        })?;
        write_private_file(&path, format!("{json}\n").as_bytes())
    }

    /// Names of the settings that differ between `self` and `other`.
    pub fn changes_from(&self, other: &StackSettings) -> Vec<&'static str> {
        [
            ("postgres", self.postgres != other.postgres),
            ("temporal", self.temporal != other.temporal),
            ("api_bind", self.api_bind != other.api_bind),
            (
                "temporal_namespace",
                self.temporal_namespace != other.temporal_namespace,
            ),
            ("task_queue", self.task_queue != other.task_queue),
            ("web_port", self.web_port() != other.web_port()),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
    }
}

/// The port after the API's (before it when the API has the last port).
fn default_web_port(api_bind: SocketAddr) -> u16 {
    api_bind
        .port()
        .checked_add(1)
        .unwrap_or(api_bind.port() - 1)
}

/// `1`/`true` or `0`/`false`.
fn parse_switch(raw: &str) -> Option<bool> {
    match raw.trim() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

fn port_from_env(env: EnvFn<'_>, var: &'static str) -> Result<Option<u16>> {
    env(var)
        .map(|raw| {
            raw.trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(Error::InvalidSetting {
                    var,
                    expected: "a TCP port between 1 and 65535",
                })
        })
        .transpose()
}

/// Writes `bytes` to `path` via a temporary file and a rename, creating it
/// with mode 0600 so the content is never readable by others.
pub(crate) fn write_private_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .context(|| format!("cannot create {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).context(|| format!("cannot replace {}", path.display()))
}

/// The `host:port` part of a URL (credentials and path removed), with the
/// Postgres default port when none is given. Used to show and probe an
/// external database without ever printing its password.
pub fn url_authority(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.is_empty() {
        return None;
    }
    Some(match authority_port(host_port) {
        Some(_) => host_port.to_owned(),
        None => format!("{host_port}:5432"),
    })
}

/// The port of `host:port` (IPv6 hosts in brackets), if there is one.
fn authority_port(host_port: &str) -> Option<u16> {
    let (host, port) = host_port.rsplit_once(':')?;
    if host.is_empty() || (host.starts_with('[') && !host.ends_with(']')) {
        return None;
    }
    port.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(pairs: &[(&str, &str)], stored: Option<&StackSettings>) -> Result<StackSettings> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        StackSettings::resolve_with(
            &|k| env.get(k).cloned(),
            stored,
            PathBuf::from("/s/postgres.password"),
            || Ok(PathBuf::from("/s/postgres")),
        )
    }

    #[test]
    fn defaults_manage_everything() {
        let s = resolve(&[], None).expect("ok");
        assert_eq!(
            s.postgres,
            PostgresSettings::Managed {
                port: DEFAULT_PG_PORT,
                dir: PathBuf::from("/s/postgres"),
                password_file: PathBuf::from("/s/postgres.password"),
            }
        );
        assert_eq!(
            s.temporal,
            TemporalSettings::Managed {
                port: DEFAULT_TEMPORAL_PORT
            }
        );
        assert_eq!(s.api_bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.temporal_namespace, "default");
        assert_eq!(s.task_queue, "agentclash-runs");
    }

    #[test]
    fn environment_selects_external_services_and_ports() {
        let s = resolve(
            &[
                ("DATABASE_URL", "postgres://u:pw@db:5433/x"),
                ("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
                ("API_BIND", "127.0.0.1:9090"),
            ],
            None,
        )
        .expect("ok");
        assert!(matches!(s.postgres, PostgresSettings::External { .. }));
        assert!(
            !format!("{s:?}").contains("pw@"),
            "Debug must not leak the password"
        );
        assert_eq!(
            s.temporal,
            TemporalSettings::External {
                address: "127.0.0.1:7233".into()
            }
        );
        assert_eq!(s.api_bind.port(), 9090);
        let s = resolve(&[(PG_PORT_ENV, "6000"), (TEMPORAL_PORT_ENV, "6001")], None).expect("ok");
        assert!(matches!(
            s.postgres,
            PostgresSettings::Managed { port: 6000, .. }
        ));
        assert_eq!(s.temporal, TemporalSettings::Managed { port: 6001 });
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (var, bad) in [
            (PG_PORT_ENV, "0"),
            (TEMPORAL_PORT_ENV, "http"),
            ("API_BIND", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("TEMPORAL_ADDRESS", "nohost"),
        ] {
            match resolve(&[(var, bad)], None) {
                Err(Error::InvalidSetting { var: v, .. }) => assert_eq!(v, var),
                other => panic!("{var}: {other:?}"),
            }
        }
    }

    #[test]
    fn stored_settings_stick_unless_the_environment_overrides_them() {
        let first = resolve(
            &[(PG_PORT_ENV, "6000"), ("TEMPORAL_ADDRESS", "10.0.0.1:7233")],
            None,
        )
        .expect("ok");
        let again = resolve(&[], Some(&first)).expect("ok");
        assert_eq!(again, first);
        let moved = resolve(&[(PG_PORT_ENV, "6001")], Some(&first)).expect("ok");
        assert_eq!(moved.changes_from(&first), vec!["postgres"]);
        assert!(matches!(
            moved.postgres,
            PostgresSettings::Managed { port: 6001, .. }
        ));
    }

    #[test]
    fn the_web_app_sits_next_to_the_api_unless_moved_or_turned_off() {
        let s = resolve(&[("API_BIND", "127.0.0.1:9090")], None).expect("ok");
        assert_eq!((s.web_port(), s.web_disabled), (9091, false));
        let again = resolve(&[("API_BIND", "127.0.0.1:7000")], Some(&s)).expect("ok");
        assert_eq!(again.web_port(), 9091, "a chosen port sticks");
        let moved = resolve(&[(WEB_PORT_ENV, "3000")], Some(&s)).expect("ok");
        assert_eq!(moved.web_port(), 3000);
        assert_eq!(moved.changes_from(&s), vec!["web_port"]);
        let off = resolve(&[(WEB_ENV, "0")], Some(&s)).expect("ok");
        assert!(off.web_disabled);
        assert!(
            resolve(&[], Some(&off)).expect("ok").web_disabled,
            "off sticks"
        );
        assert!(
            !resolve(&[(WEB_ENV, "true")], Some(&off))
                .expect("ok")
                .web_disabled
        );
        for (var, bad) in [(WEB_ENV, "maybe"), (WEB_PORT_ENV, "0")] {
            match resolve(&[(var, bad)], None) {
                Err(Error::InvalidSetting { var: v, .. }) => assert_eq!(v, var),
                other => panic!("{var}: {other:?}"),
            }
        }
        // Settings written before the web app existed get the default.
        let mut old = s.clone();
        old.web_port = None;
        assert_eq!(old.web_port(), 9091);
    }

    #[test]
    fn settings_round_trip_through_the_file() {
        let dir = std::env::temp_dir().join(format!("agentclash-settings-{}", std::process::id()));
        let layout = StackLayout::new(&dir).expect("ok");
        layout.ensure_dirs().expect("dirs");
        assert_eq!(StackSettings::load(&layout).expect("no file"), None);
        let s = resolve(&[("DATABASE_URL", "postgres://u:pw@h/db")], None).expect("ok");
        s.save(&layout).expect("save");
        assert_eq!(StackSettings::load(&layout).expect("load"), Some(s));
        let mode = std::fs::metadata(layout.settings_file()).expect("meta");
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
            0o600
        );
        std::fs::write(layout.settings_file(), "{").expect("write");
        assert!(matches!(
            StackSettings::load(&layout),
            Err(Error::Settings { .. })
        ));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn url_authority_strips_credentials_and_path() {
        assert_eq!(
            url_authority("postgres://u:p@h:5433/db").as_deref(),
            Some("h:5433")
        );
        assert_eq!(
            url_authority("postgresql://h/db?x=1").as_deref(),
            Some("h:5432")
        );
        assert_eq!(
            url_authority("postgres://u:p@[::1]:6/db").as_deref(),
            Some("[::1]:6")
        );
        assert_eq!(
            url_authority("postgres://[::1]/db").as_deref(),
            Some("[::1]:5432")
        );
        assert_eq!(url_authority("nonsense"), None);
    }
}
