//! The AgentClash REST API: a thin axum layer over the store and Temporal.
//!
//! Handlers validate, persist, start or signal a workflow and expose state;
//! they never execute agents. Cross-cutting behaviour lives in layers:
//! request ids, tracing, metrics, the JSON error envelope, panic capture and
//! the body size cap.

pub mod auth;
mod bootstrap;
pub mod error;
mod event_hub;
mod extract;
mod layers;
mod metrics;
mod rate_limit;
mod routes;
mod state;
mod temporal;
mod throttle;

pub use bootstrap::{LocalBootstrap, bootstrap_local};
pub use error::ApiError;
pub use state::AppState;
pub use temporal::TemporalHandle;

use agentclash_config::ApiConfig;
use agentclash_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Everything that can stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address from `API_BIND`.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database could not be reached or migrated at start.
    #[error("{0}")]
    Store(#[from] agentclash_store::StoreError),
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Connects to Postgres (waiting up to `db_patience` for it), applies
/// migrations, binds and serves until `shutdown` resolves, then drains
/// in-flight requests.
pub async fn serve(
    config: ApiConfig,
    db_patience: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let mut store = Store::connect_with_retry(config.database_url.expose(), db_patience).await?;
    store.migrate().await?;
    if let Some(url) = &config.redis_url {
        store = store.with_redis_fanout(url.expose())?;
    }
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    let temporal = TemporalHandle::new(config.temporal.clone());
    let mut state = AppState::new(store.clone(), temporal, config.temporal.task_queue.clone());
    state = state.with_rate_limits(
        config.rate_limit_per_minute,
        config.workspace_rate_limit_per_minute,
    );
    state = state.with_open_signup(config.open_signup);
    if let Some(key) = &config.secrets_key {
        state = state.with_secrets_key(key.expose());
    }
    let artifacts = agentclash_artifacts::ArtifactConfig::from_env_map(
        &|k| std::env::var(k).ok(),
        config.artifact_store.dir().to_path_buf(),
    )
    .map_err(|e| e.to_string())
    .and_then(|c| agentclash_artifacts::ArtifactStore::open(&c).map_err(|e| e.to_string()));
    match artifacts {
        Ok(store) => state = state.with_artifacts(store),
        Err(e) => tracing::warn!(error = %e, "artifact downloads are disabled"),
    }
    let app = routes::router(state, config.max_body_bytes);
    tracing::info!(addr = %config.bind, fanout = store.fanout_name(), "agentclash-api listening");
    // The peer address keys the anonymous sign-up throttle.
    axum::serve(
        without_nagle(listener),
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    store.close().await;
    tracing::info!("agentclash-api stopped");
    Ok(())
}

/// Sets `TCP_NODELAY` on every accepted connection. With Nagle's algorithm
/// a server-sent event written while the previous one is unacknowledged
/// waits for the client's delayed ACK (up to 40 ms on Linux).
pub fn without_nagle(
    listener: TcpListener,
) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    fn set_nodelay(tcp: &mut tokio::net::TcpStream) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    }
    axum::serve::ListenerExt::tap_io(listener, set_nodelay as fn(&mut tokio::net::TcpStream))
}

/// Builds the full router (all routes and layers) for an already-built state.
/// Used by `serve` and by in-process tests.
pub fn app(state: AppState, max_body_bytes: usize) -> axum::Router {
    routes::router(state, max_body_bytes)
}

/// The OpenAPI 3.1 document, generated from the route registrations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::openapi()
}

/// Applies the standard layers and fallbacks to extra routes; lets tests
/// check cross-cutting behaviour (e.g. panic capture) on routes of their own.
pub fn with_standard_layers(
    routes: axum::Router<AppState>,
    state: AppState,
    max_body_bytes: usize,
) -> axum::Router {
    routes::with_layers(routes, state, max_body_bytes)
}
