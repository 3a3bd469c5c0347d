//! End-to-end tests of the `agentclash` binary that need no services: the
//! local-stack commands on an empty state directory, and the run commands
//! against a scripted HTTP server on loopback.

mod common;

use common::{agentclash, closed_port, fresh_path, scripted_api, stderr, stdout};

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
    assert_eq!(names, ["postgres", "temporal", "api", "worker", "web"]);
    for c in components {
        assert_eq!(c["state"], "stopped", "{c}");
        assert_eq!(c["healthy"], false, "{c}");
        assert!(c["pid"].is_null(), "{c}");
    }
    assert_eq!(components[0]["address"], "127.0.0.1:55432");
    assert_eq!(components[1]["address"], "127.0.0.1:57233");
    assert_eq!(
        components[4]["address"], "127.0.0.1:8081",
        "next to the API"
    );
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
        5,
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

#[test]
fn a_reader_that_stops_early_does_not_make_the_cli_panic() {
    use std::process::{Command, Stdio};
    // Like `agentclash config show | head -0`: the pipe's reader is gone
    // before the CLI writes its first line.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_agentclash"))
        .args(["config", "show"])
        .env("AGENTCLASH_API_URL", "http://127.0.0.1:9")
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn output_formats_are_global_and_yaml_reads_back_as_the_same_data() {
    let pack = format!(
        "{}/../../examples/packs/unit-conversion.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let as_json = agentclash(&["challenge-pack", "validate", &pack, "--json"], &[]);
    let with_o = agentclash(&["-o", "json", "challenge-pack", "validate", &pack], &[]);
    assert_eq!(stdout(&as_json), stdout(&with_o), "-o json is --json");
    let yaml = agentclash(&["challenge-pack", "validate", &pack, "-o", "yaml"], &[]);
    assert_eq!(yaml.status.code(), Some(0), "{}", stderr(&yaml));
    let from_yaml: serde_json::Value =
        serde_saphyr::from_str(&stdout(&yaml)).expect("the YAML output parses");
    let from_json: serde_json::Value = serde_json::from_str(&stdout(&as_json)).expect("JSON");
    assert_eq!(from_yaml, from_json);
    let bad = agentclash(&["-o", "xml", "config", "show"], &[]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a usage error: {}",
        stderr(&bad)
    );
    assert!(
        stderr(&bad).contains("table, json, yaml"),
        "{}",
        stderr(&bad)
    );
}
