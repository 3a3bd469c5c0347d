//! Shared set-up for the API's integration tests: a real server on a free
//! loopback port in front of a fresh database.

#![allow(dead_code)]

use agentclash_api::{AppState, TemporalHandle};
use agentclash_config::{TemporalAddress, TemporalConfig};
use agentclash_store::Store;
use std::net::SocketAddr;

/// A running API server and a client for it.
pub struct TestApi {
    pub base: String,
    pub http: reqwest::Client,
    pub task_queue: String,
}

impl TestApi {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Temporal settings pointing at the shared test server (or `address`).
pub fn temporal_config(address: &str, task_queue: &str) -> TemporalConfig {
    TemporalConfig {
        address: TemporalAddress::parse(address).expect("valid address"),
        namespace: "default".into(),
        task_queue: task_queue.into(),
    }
}

/// An address where nothing listens.
pub fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr.to_string()
}

/// Serves `router` on a free port.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("server runs");
    });
    format!("http://{addr}")
}

/// Starts the full app over `store`, with Temporal at `temporal_address`.
pub async fn start(store: Store, temporal_address: &str, max_body: usize) -> TestApi {
    let task_queue = agentclash_testkit::unique_task_queue("api-test");
    let state = AppState::new(
        store,
        TemporalHandle::new(temporal_config(temporal_address, &task_queue)),
        task_queue.clone(),
    );
    let base = serve(agentclash_api::app(state, max_body)).await;
    TestApi {
        base,
        http: reqwest::Client::new(),
        task_queue,
    }
}

/// Reads `{"error":{"code","message"}}` and returns (code, message).
pub async fn error_of(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("error body is JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    let message = body["error"]["message"]
        .as_str()
        .expect("error.message")
        .to_owned();
    (status, code, message)
}

impl TestApi {
    /// `GET path`, returning the status and the JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.http.get(self.url(path)).send().await.expect("send");
        let status = r.status().as_u16();
        (status, r.json().await.expect("JSON body"))
    }
}
