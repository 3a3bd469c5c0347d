//! Shared set-up for the API's integration tests: a real server on a free
//! loopback port in front of a fresh database.

#![allow(dead_code)]

use agentclash_api::{AppState, TemporalHandle};
use agentclash_config::{TemporalAddress, TemporalConfig};
use agentclash_store::Store;
use std::net::SocketAddr;

/// A running API server, a tenant and clients for it.
pub struct TestApi {
    pub base: String,
    /// Sends the tenant's bearer token on every request.
    pub http: reqwest::Client,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    pub tenant: agentclash_testkit::Tenant,
    pub task_queue: String,
}

impl TestApi {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A path under the tenant's workspace, e.g. `ws_path("/runs")`.
    pub fn ws_path(&self, path: &str) -> String {
        format!("/v1/workspaces/{}{path}", self.tenant.workspace.id)
    }

    /// A URL under the tenant's workspace.
    pub fn ws_url(&self, path: &str) -> String {
        self.url(&self.ws_path(path))
    }
}

/// A client that sends `token` as a bearer token on every request.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("ascii token"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

/// The master key the test servers encrypt secrets with.
pub const TEST_SECRETS_KEY: [u8; 32] = [9; 32];

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

/// Starts the full app over a fresh database with one tenant, with Temporal
/// at `temporal_address`.
pub async fn start_with_tenant(
    temporal_address: &str,
    max_body: usize,
) -> (TestApi, agentclash_testkit::TestDb) {
    let db = agentclash_testkit::TestDb::new().await;
    let tenant = db.tenant("owner").await;
    let api = start(db.store.clone(), tenant, temporal_address, max_body).await;
    (api, db)
}

/// Starts the full app over `store`, with Temporal at `temporal_address`.
pub async fn start(
    store: Store,
    tenant: agentclash_testkit::Tenant,
    temporal_address: &str,
    max_body: usize,
) -> TestApi {
    let task_queue = agentclash_testkit::unique_task_queue("api-test");
    let state = AppState::new(
        store,
        TemporalHandle::new(temporal_config(temporal_address, &task_queue)),
        task_queue.clone(),
    )
    .with_secrets_key(&TEST_SECRETS_KEY);
    let base = serve(agentclash_api::app(state, max_body)).await;
    TestApi {
        base,
        http: client_with_token(&tenant.token),
        anonymous: reqwest::Client::new(),
        tenant,
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

/// A real `agentclash-api` process over a test database, with a bootstrapped
/// admin token. Killed on drop.
pub struct LiveApi {
    pub base: String,
    pub token: String,
    pub workspace_id: String,
    child: std::process::Child,
}

impl LiveApi {
    /// Bootstraps an admin, then starts the binary with `extra_env`; stderr
    /// (the logs) goes to `log_file` when given.
    pub async fn start(
        db: &agentclash_testkit::TestDb,
        extra_env: &[(&str, &str)],
        log_file: Option<&std::path::Path>,
    ) -> Self {
        use std::process::{Command, Stdio};
        const API: &str = env!("CARGO_BIN_EXE_agentclash-api");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let env = [
            ("DATABASE_URL", db.url.clone()),
            ("TEMPORAL_ADDRESS", agentclash_testkit::temporal_address()),
            ("API_BIND", format!("127.0.0.1:{port}")),
            ("AGENTCLASH_SECRETS_KEY", "ab".repeat(32)),
            ("LOG_FORMAT", "json".into()),
            ("HOME", "/tmp".into()),
        ];
        let bootstrap = Command::new(API)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("AGENTCLASH_BOOTSTRAP_PASSWORD", "live-api-password")
            .env("RUST_LOG", "off")
            .args(["bootstrap-local", "live@test.local"])
            .output()
            .expect("bootstrap runs");
        assert!(
            bootstrap.status.success(),
            "{}",
            String::from_utf8_lossy(&bootstrap.stderr)
        );
        let created: serde_json::Value =
            serde_json::from_slice(&bootstrap.stdout).expect("bootstrap JSON");
        let stderr = match log_file {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
            None => Stdio::null(),
        };
        let child = Command::new(API)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .envs(extra_env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("api starts");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(std::time::Instant::now() < deadline, "api never came up");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Self {
            base,
            token: created["token"].as_str().expect("token").to_owned(),
            workspace_id: created["workspace_id"]
                .as_str()
                .expect("workspace")
                .to_owned(),
            child,
        }
    }

    /// Stops the process (graceful SIGTERM would also do; tests only need it gone).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LiveApi {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends a request and fails the test if it cannot be sent, so tests read as
/// `client.post_json(url, &body).await` instead of a builder chain.
pub trait ClientExt {
    fn get_sent<U: reqwest::IntoUrl>(&self, url: U) -> impl Future<Output = reqwest::Response>;
    fn delete_sent<U: reqwest::IntoUrl>(&self, url: U) -> impl Future<Output = reqwest::Response>;
    fn post_sent<U: reqwest::IntoUrl>(&self, url: U) -> impl Future<Output = reqwest::Response>;
    fn post_json<U: reqwest::IntoUrl, B: serde::Serialize + ?Sized>(
        &self,
        url: U,
        body: &B,
    ) -> impl Future<Output = reqwest::Response>;
    fn put_json<U: reqwest::IntoUrl, B: serde::Serialize + ?Sized>(
        &self,
        url: U,
        body: &B,
    ) -> impl Future<Output = reqwest::Response>;
}

async fn sent(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("send")
}

impl ClientExt for reqwest::Client {
    fn get_sent<U: reqwest::IntoUrl>(&self, url: U) -> impl Future<Output = reqwest::Response> {
        sent(self.get(url))
    }
    fn delete_sent<U: reqwest::IntoUrl>(&self, url: U) -> impl Future<Output = reqwest::Response> {
        sent(self.delete(url))
    }
    fn post_sent<U: reqwest::IntoUrl>(&self, url: U) -> impl Future<Output = reqwest::Response> {
        sent(self.post(url))
    }
    fn post_json<U: reqwest::IntoUrl, B: serde::Serialize + ?Sized>(
        &self,
        url: U,
        body: &B,
    ) -> impl Future<Output = reqwest::Response> {
        sent(self.post(url).json(body))
    }
    fn put_json<U: reqwest::IntoUrl, B: serde::Serialize + ?Sized>(
        &self,
        url: U,
        body: &B,
    ) -> impl Future<Output = reqwest::Response> {
        sent(self.put(url).json(body))
    }
}
