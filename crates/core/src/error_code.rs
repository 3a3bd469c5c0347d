//! Machine-readable error codes of the API's `{"error":{"code","message"}}`
//! envelope, shared so the CLI can branch on them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stable, snake_case error code. Clients match on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed (bad JSON, unknown field, bad parameter).
    BadRequest,
    /// The request body is not JSON.
    UnsupportedMediaType,
    /// No credentials, or credentials that are invalid, expired or revoked.
    Unauthorized,
    /// Authenticated, but the role does not allow this action.
    Forbidden,
    /// No such route or resource (also for resources of another workspace).
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// The request body exceeds the size cap.
    PayloadTooLarge,
    /// Too many requests; retry after the `Retry-After` delay.
    TooManyRequests,
    /// Device flow: nobody has approved the code yet; keep polling.
    AuthorizationPending,
    /// Device flow: polling faster than the advertised interval.
    SlowDown,
    /// Device flow: the user denied the request.
    AccessDenied,
    /// Device flow: the code expired or was already used.
    ExpiredToken,
    /// A challenge pack failed validation; `error.details` lists the diagnostics.
    InvalidPack,
    /// The request conflicts with the current state (e.g. an illegal transition).
    Conflict,
    /// A dependency (Postgres, Temporal) is down; retry later.
    Unavailable,
    /// A bug on our side; the message never carries internals.
    Internal,
}

impl ErrorCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRequests => "too_many_requests",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::AccessDenied => "access_denied",
            Self::ExpiredToken => "expired_token",
            Self::InvalidPack => "invalid_pack",
            Self::Conflict => "conflict",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status this code is served with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest
            | Self::AuthorizationPending
            | Self::SlowDown
            | Self::AccessDenied
            | Self::ExpiredToken => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::InvalidPack => 422,
            Self::PayloadTooLarge => 413,
            Self::TooManyRequests => 429,
            Self::UnsupportedMediaType => 415,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    /// The code that best describes a bare HTTP status (used when a layer
    /// below the handlers produced the response).
    pub fn for_http_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            422 => Self::InvalidPack,
            413 => Self::PayloadTooLarge,
            429 => Self::TooManyRequests,
            415 => Self::UnsupportedMediaType,
            503 => Self::Unavailable,
            400..=499 => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_spelling_matches_as_str_and_status_round_trips() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::PayloadTooLarge,
            ErrorCode::TooManyRequests,
            ErrorCode::Conflict,
            ErrorCode::InvalidPack,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_value(code).expect("serialises");
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
            assert_eq!(ErrorCode::for_http_status(code.http_status()), code);
        }
    }

    #[test]
    fn device_flow_codes_use_the_rfc_8628_spellings() {
        for (code, text) in [
            (ErrorCode::AuthorizationPending, "authorization_pending"),
            (ErrorCode::SlowDown, "slow_down"),
            (ErrorCode::AccessDenied, "access_denied"),
            (ErrorCode::ExpiredToken, "expired_token"),
        ] {
            assert_eq!(code.as_str(), text);
            assert_eq!(serde_json::to_value(code).expect("serialises"), text);
            assert_eq!(code.http_status(), 400);
        }
    }
}
