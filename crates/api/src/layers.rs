//! Middleware: metrics, the JSON error envelope for responses produced below
//! the handlers, and panic capture.

use crate::error::ApiError;
use crate::state::AppState;
use agentclash_core::ErrorCode;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::time::Instant;

/// Counts and times every request under its route template (never the raw
/// path, so ids do not explode the label set).
pub async fn record_metrics(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Rewrites any error response that is not already JSON (404 and 405 from the
/// router, 413 from the body limit, ...) into the error envelope.
pub async fn json_error_envelope(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let code = ErrorCode::for_http_status(status.as_u16());
    let (mut parts, _) = response.into_parts();
    let mut envelope = ApiError::new(code, default_message(code, status)).into_response();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    *envelope.status_mut() = status;
    std::mem::swap(envelope.headers_mut(), &mut parts.headers);
    envelope
}

fn default_message(code: ErrorCode, status: StatusCode) -> String {
    match code {
        ErrorCode::NotFound => "no such route".to_owned(),
        ErrorCode::MethodNotAllowed => "this route does not accept that method".to_owned(),
        ErrorCode::PayloadTooLarge => "request body is too large".to_owned(),
        ErrorCode::Unavailable => "service unavailable; retry in a moment".to_owned(),
        ErrorCode::Internal => "internal error".to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Turns a handler panic into a 500 envelope; the panic message goes to the
/// log only.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(&format_args!("handler panicked: {detail}")).into_response()
}
