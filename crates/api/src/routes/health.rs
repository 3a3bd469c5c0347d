//! Liveness, readiness and metrics.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

/// Always 200 while the process serves requests.
pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[derive(Serialize)]
struct Dependency {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Dependency {
    fn from_result<E: std::fmt::Display>(result: Result<(), E>) -> Self {
        match result {
            Ok(()) => Self {
                state: "up",
                error: None,
            },
            Err(e) => Self {
                state: "down",
                error: Some(e.to_string()),
            },
        }
    }
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    dependencies: Dependencies,
}

#[derive(Serialize)]
struct Dependencies {
    postgres: Dependency,
    temporal: Dependency,
}

/// 200 when Postgres and Temporal both answer, else 503; the body names each
/// dependency and its state either way. Both are checked concurrently.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let (postgres, temporal) = tokio::join!(state.store.ping(), state.temporal.check());
    let dependencies = Dependencies {
        postgres: Dependency::from_result(postgres.map_err(|_| "not reachable")),
        temporal: Dependency::from_result(temporal),
    };
    let ready = dependencies.postgres.state == "up" && dependencies.temporal.state == "up";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        dependencies,
    };
    (status, Json(body))
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
