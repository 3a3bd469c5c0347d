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
    /// Artifact storage the API serves downloads from; workers started with
    /// [`TestApi::worker`] write there.
    pub artifacts: std::sync::Arc<tempfile::TempDir>,
}

impl TestApi {
    /// A worker on this API's task queue, writing artifacts where the API
    /// reads them.
    pub fn worker(&self, store: &Store) -> agentclash_testkit::TestWorker {
        self.worker_with(store, agentclash_testkit::TestWorkerOptions::default())
    }

    /// Like [`TestApi::worker`] with other options (e.g. judge accounts).
    pub fn worker_with(
        &self,
        store: &Store,
        options: agentclash_testkit::TestWorkerOptions,
    ) -> agentclash_testkit::TestWorker {
        agentclash_testkit::TestWorker::spawn_with(
            store.clone(),
            &self.task_queue,
            agentclash_testkit::TestWorkerOptions {
                artifacts_dir: Some(self.artifacts.path().to_path_buf()),
                ..options
            },
        )
    }

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
pub use agentclash_testkit::TEST_SECRETS_KEY;

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
    start_configured(store, tenant, temporal_address, max_body, |state| state).await
}

/// Like [`start`] with at most `max_streams` live event streams.
pub async fn start_limited(
    store: Store,
    tenant: agentclash_testkit::Tenant,
    temporal_address: &str,
    max_streams: usize,
) -> TestApi {
    start_configured(store, tenant, temporal_address, 1 << 20, |state| {
        state.with_max_streams(max_streams)
    })
    .await
}

async fn start_configured(
    store: Store,
    tenant: agentclash_testkit::Tenant,
    temporal_address: &str,
    max_body: usize,
    configure: impl FnOnce(AppState) -> AppState,
) -> TestApi {
    let task_queue = agentclash_testkit::unique_task_queue("api-test");
    let artifacts = std::sync::Arc::new(tempfile::tempdir().expect("artifacts dir"));
    let artifact_store = agentclash_artifacts::ArtifactStore::open(
        &agentclash_artifacts::ArtifactConfig::Filesystem {
            root: artifacts.path().to_path_buf(),
        },
    )
    .expect("artifact store");
    let state = AppState::new(
        store,
        TemporalHandle::new(temporal_config(temporal_address, &task_queue)),
        task_queue.clone(),
    )
    .with_secrets_key(&TEST_SECRETS_KEY)
    .with_artifacts(artifact_store);
    let base = serve(agentclash_api::app(configure(state), max_body)).await;
    TestApi {
        base,
        http: client_with_token(&tenant.token),
        anonymous: reqwest::Client::new(),
        tenant,
        task_queue,
        artifacts,
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

/// The project's example packs and scripted deployments.
#[allow(unused_imports)] // not every test binary reads the examples
pub use agentclash_testkit::live::{RunInputs, example};

impl TestApi {
    /// The tenant's workspace as an authenticated HTTP client.
    pub fn workspace(&self) -> agentclash_testkit::live::WorkspaceClient {
        agentclash_testkit::live::WorkspaceClient {
            base: self.base.clone(),
            workspace_id: self.tenant.workspace.id.to_string(),
            http: self.http.clone(),
        }
    }

    /// `POST path` with a JSON body; panics unless the answer is 2xx.
    pub async fn post_ok(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        self.workspace().post_ok(path, body).await
    }

    /// See [`agentclash_testkit::live::WorkspaceClient::runnable`].
    pub async fn runnable(&self, pack: &str, deployments: &[(&str, &str)]) -> RunInputs {
        self.workspace().runnable(pack, deployments).await
    }

    /// See [`agentclash_testkit::live::WorkspaceClient::runnable_source`].
    pub async fn runnable_source(
        &self,
        source: &str,
        deployments: &[(&str, serde_json::Value)],
        profile: serde_json::Value,
    ) -> RunInputs {
        self.workspace()
            .runnable_source(source, deployments, profile)
            .await
    }

    /// Creates a run of `inputs` and returns its id.
    pub async fn create_run(&self, inputs: &RunInputs) -> String {
        let run = self
            .post_ok(
                &self.ws_path("/runs"),
                &serde_json::json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": inputs.deployment_ids}),
            )
            .await;
        run["id"].as_str().expect("run id").to_owned()
    }

    /// Polls a run until it is terminal (at most `patience`).
    pub async fn wait_for_terminal(
        &self,
        id: &str,
        patience: std::time::Duration,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let (_, run) = self.get_json(&self.ws_path(&format!("/runs/{id}"))).await;
            if ["completed", "failed", "cancelled"].contains(&run["status"].as_str().unwrap_or(""))
            {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run never finished: {run}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Runs the example RPN pack with the correct and the buggy scripted
    /// agents (lanes 0 and 1) to the end; returns the run id and the run.
    pub async fn completed_rpn_run(&self) -> (String, serde_json::Value) {
        let inputs = self
            .runnable(
                "rpn-calculator.yaml",
                &[("correct", "rpn-correct.json"), ("buggy", "rpn-buggy.json")],
            )
            .await;
        let id = self.create_run(&inputs).await;
        let run = self
            .wait_for_terminal(&id, std::time::Duration::from_secs(120))
            .await;
        assert_eq!(run["status"], "completed", "{run}");
        (id, run)
    }

    /// Every event of a run, following cursors.
    pub async fn all_events(&self, id: &str) -> Vec<serde_json::Value> {
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = cursor
                .as_ref()
                .map(|c| format!("&cursor={c}"))
                .unwrap_or_default();
            let (status, page) = self
                .get_json(&self.ws_path(&format!("/runs/{id}/events?limit=1000{query}")))
                .await;
            assert_eq!(status, 200, "{page}");
            events.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return events,
            }
        }
    }
}

impl TestApi {
    /// `GET path`, returning the status and the JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.http.get(self.url(path)).send().await.expect("send");
        let status = r.status().as_u16();
        (status, r.json().await.expect("JSON body"))
    }
}

/// A real `agentclash-api` process over a test database (`cargo test` builds
/// the binary before this crate's tests).
#[allow(unused_imports)] // not every test binary starts a process
pub use agentclash_testkit::live::LiveApi;

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

/// Every row of every table, as text, is free of `needle` (a secret may
/// exist only as ciphertext).
pub async fn assert_not_in_database(pool: &sqlx::PgPool, needle: &str) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    assert!(tables.iter().any(|t| t == "workspace_secrets"));
    for table in tables {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM \"{table}\" t"))
                .fetch_all(pool)
                .await
                .expect("rows");
        for row in rows {
            assert!(
                !row.contains(needle),
                "{table} holds the value in clear: {row}"
            );
        }
    }
}

#[allow(unused_imports)] // not every test binary reads streams
pub use agentclash_testkit::sse::{Sse, SseReader};
