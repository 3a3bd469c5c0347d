//! Value types of individual settings, each with its parser and what it
//! expects (used verbatim in error messages).

use std::fmt;
use std::path::PathBuf;

/// A Postgres connection URL. Its `Debug` hides credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// What a valid value looks like.
    pub const EXPECTED: &'static str = "a postgres://user:password@host:port/database URL";

    /// Accepts `postgres://` and `postgresql://` URLs that name a host or socket.
    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw
            .strip_prefix("postgres://")
            .or_else(|| raw.strip_prefix("postgresql://"))?;
        let has_target = !rest.is_empty() && !rest.starts_with('/') || rest.contains("host=");
        (has_target && !raw.contains(char::is_whitespace)).then(|| Self(raw.to_owned()))
    }

    /// The full URL, credentials included: pass it to the driver, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.0.rsplit_once('@').map_or(self.0.as_str(), |(_, h)| h);
        write!(f, "DatabaseUrl(…@{host})")
    }
}

/// Temporal frontend address as `host:port` (an `http(s)://` prefix is allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporalAddress {
    url: String,
}

impl TemporalAddress {
    /// What a valid value looks like.
    pub const EXPECTED: &'static str = "a host:port address like 127.0.0.1:7233";

    /// Parses `host:port` or `http(s)://host:port`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (scheme, rest) = match raw.split_once("://") {
            Some((s @ ("http" | "https"), rest)) => (s, rest),
            Some(_) => return None,
            None => ("http", raw),
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = rest.rsplit_once(':')?;
        let port_ok = port.parse::<u16>().is_ok_and(|p| p != 0);
        let host_ok = !host.is_empty() && !host.contains(|c: char| c.is_whitespace() || c == '/');
        (port_ok && host_ok).then(|| Self {
            url: format!("{scheme}://{rest}"),
        })
    }

    /// The address as a URL, as the Temporal client wants it.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Where artifacts are stored on the local filesystem. S3-compatible
/// storage is configured with the `ARTIFACTS_S3_*` variables instead (read
/// by `agentclash-artifacts`), which then take precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactStore {
    /// A directory on the local filesystem.
    Local(PathBuf),
}

impl ArtifactStore {
    /// What a valid value looks like.
    pub const EXPECTED: &'static str = "file:///absolute/path or an absolute path (for S3-compatible storage set ARTIFACTS_S3_BUCKET and the other ARTIFACTS_S3_* variables)";

    /// Parses a `file://` URL or an absolute path.
    pub fn parse(raw: &str) -> Option<Self> {
        let path = raw.strip_prefix("file://").unwrap_or(raw);
        path.starts_with('/')
            .then(|| Self::Local(PathBuf::from(path)))
    }

    /// The directory.
    pub fn dir(&self) -> &std::path::Path {
        match self {
            Self::Local(path) => path,
        }
    }
}

/// A Redis URL for event fanout.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// What a valid value looks like.
    pub const EXPECTED: &'static str = "a redis://host:port URL";

    /// Accepts `redis://`, `rediss://` and `redis+unix://` URLs.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = ["redis://", "rediss://", "redis+unix://"]
            .iter()
            .any(|p| raw.strip_prefix(p).is_some_and(|r| !r.is_empty()));
        ok.then(|| Self(raw.to_owned()))
    }

    /// The full URL, credentials included.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisUrl(…)")
    }
}

/// The 256-bit master key that encrypts workspace secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretsKey([u8; 32]);

impl SecretsKey {
    /// What a valid value looks like.
    pub const EXPECTED: &'static str = "64 hexadecimal characters (a 256-bit key)";

    /// Parses 64 hex digits.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(raw.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(key))
    }

    /// The raw key bytes, for the cipher only.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

/// How logs are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// JSON lines when stderr is not a terminal, human text when it is.
    Auto,
    /// Always JSON lines.
    Json,
    /// Always human-readable text.
    Text,
}

impl LogFormat {
    /// What a valid value looks like.
    pub const EXPECTED: &'static str = "one of auto, json, text";

    /// Parses the three spellings.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "auto" => Some(Self::Auto),
            "json" => Some(Self::Json),
            "text" => Some(Self::Text),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert!(DatabaseUrl::parse("postgres://u:p@localhost:5432/db").is_some());
        assert!(DatabaseUrl::parse("postgresql://localhost/db").is_some());
        assert!(DatabaseUrl::parse("postgres:///db?host=/run/postgresql").is_some());
        assert!(DatabaseUrl::parse("nonsense").is_none());
        assert!(DatabaseUrl::parse("mysql://localhost/db").is_none());
        assert!(DatabaseUrl::parse("postgres://").is_none());
    }

    #[test]
    fn temporal_addresses() {
        assert_eq!(
            TemporalAddress::parse("localhost:7233")
                .map(|a| a.url)
                .as_deref(),
            Some("http://localhost:7233")
        );
        assert_eq!(
            TemporalAddress::parse("https://t.example:443/")
                .map(|a| a.url)
                .as_deref(),
            Some("https://t.example:443")
        );
        assert!(TemporalAddress::parse("localhost").is_none());
        assert!(TemporalAddress::parse("localhost:0").is_none());
        assert!(TemporalAddress::parse("grpc://x:1").is_none());
    }

    #[test]
    fn artifact_stores() {
        assert_eq!(
            ArtifactStore::parse("/var/a"),
            Some(ArtifactStore::Local("/var/a".into()))
        );
        assert_eq!(
            ArtifactStore::parse("file:///var/a"),
            Some(ArtifactStore::Local("/var/a".into()))
        );
        assert_eq!(
            ArtifactStore::parse("s3://bucket/runs/"),
            None,
            "S3 is configured with ARTIFACTS_S3_*"
        );
        assert!(ArtifactStore::parse("relative/path").is_none());
        assert!(ArtifactStore::parse("s3://").is_none());
    }

    #[test]
    fn secrets_keys() {
        let hex = "00ff".repeat(16);
        let key = SecretsKey::parse(&hex).expect("valid");
        assert_eq!(key.expose()[1], 0xff);
        assert!(SecretsKey::parse(&"zz".repeat(32)).is_none());
        assert!(SecretsKey::parse("é".repeat(32).as_str()).is_none());
        assert_eq!(format!("{key:?}"), "SecretsKey(…)");
    }
}
