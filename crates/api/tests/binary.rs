//! The `agentclash-api` binary: configuration errors and graceful shutdown.

use agentclash_testkit::{TestDb, temporal_address};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_agentclash-api");

#[test]
fn openapi_prints_the_served_document_without_any_configuration() {
    let out = std::process::Command::new(BIN)
        .arg("openapi")
        .env_clear()
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let served = serde_json::to_value(agentclash_api::openapi()).expect("document");
    assert_eq!(printed, served);
    assert!(printed["paths"]["/v1/workspaces/{workspace_id}/runs"].is_object());
}

#[test]
fn a_nonsense_database_url_exits_2_with_one_line_naming_it() {
    let out = Command::new(BIN)
        .env_clear()
        .env("DATABASE_URL", "nonsense")
        .env("TEMPORAL_ADDRESS", "127.0.0.1:7233")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_missing_temporal_address_exits_2_naming_it() {
    let out = Command::new(BIN)
        .env_clear()
        .env("DATABASE_URL", "postgres://u@127.0.0.1:5432/db")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TEMPORAL_ADDRESS: is not set"));
}

#[tokio::test]
async fn sigterm_drains_and_exits_zero() {
    let db = TestDb::new().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut child = Command::new(BIN)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("TEMPORAL_ADDRESS", temporal_address())
        .env("API_BIND", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("HOME", "/tmp")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            assert_eq!(r.status(), 200);
            break;
        }
        assert!(Instant::now() < deadline, "api never came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "api did not stop after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(exit.code(), Some(0));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("read");
    assert!(stderr.contains("agentclash-api stopped"), "{stderr}");
    for line in stderr.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("JSON log line: {line}"));
    }
}
