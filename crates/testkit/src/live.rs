//! A real `agentclash-api` process over a test database, with a
//! bootstrapped admin token: for tests that drive the server (or the CLI)
//! as users do. Shared by the API's and the CLI's integration tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::TestDb;

/// Where the `agentclash-api` binary is: `AGENTCLASH_API_BIN`, else next to
/// the running test binary's `deps` directory (`cargo build --bins` puts it
/// there).
pub fn api_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("AGENTCLASH_API_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let api = dir.join("agentclash-api");
    assert!(
        api.is_file(),
        "{} is missing: run `cargo build --bins` first",
        api.display()
    );
    api
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running API process; killed on drop.
pub struct LiveApi {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The bootstrapped admin's API token.
    pub token: String,
    /// The bootstrapped workspace.
    pub workspace_id: String,
    child: Child,
}

impl LiveApi {
    /// Bootstraps an admin, then starts the binary with `extra_env`; stderr
    /// (the logs) goes to `log_file` when given.
    pub async fn start(db: &TestDb, extra_env: &[(&str, &str)], log_file: Option<&Path>) -> Self {
        let api = api_binary();
        let port = free_port();
        let env = [
            ("DATABASE_URL", db.url.clone()),
            ("TEMPORAL_ADDRESS", crate::temporal_address()),
            ("API_BIND", format!("127.0.0.1:{port}")),
            ("AGENTCLASH_SECRETS_KEY", "ab".repeat(32)),
            ("LOG_FORMAT", "json".into()),
            ("HOME", "/tmp".into()),
        ];
        let bootstrap = Command::new(&api)
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
        let child = Command::new(&api)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .envs(extra_env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("api starts");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(Instant::now() < deadline, "api never came up");
            tokio::time::sleep(Duration::from_millis(100)).await;
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

/// The project's example packs and scripted deployments
/// (`examples/<relative>`).
pub fn example(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What `POST …/runs` needs: a published pack version and deployments.
#[derive(Debug, Clone)]
pub struct RunInputs {
    /// The published pack version.
    pub pack_version_id: String,
    /// One deployment per requested contestant, in order.
    pub deployment_ids: Vec<String>,
}

/// One workspace of a running API, with a client that sends a member's
/// credentials: sets up what runs need through the public API.
#[derive(Debug, Clone)]
pub struct WorkspaceClient {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The workspace.
    pub workspace_id: String,
    /// Sends the credentials on every request.
    pub http: reqwest::Client,
}

impl WorkspaceClient {
    /// A client sending `token` as a bearer token.
    pub fn with_token(base: &str, workspace_id: &str, token: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("ascii token"),
        );
        Self {
            base: base.to_owned(),
            workspace_id: workspace_id.to_owned(),
            http: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .expect("client"),
        }
    }

    /// A path under the workspace, e.g. `ws_path("/runs")`.
    pub fn ws_path(&self, path: &str) -> String {
        format!("/v1/workspaces/{}{path}", self.workspace_id)
    }

    /// `POST path` (absolute, e.g. from [`Self::ws_path`]) with a JSON body;
    /// panics unless the answer is 2xx.
    pub async fn post_ok(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("send");
        let status = r.status();
        let json: serde_json::Value = r.json().await.unwrap_or_default();
        assert!(status.is_success(), "POST {path}: {status} {json}");
        json
    }

    /// Publishes `examples/packs/<pack>` and creates one scripted deployment
    /// per `(name, examples/deployments/<file>)`, sharing a provider account,
    /// runtime profile and ready build version.
    pub async fn runnable(&self, pack: &str, deployments: &[(&str, &str)]) -> RunInputs {
        let options: Vec<(&str, serde_json::Value)> = deployments
            .iter()
            .map(|(name, file)| {
                let text = example(&format!("deployments/{file}"));
                (*name, serde_json::from_str(&text).expect("deployment JSON"))
            })
            .collect();
        self.runnable_source(
            &example(&format!("packs/{pack}")),
            &options,
            serde_json::json!({"name": "test profile"}),
        )
        .await
    }

    /// Publishes `source` and creates one scripted deployment per
    /// `(name, provider options)` with the runtime profile `profile` (a
    /// `POST …/runtime-profiles` body). Deployment names are `<name> <suffix>`.
    pub async fn runnable_source(
        &self,
        source: &str,
        deployments: &[(&str, serde_json::Value)],
        profile: serde_json::Value,
    ) -> RunInputs {
        let published = self
            .post_ok(
                &self.ws_path("/challenge-packs"),
                &serde_json::json!({"source": source}),
            )
            .await;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let account = self
            .post_ok(
                &self.ws_path("/provider-accounts"),
                &serde_json::json!({"name": format!("scripted {suffix}"), "provider": "scripted"}),
            )
            .await;
        let mut profile = profile;
        profile["name"] = serde_json::json!(format!(
            "{} {suffix}",
            profile["name"].as_str().unwrap_or("profile")
        ));
        let profile = self
            .post_ok(&self.ws_path("/runtime-profiles"), &profile)
            .await;
        let build = self
            .post_ok(
                &self.ws_path("/agent-builds"),
                &serde_json::json!({"name": format!("build {suffix}")}),
            )
            .await;
        let version = self
            .post_ok(
                &self.ws_path(&format!("/agent-builds/{}/versions", build["id"].as_str().expect("id"))),
                &serde_json::json!({"policy": {"role": "careful engineer", "system_prompt": "Solve the task."}}),
            )
            .await;
        let version_id = version["id"].as_str().expect("id").to_owned();
        self.post_ok(
            &self.ws_path(&format!("/agent-build-versions/{version_id}/status")),
            &serde_json::json!({"status": "ready"}),
        )
        .await;
        let mut deployment_ids = Vec::new();
        for (name, options) in deployments {
            let created = self
                .post_ok(
                    &self.ws_path("/deployments"),
                    &serde_json::json!({"name": format!("{name} {suffix}"), "build_version_id": version_id,
                        "runtime_profile_id": profile["id"], "provider_account_id": account["id"],
                        "model": "scripted-model", "provider_options": options}),
                )
                .await;
            deployment_ids.push(created["id"].as_str().expect("id").to_owned());
        }
        RunInputs {
            pack_version_id: published["id"].as_str().expect("version id").to_owned(),
            deployment_ids,
        }
    }
}
