//! Route table and layer stack.

mod device;
mod health;
pub(crate) mod identity;
mod runs;
mod secrets;
mod session;

use crate::error::ApiError;
use crate::layers;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::routing::{delete, get, post, put};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route with the standard layers.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let v1 = Router::new()
        .route("/users/me", get(identity::me))
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
        .route("/auth/session", get(session::current))
        .route("/auth/device/code", post(device::code))
        .route("/auth/device/token", post(device::token))
        .route("/auth/device/approve", post(device::approve))
        .route("/auth/device/deny", post(device::deny))
        .route(
            "/auth/tokens",
            get(identity::list_tokens).post(identity::create_token),
        )
        .route("/auth/tokens/{token_id}", delete(identity::revoke_token))
        .route("/organizations", get(identity::list_organizations))
        .route(
            "/workspaces",
            get(identity::list_workspaces).post(identity::create_workspace),
        )
        .route(
            "/workspaces/{workspace_id}/runs",
            get(runs::list).post(runs::create),
        )
        .route("/workspaces/{workspace_id}/runs/{run_id}", get(runs::get))
        .route("/workspaces/{workspace_id}/secrets", get(secrets::list))
        .route(
            "/workspaces/{workspace_id}/secrets/{name}",
            put(secrets::put).delete(secrets::delete),
        );
    let routes = Router::new()
        .route("/healthz", get(health::live))
        .route("/healthz/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .nest("/v1", v1);
    with_layers(routes, state, max_body_bytes)
}

/// Wraps routes (outermost first) in: request id, tracing span, request-id
/// echo, JSON error envelope, metrics, panic capture, body cap; and adds the
/// JSON 404/405 fallbacks.
pub fn with_layers(routes: Router<AppState>, state: AppState, max_body_bytes: usize) -> Router {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(axum::middleware::from_fn(layers::json_error_envelope))
                .layer(axum::middleware::from_fn_with_state(state.clone(), layers::record_metrics))
                .layer(CatchPanicLayer::custom(layers::panic_response))
                .layer(DefaultBodyLimit::max(max_body_bytes))
                .layer(RequestBodyLimitLayer::new(max_body_bytes)),
        )
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(agentclash_core::ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        agentclash_core::ErrorCode::MethodNotAllowed,
        "this route does not accept that method",
    )
}
