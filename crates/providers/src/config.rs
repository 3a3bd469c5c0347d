//! Who to call (provider account) and how (per-call options).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Wire protocol of a provider account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenAI Chat Completions, and every compatible server through `base_url`.
    OpenAi,
    /// Anthropic Messages API.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
    /// Deterministic replay from the deployment's config; no network.
    Scripted,
}

impl ProviderKind {
    /// Every kind, in a fixed order (for error messages and docs).
    pub const ALL: [ProviderKind; 4] =
        [Self::OpenAi, Self::Anthropic, Self::Gemini, Self::Scripted];

    /// The serde/config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
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

/// A provider kind name that is not one of [`ProviderKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider kind {0:?}: expected one of openai, anthropic, gemini, scripted")]
pub struct UnknownProviderKind(pub String);

impl FromStr for ProviderKind {
    type Err = UnknownProviderKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownProviderKind(s.to_owned()))
    }
}

/// A provider account as the caller resolved it (secrets already looked up).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConfig {
    /// Stable account id; keys the per-account concurrency/RPM/TPM limits.
    pub id: String,
    /// Wire protocol.
    pub kind: ProviderKind,
    /// Override of the provider's default base URL (SSRF-guarded).
    #[serde(default)]
    pub base_url: Option<String>,
    /// API key, already resolved; redacted in `Debug` and never logged.
    #[serde(default)]
    pub api_key: Option<String>,
    /// Max calls in flight for this account.
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    /// Max calls started per minute.
    #[serde(default)]
    pub requests_per_minute: Option<u32>,
    /// Max tokens (estimated input + output) per minute.
    #[serde(default)]
    pub tokens_per_minute: Option<u32>,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("max_concurrency", &self.max_concurrency)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("tokens_per_minute", &self.tokens_per_minute)
            .finish()
    }
}

/// How one call is made.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOptions {
    /// Stream the answer (deltas go to the [`crate::DeltaSink`]).
    pub stream: bool,
    /// Limit for one attempt, streaming included; `Duration::ZERO` means none.
    pub timeout: Duration,
    /// Attempts including the first; 0 is treated as 1.
    pub max_attempts: u32,
    /// Allow http and private/loopback targets; true only in local mode.
    pub allow_private_network: bool,
    /// The deployment's scripted config (required for `scripted` accounts).
    pub scripted: Option<serde_json::Value>,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            stream: false,
            timeout: Duration::from_secs(120),
            max_attempts: 3,
            allow_private_network: false,
            scripted: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_str_and_serde() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("serialise kind");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        let err = "OpenAI"
            .parse::<ProviderKind>()
            .expect_err("case-sensitive");
        assert!(err.to_string().contains("expected one of openai"), "{err}");
    }

    #[test]
    fn debug_redacts_the_api_key() {
        let account = AccountConfig {
            id: "acc".into(),
            kind: ProviderKind::OpenAi,
            base_url: None,
            api_key: Some("sk-canary-123".into()),
            max_concurrency: None,
            requests_per_minute: None,
            tokens_per_minute: None,
        };
        let debug = format!("{account:?}");
        assert!(!debug.contains("sk-canary-123"), "{debug}");
        assert!(debug.contains("[REDACTED]"), "{debug}");
    }
}
