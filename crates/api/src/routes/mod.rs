//! Route table and layer stack.

pub(crate) mod agents;
mod artifacts;
mod compare;
mod device;
mod health;
pub(crate) mod identity;
mod invitations;
mod members;
mod packs;
mod replay;
mod runs;
mod scores;
mod secrets;
mod session;
mod stream;

use crate::error::ApiError;
use crate::layers;
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::routing::get;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route with the standard layers, and the OpenAPI document built
/// from the same registrations (so the two cannot drift apart).
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let (routes, doc) = documented_routes();
    let doc = Arc::new(doc);
    let routes = routes.route(
        "/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    );
    with_layers(routes, state, max_body_bytes)
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().1
}

fn documented_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let registered = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(health::metrics))
        .routes(routes!(identity::me))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::current))
        .routes(routes!(device::code))
        .routes(routes!(device::token))
        .routes(routes!(device::approve))
        .routes(routes!(device::deny))
        .routes(routes!(identity::list_tokens, identity::create_token))
        .routes(routes!(identity::revoke_token))
        .routes(routes!(identity::list_organizations))
        .routes(routes!(
            identity::list_workspaces,
            identity::create_workspace
        ))
        .routes(routes!(runs::list, runs::create))
        .routes(routes!(runs::get))
        .routes(routes!(secrets::list))
        .routes(routes!(secrets::put, secrets::delete))
        .routes(routes!(packs::list, packs::publish))
        .routes(routes!(packs::validate))
        .routes(routes!(packs::versions))
        .routes(routes!(packs::version))
        .routes(routes!(packs::input_sets))
        .routes(routes!(
            agents::list_provider_accounts,
            agents::create_provider_account
        ))
        .routes(routes!(agents::get_provider_account))
        .routes(routes!(agents::archive_provider_account))
        .routes(routes!(
            agents::list_runtime_profiles,
            agents::create_runtime_profile
        ))
        .routes(routes!(agents::get_runtime_profile))
        .routes(routes!(agents::archive_runtime_profile))
        .routes(routes!(
            agents::list_agent_builds,
            agents::create_agent_build
        ))
        .routes(routes!(agents::get_agent_build))
        .routes(routes!(agents::archive_agent_build))
        .routes(routes!(agents::create_build_version))
        .routes(routes!(
            agents::get_build_version,
            agents::update_build_version
        ))
        .routes(routes!(agents::set_build_version_status))
        .routes(routes!(agents::list_deployments, agents::create_deployment))
        .routes(routes!(agents::get_deployment))
        .routes(routes!(agents::archive_deployment))
        .routes(routes!(runs::cancel))
        .routes(routes!(runs::events))
        .routes(routes!(runs::cases))
        .routes(routes!(artifacts::download))
        .routes(routes!(stream::stream))
        .routes(routes!(replay::page))
        .routes(routes!(replay::step))
        .routes(routes!(replay::export))
        .routes(routes!(replay::locate))
        .routes(routes!(scores::scorecard))
        .routes(routes!(scores::ranking))
        .routes(routes!(scores::failures))
        .routes(routes!(scores::rescore, scores::rescore_state))
        .routes(routes!(scores::case_scores))
        .routes(routes!(compare::compare))
        .routes(routes!(compare::create))
        .routes(routes!(compare::get))
        .routes(routes!(compare::list_baselines))
        .routes(routes!(
            compare::get_baseline,
            compare::set_baseline,
            compare::clear_baseline
        ))
        .routes(routes!(identity::sign_up))
        .routes(routes!(members::list_workspace_members))
        .routes(routes!(
            members::set_workspace_member_role,
            members::remove_workspace_member
        ))
        .routes(routes!(members::list_org_members))
        .routes(routes!(
            members::set_org_member_role,
            members::remove_org_member
        ))
        .routes(routes!(invitations::list, invitations::create))
        .routes(routes!(invitations::revoke))
        .routes(routes!(invitations::accept));
    let (routes, mut doc) = registered.split_for_parts();
    // After the routes are in: the modifier walks every operation.
    CommonResponses.modify(&mut doc);
    (routes, doc)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "AgentClash API", description = "Evaluate AI agents head to head."),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// Documents the answers every operation of a kind can give, produced by
/// layers and extractors rather than handlers: 413/415 for any request body,
/// 401/429 for authenticated operations, 503 when the database is down.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                if operation.request_body.is_some() {
                    add("400", "malformed body or unknown field");
                    add("413", "body too large");
                    add("415", "body is not JSON");
                }
                if operation.security.is_some() {
                    add("401", "missing, invalid, expired or revoked credentials");
                    add("429", "rate limit exceeded; see Retry-After");
                }
                if path.starts_with("/v1/") {
                    add("503", "a dependency is unavailable");
                }
            }
        }
    }
}

/// Bearer API tokens (CLI, CI) and the browser session cookie.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
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
