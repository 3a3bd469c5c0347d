//! End-to-end tests of the `agentclash` binary that need no services: the
//! local-stack commands on an empty state directory, and the run commands
//! against a scripted HTTP server on loopback.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;

/// Variables that would change what the CLI does; cleared for every run.
const AMBIENT: &[&str] = &[
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "API_BIND",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
    "AGENTCLASH_LOCAL_DIR",
    "AGENTCLASH_LOCAL_PG_PORT",
    "AGENTCLASH_LOCAL_TEMPORAL_PORT",
    "AGENTCLASH_API_URL",
    "AGENTCLASH_WORKSPACE",
    "AGENTCLASH_TOKEN",
];

fn agentclash(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentclash"));
    cmd.args(args);
    for var in AMBIENT {
        cmd.env_remove(var);
    }
    // Never read the developer's own CLI config.
    cmd.env("XDG_CONFIG_HOME", fresh_path("config"));
    cmd.envs(env.iter().copied());
    cmd.output().expect("agentclash runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A path under the temp directory that does not exist yet.
fn fresh_path(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "agentclash-cli-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn status_of_an_empty_state_dir_reports_everything_stopped_and_exits_1() {
    let dir = fresh_path("status");
    let dir_arg = dir.to_string_lossy().into_owned();
    let out = agentclash(&["local", "status", "--json", "--state-dir", &dir_arg], &[]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(status["state_dir"], dir_arg.as_str());
    assert_eq!(status["api_url"], "http://127.0.0.1:8080");
    let components = status["components"].as_array().expect("components");
    let names: Vec<&str> = components
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["postgres", "temporal", "api", "worker"]);
    for c in components {
        assert_eq!(c["state"], "stopped", "{c}");
        assert_eq!(c["healthy"], false, "{c}");
        assert!(c["pid"].is_null(), "{c}");
    }
    assert_eq!(components[0]["address"], "127.0.0.1:55432");
    assert_eq!(components[1]["address"], "127.0.0.1:57233");
    assert!(!dir.exists(), "status must not create the state directory");

    let table = agentclash(&["local", "status", "--state-dir", &dir_arg], &[]);
    assert_eq!(table.status.code(), Some(1));
    assert!(
        stdout(&table).starts_with("COMPONENT"),
        "{}",
        stdout(&table)
    );
}

#[test]
fn external_services_show_as_external_without_their_password() {
    let dir = fresh_path("external");
    let dir_arg = dir.to_string_lossy().into_owned();
    let port = closed_port();
    let address = format!("127.0.0.1:{port}");
    let url = format!("postgres://user:s3cretpw@{address}/db");
    let out = agentclash(
        &["local", "status", "--json", "--state-dir", &dir_arg],
        &[
            ("DATABASE_URL", url.as_str()),
            ("TEMPORAL_ADDRESS", address.as_str()),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !stdout(&out).contains("s3cretpw"),
        "password leaked: {}",
        stdout(&out)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for i in [0, 1] {
        let c = &status["components"][i];
        assert_eq!(c["state"], "external", "{c}");
        assert_eq!(c["address"], address.as_str(), "{c}");
        assert_eq!(c["healthy"], false, "nothing listens there: {c}");
    }
}

#[test]
fn down_and_logs_on_an_empty_state_dir_succeed_quietly() {
    let dir = fresh_path("down");
    let dir_arg = dir.to_string_lossy().into_owned();
    let out = agentclash(&["local", "down", "--state-dir", &dir_arg], &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("not running").count(),
        4,
        "{}",
        stdout(&out)
    );
    let logs = agentclash(&["local", "logs", "api", "--state-dir", &dir_arg], &[]);
    assert_eq!(logs.status.code(), Some(0));
    assert!(stdout(&logs).is_empty());
    assert!(
        !dir.exists(),
        "down and logs must not create the state directory"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = agentclash(&["local", "logs", "redis"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown component `redis`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(agentclash(&["local"], &[]).status.code(), Some(2));
}

#[test]
fn an_unreachable_api_is_a_one_line_retryable_error() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = agentclash(&["run", "get", "r1", "--api-url", &url, "-w", "w1"], &[]);
    assert_eq!(out.status.code(), Some(75));
    let err = stderr(&out);
    assert!(
        err.starts_with("agentclash: cannot reach the API at"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// One recorded request: request line and body.
type Seen = (String, String);

/// Serves one canned `(status, body)` response per connection, in order,
/// and returns what it was sent.
fn scripted_api(responses: Vec<(u16, &'static str)>) -> (String, JoinHandle<Vec<Seen>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, body) in responses {
            let (conn, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(conn);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().expect("length");
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).expect("body");
            seen.push((
                request_line.trim().to_owned(),
                String::from_utf8_lossy(&request_body).into_owned(),
            ));
            let mut conn = reader.into_inner();
            write!(
                conn,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            )
            .expect("respond");
        }
        seen
    });
    (url, server)
}

#[test]
fn run_create_wait_follows_the_run_to_completion() {
    let (url, server) = scripted_api(vec![
        (201, r#"{"id":"r1","status":"queued","name":"demo"}"#),
        (200, r#"{"id":"r1","status":"running","name":"demo"}"#),
        (200, r#"{"id":"r1","status":"completed","name":"demo"}"#),
    ]);
    let out = agentclash(
        &[
            "run",
            "create",
            "--name",
            "demo",
            "--wait",
            "--api-url",
            &url,
            "--workspace",
            "w1",
        ],
        &[("AGENTCLASH_TOKEN", "acl_test")],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "run r1 completed\n");
    let seen = server.join().expect("server");
    assert_eq!(seen[0].0, "POST /v1/workspaces/w1/runs HTTP/1.1");
    assert_eq!(seen[0].1, r#"{"name":"demo"}"#);
    assert_eq!(seen[1].0, "GET /v1/workspaces/w1/runs/r1 HTTP/1.1");
}

#[test]
fn a_failed_run_exits_1_and_json_shows_every_field() {
    let (url, server) = scripted_api(vec![
        (201, r#"{"id":"r2","status":"queued"}"#),
        (
            200,
            r#"{"id":"r2","status":"failed","failure_reason":"boom"}"#,
        ),
    ]);
    let out = agentclash(
        &["run", "create", "--wait", "--json"],
        &[
            ("AGENTCLASH_API_URL", url.as_str()),
            ("AGENTCLASH_WORKSPACE", "w2"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(run["failure_reason"], "boom");
    assert_eq!(server.join().expect("server")[0].1, "{}");
}

#[test]
fn api_errors_print_their_message_with_the_matching_exit_code() {
    let (url, server) = scripted_api(vec![(
        404,
        r#"{"error":{"code":"not_found","message":"run r9 does not exist"}}"#,
    )]);
    let out = agentclash(&["run", "get", "r9", "--api-url", &url, "-w", "w1"], &[]);
    assert_eq!(out.status.code(), Some(66));
    assert_eq!(stderr(&out), "agentclash: run r9 does not exist\n");
    server.join().expect("server");
}

#[test]
fn run_commands_without_a_workspace_are_a_usage_error() {
    let out = agentclash(
        &["run", "get", "r1", "--api-url", "http://127.0.0.1:9"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no workspace selected"),
        "{}",
        stderr(&out)
    );
}

/// The shared conformance packs, read in place.
fn shared_pack(name: &str) -> String {
    format!(
        "{}/../../../shared/packs/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn challenge_pack_validate_accepts_a_shared_pack_and_reports_quirks_as_warnings() {
    let pack = shared_pack("prompt-injection-classic.yaml");
    let out = agentclash(&["challenge-pack", "validate", &pack], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(": valid ("), "{}", stderr(&out));
    for line in stdout(&out).lines() {
        let rest = line
            .strip_prefix(&format!("{pack}:"))
            .expect("file: prefix");
        let mut parts = rest.splitn(3, ':');
        assert!(
            parts.next().is_some_and(|l| l.parse::<usize>().is_ok()),
            "line number: {line}"
        );
        assert!(
            parts.next().is_some_and(|c| c.parse::<usize>().is_ok()),
            "column: {line}"
        );
        assert!(
            line.contains("warning"),
            "only warnings in a valid pack: {line}"
        );
    }
}

#[test]
fn challenge_pack_validate_exits_64_with_located_errors() {
    let dir = fresh_path("pack");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("broken.yaml");
    std::fs::write(&file, "pack:\n  slug: x\n  name: X\n  familly: y\n").expect("write");
    let file = file.to_string_lossy().into_owned();
    let out = agentclash(&["challenge-pack", "validate", &file], &[]);
    assert_eq!(out.status.code(), Some(64), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .lines()
            .all(|l| l.starts_with(&format!("{file}:"))),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("error"), "{}", stdout(&out));
    let out = agentclash(&["challenge-pack", "--json", "validate", &file], &[]);
    assert_eq!(out.status.code(), Some(64));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["valid"], false);
    assert!(
        report["diagnostics"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
    let out = agentclash(&["challenge-pack", "validate", "/no/such/pack.yaml"], &[]);
    assert_eq!(out.status.code(), Some(66));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn challenge_pack_init_writes_templates_that_validate_cleanly() {
    let dir = fresh_path("init");
    std::fs::create_dir_all(&dir).expect("dir");
    for template in ["native", "prompt_eval", "multi_turn"] {
        let file = dir
            .join(format!("{template}.yaml"))
            .to_string_lossy()
            .into_owned();
        let out = agentclash(
            &["challenge-pack", "init", &file, "--template", template],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = agentclash(&["challenge-pack", "validate", "--strict", &file], &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{template}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        let out = agentclash(&["challenge-pack", "init", &file], &[]);
        assert_eq!(out.status.code(), Some(2), "no silent overwrite");
    }
    std::fs::remove_dir_all(&dir).ok();
}
