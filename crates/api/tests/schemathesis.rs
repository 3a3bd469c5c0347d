//! Property tests of the live API against its own OpenAPI document with
//! schemathesis (installed in `.venv` by scripts/setup): no 5xx, no status
//! code or response body the document does not allow. Bounded examples.

use agentclash_testkit::{TestDb, temporal_address};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const API: &str = env!("CARGO_BIN_EXE_agentclash-api");

fn schemathesis() -> std::path::PathBuf {
    std::env::var_os("AGENTCLASH_SCHEMATHESIS").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/schemathesis"),
        std::path::PathBuf::from,
    )
}

#[tokio::test]
async fn the_live_api_conforms_to_its_openapi_document() {
    let db = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let env = [
        ("DATABASE_URL", db.url.clone()),
        ("TEMPORAL_ADDRESS", temporal_address()),
        ("API_BIND", format!("127.0.0.1:{port}")),
        ("AGENTCLASH_SECRETS_KEY", "ab".repeat(32)),
        ("API_RATE_LIMIT_PER_MINUTE", "0".into()),
        ("API_WORKSPACE_RATE_LIMIT_PER_MINUTE", "0".into()),
        ("LOG_FORMAT", "json".into()),
        ("HOME", "/tmp".into()),
    ];
    let bootstrap = Command::new(API)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("AGENTCLASH_BOOTSTRAP_PASSWORD", "schemathesis-password")
        .env("RUST_LOG", "off")
        .args(["bootstrap-local", "st@test.local"])
        .output()
        .expect("bootstrap runs");
    assert!(
        bootstrap.status.success(),
        "{}",
        String::from_utf8_lossy(&bootstrap.stderr)
    );
    let created: serde_json::Value =
        serde_json::from_slice(&bootstrap.stdout).expect("bootstrap JSON");
    let token = created["token"].as_str().expect("token").to_owned();

    let mut api = Command::new(API)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("api starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "api never came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let out = Command::new(schemathesis())
        .args([
            "run",
            &format!("{base}/v1/openapi.json"),
            "-H",
            &format!("Authorization: Bearer {token}"),
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--no-color",
        ])
        .output()
        .expect("schemathesis runs (installed by scripts/setup)");
    let _ = api.kill();
    let _ = api.wait();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
