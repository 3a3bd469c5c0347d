//! Liveness, readiness and metrics.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use std::time::Duration;

/// Always 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "the process serves requests")))]
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

/// How long readiness waits for each dependency; short, so supervisors and
/// load balancers get an answer well within their own timeouts.
const CHECK_TIMEOUT: Duration = Duration::from_millis(1500);

/// 200 when Postgres and Temporal both answer, else 503; the body names each
/// dependency and its state either way. Both are checked concurrently.
#[utoipa::path(get, path = "/healthz/ready", tag = "health",
    responses((status = 200, description = "Postgres and Temporal answer"), (status = 503, description = "a dependency is down; the body names it")))]
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let (postgres, temporal) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, state.temporal.check()),
    );
    let dependencies = Dependencies {
        postgres: Dependency::from_result(match postgres {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err("not reachable".to_owned()),
            Err(_) => Err("no answer within 1.5 s".to_owned()),
        }),
        temporal: Dependency::from_result(match temporal {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err("no answer within 1.5 s".to_owned()),
        }),
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
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
