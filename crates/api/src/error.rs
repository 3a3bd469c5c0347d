//! The one error type handlers return, rendered as the JSON envelope
//! `{"error":{"code","message"}}`.

use agentclash_core::ErrorCode;
use agentclash_store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer: a stable code plus a message safe to show a user (never
/// SQL, stack traces or secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Structured details (e.g. the diagnostics of an invalid pack).
    pub details: Option<serde_json::Value>,
    /// Seconds to wait before retrying (sent as `Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// 429 with `Retry-After` (whole seconds, at least 1).
    pub fn too_many_requests(message: impl Into<String>, wait: std::time::Duration) -> Self {
        let mut error = Self::new(ErrorCode::TooManyRequests, message);
        error.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        error
    }

    /// Attaches structured details, served as `error.details`.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 400 with a message naming what is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// 404 for a resource that does not exist in the caller's workspace.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// 503 for a dependency that is down.
    pub fn unavailable(dependency: &str) -> Self {
        Self::new(
            ErrorCode::Unavailable,
            format!("{dependency} is unavailable; retry in a moment"),
        )
    }

    /// 500; the details go to the log, not to the client.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }

    /// The envelope body.
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({ "error": { "code": self.code.as_str(), "message": self.message } });
        if let Some(details) = &self.details {
            body["error"]["details"] = details.clone();
        }
        body
    }
}

/// The error envelope every failing request answers with (OpenAPI schema).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    error: ErrorBody,
}

/// The inside of the error envelope.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    code: ErrorCode,
    /// Human-readable explanation.
    message: String,
    /// Structured details, when the error has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    details: Option<serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::new(ErrorCode::NotFound, "not found"),
            StoreError::Conflict(message) => Self::new(ErrorCode::Conflict, message),
            StoreError::InvalidInput(message) => Self::bad_request(message),
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                Self::unavailable("the database")
            }
            other => Self::internal(&other),
        }
    }
}
