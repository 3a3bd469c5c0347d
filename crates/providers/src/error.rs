//! Provider failures reduced to a handful of classes the agent loop and the
//! retry policy can act on.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What kind of failure a provider call ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Missing, wrong or unauthorised credentials (401/403).
    Auth,
    /// The provider throttled us (429).
    RateLimit,
    /// The request itself is wrong (400/404/422, bad config, refused base URL).
    InvalidRequest,
    /// The provider failed or answered garbage: 5xx, connection errors,
    /// truncated streams, malformed JSON.
    Unavailable,
    /// No complete answer within the call timeout.
    Timeout,
    /// The prompt does not fit the model's context window.
    ContextLength,
}

impl ErrorClass {
    /// Stable snake_case name, as used in events and the product docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::RateLimit => "rate_limit",
            Self::InvalidRequest => "invalid_request",
            Self::Unavailable => "unavailable",
            Self::Timeout => "timeout",
            Self::ContextLength => "context_length",
        }
    }

    /// Whether another attempt may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimit | Self::Unavailable | Self::Timeout)
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed provider call. `message` never contains the account's API key:
/// the router redacts it before the error leaves the crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{class}{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
pub struct ProviderError {
    /// Failure class, drives retries and the agent's reaction.
    pub class: ErrorClass,
    /// Human-readable cause (provider message when there is one).
    pub message: String,
    /// HTTP status when the provider answered with one.
    pub status: Option<u16>,
    /// Wait the provider asked for (`Retry-After`), already capped.
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    /// An error without HTTP status or retry hint.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }

    /// Shorthand for [`ErrorClass::InvalidRequest`].
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::InvalidRequest, message)
    }

    /// Shorthand for [`ErrorClass::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Unavailable, message)
    }

    /// A response that does not follow the provider's protocol: treated as
    /// [`ErrorClass::Unavailable`] (retryable) since a retry usually gets a
    /// well-formed answer.
    pub fn malformed(message: impl fmt::Display) -> Self {
        Self::unavailable(format!("malformed response: {message}"))
    }

    /// Whether the router may retry the call.
    pub fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }
}

/// Phrases providers use when the prompt exceeds the context window
/// (lower-cased; matched against the lower-cased error message).
const CONTEXT_LENGTH_MARKERS: &[&str] = &[
    "context_length_exceeded",
    "context length",
    "context window",
    "maximum context",
    "prompt is too long",
    "too many tokens",
    "input token count",
    "exceeds the maximum number of tokens",
];

/// True when a provider's error message says the prompt is too long.
pub(crate) fn mentions_context_length(message: &str) -> bool {
    let lower = message.to_lowercase();
    CONTEXT_LENGTH_MARKERS.iter().any(|m| lower.contains(m))
}

/// Class of an HTTP error status; `message` distinguishes context-length
/// errors among request errors.
pub(crate) fn class_for_status(status: u16, message: &str) -> ErrorClass {
    match status {
        401 | 403 => ErrorClass::Auth,
        429 => ErrorClass::RateLimit,
        408 => ErrorClass::Timeout,
        400 | 404 | 413 | 422 if mentions_context_length(message) => ErrorClass::ContextLength,
        500..=599 => ErrorClass::Unavailable,
        _ => ErrorClass::InvalidRequest,
    }
}

/// Replaces every occurrence of `secret` in `text` (no-op for an empty secret).
pub(crate) fn redact(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() => text.replace(s, "[REDACTED]"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_classes() {
        assert_eq!(class_for_status(401, ""), ErrorClass::Auth);
        assert_eq!(class_for_status(403, ""), ErrorClass::Auth);
        assert_eq!(class_for_status(429, ""), ErrorClass::RateLimit);
        assert_eq!(
            class_for_status(400, "bad field"),
            ErrorClass::InvalidRequest
        );
        assert_eq!(
            class_for_status(404, "no model"),
            ErrorClass::InvalidRequest
        );
        assert_eq!(class_for_status(422, ""), ErrorClass::InvalidRequest);
        assert_eq!(class_for_status(500, ""), ErrorClass::Unavailable);
        assert_eq!(class_for_status(529, ""), ErrorClass::Unavailable);
        assert_eq!(class_for_status(408, ""), ErrorClass::Timeout);
    }

    #[test]
    fn context_length_messages_of_each_provider_are_recognised() {
        for msg in [
            "invalid_request_error: context_length_exceeded: This model's maximum context length is 128000 tokens",
            "invalid_request_error: prompt is too long: 210000 tokens > 200000 maximum",
            "INVALID_ARGUMENT: The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
        ] {
            assert_eq!(
                class_for_status(400, msg),
                ErrorClass::ContextLength,
                "{msg}"
            );
        }
    }

    #[test]
    fn only_transient_classes_retry() {
        let retryable: Vec<_> = [
            ErrorClass::Auth,
            ErrorClass::RateLimit,
            ErrorClass::InvalidRequest,
            ErrorClass::Unavailable,
            ErrorClass::Timeout,
            ErrorClass::ContextLength,
        ]
        .into_iter()
        .filter(|c| c.is_retryable())
        .collect();
        assert_eq!(
            retryable,
            vec![
                ErrorClass::RateLimit,
                ErrorClass::Unavailable,
                ErrorClass::Timeout
            ]
        );
    }

    #[test]
    fn redaction_removes_every_occurrence() {
        let out = redact("key sk-abc and again sk-abc", Some("sk-abc"));
        assert_eq!(out, "key [REDACTED] and again [REDACTED]");
        assert_eq!(redact("nothing", Some("")), "nothing");
    }

    #[test]
    fn display_names_class_and_status() {
        let mut e = ProviderError::new(ErrorClass::RateLimit, "slow down");
        e.status = Some(429);
        assert_eq!(e.to_string(), "rate_limit (HTTP 429): slow down");
    }
}
