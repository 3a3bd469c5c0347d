//! Provider accounts, runtime profiles, builds and deployments against a
//! scripted API on loopback: the JSON bodies sent, names resolved to ids,
//! pagination, and argument errors with their exit codes.

mod common;

use common::{agentclash, body, closed_port, fresh_dir, lines, scripted_api, stderr, stdout};
use serde_json::json;

const PA: &str = "01900000-0000-7000-8000-00000000000a";
const RP: &str = "01900000-0000-7000-8000-00000000000b";
const BUILD: &str = "01900000-0000-7000-8000-00000000000c";
const BV: &str = "01900000-0000-7000-8000-00000000000d";

fn api(url: &str) -> [&str; 4] {
    ["-w", "w1", "--api-url", url]
}

#[test]
fn provider_account_create_sends_every_flag_and_prints_the_id() {
    let (url, server) = scripted_api(vec![(
        201,
        r#"{"id":"01900000-0000-7000-8000-00000000000a","name":"oa","kind":"openai"}"#,
    )]);
    let mut args = vec![
        "provider-account",
        "create",
        "oa",
        "--provider",
        "openai",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--credential-ref",
        "workspace-secret://OPENAI_KEY",
        "--max-concurrency",
        "4",
        "--requests-per-minute",
        "60",
        "--tokens-per-minute",
        "1000",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{PA}\n"));
    assert!(stderr(&out).contains("provider account `oa` created"));
    let seen = server.join().expect("server");
    assert_eq!(
        seen[0].0,
        "POST /v1/workspaces/w1/provider-accounts HTTP/1.1"
    );
    assert_eq!(
        body(&seen[0]),
        json!({
            "name": "oa", "provider": "openai", "base_url": "http://127.0.0.1:9/v1",
            "credential_ref": "workspace-secret://OPENAI_KEY", "max_concurrency": 4,
            "requests_per_minute": 60, "tokens_per_minute": 1000
        })
    );
}

#[test]
fn provider_account_argument_errors_name_the_flag_and_exit_2() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    for (args, flag) in [
        (
            vec![
                "provider-account",
                "create",
                "x",
                "--provider",
                "scripted",
                "--credential-ref",
                "OPENAI_KEY",
            ],
            "--credential-ref",
        ),
        (vec!["provider-account", "create", "x"], "--provider"),
        (
            vec!["provider-account", "create", "x", "--provider", "mistral"],
            "--provider",
        ),
        (
            vec![
                "provider-account",
                "create",
                "x",
                "--provider",
                "scripted",
                "--max-concurrency",
                "0",
            ],
            "--max-concurrency",
        ),
    ] {
        let mut args = args;
        args.extend(api(&url));
        let out = agentclash(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn runtime_profile_create_leaves_unset_limits_to_the_server() {
    let (url, server) = scripted_api(vec![(201, r#"{"id":"p","name":"fast"}"#)]);
    let mut args = vec![
        "runtime-profile",
        "create",
        "fast",
        "--max-iterations",
        "5",
        "--run-timeout-ms",
        "60000",
        "--allow-shell",
        "false",
        "--json",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed["name"], "fast");
    let seen = server.join().expect("server");
    assert_eq!(
        body(&seen[0]),
        json!({ "name": "fast", "max_iterations": 5, "run_timeout_ms": 60000, "allow_shell": false })
    );
    let out = agentclash(
        &[
            "runtime-profile",
            "create",
            "x",
            "--max-parallel-cases",
            "65",
            "-w",
            "w",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--max-parallel-cases"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn build_version_create_merges_the_policy_file_and_flags_and_resolves_the_build_name() {
    let dir = fresh_dir(
        "policy",
        &[(
            "policy.yaml",
            "role: reviewer\nsystem_prompt: from the file\ntool_overrides:\n  allowed: [read_file, submit]\noutput_schema:\n  type: object\n",
        )],
    );
    let policy = dir.join("policy.yaml").to_string_lossy().into_owned();
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-00000000000c","name":"reviewer"}],"next_cursor":null}"#,
        ),
        (
            201,
            r#"{"id":"01900000-0000-7000-8000-00000000000d","version":1,"status":"draft"}"#,
        ),
    ]);
    let mut args = vec![
        "build",
        "version",
        "create",
        "reviewer",
        "--policy-file",
        &policy,
        "--instructions",
        "cite line numbers",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{BV}\n"));
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w1/agent-builds?limit=100 HTTP/1.1",
            &format!("POST /v1/workspaces/w1/agent-builds/{BUILD}/versions HTTP/1.1"),
        ]
    );
    assert_eq!(
        body(&seen[1]),
        json!({ "policy": {
            "role": "reviewer",
            "system_prompt": "from the file",
            "instructions": "cite line numbers",
            "tool_overrides": { "allowed": ["read_file", "submit"], "denied": [] },
            "output_schema": { "type": "object" }
        }})
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_policy_file_fails_offline_with_its_location() {
    let dir = fresh_dir("bad-policy", &[("p.yaml", "role: x\nsystem_promt: y\n")]);
    let policy = dir.join("p.yaml").to_string_lossy().into_owned();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let mut args = vec![
        "build",
        "version",
        "create",
        BUILD,
        "--policy-file",
        &policy,
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{policy}:2:1: unknown field `system_promt`")),
        "{}",
        stderr(&out)
    );
    let mut args = vec![
        "build",
        "version",
        "create",
        BUILD,
        "--policy-file",
        "/no/such.yaml",
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));
    assert!(stderr(&out).contains("--policy-file"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn build_version_ready_accepts_build_at_number() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"id":"01900000-0000-7000-8000-00000000000c","name":"reviewer","versions":[{"id":"v2","version":2},{"id":"01900000-0000-7000-8000-00000000000d","version":1}]}"#,
        ),
        (
            200,
            r#"{"id":"01900000-0000-7000-8000-00000000000d","status":"ready"}"#,
        ),
    ]);
    let reference = format!("{BUILD}@1");
    let mut args = vec!["build", "version", "ready", &reference];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            &format!("GET /v1/workspaces/w1/agent-builds/{BUILD} HTTP/1.1") as &str,
            &format!("POST /v1/workspaces/w1/agent-build-versions/{BV}/status HTTP/1.1"),
        ]
    );
    assert_eq!(body(&seen[1]), json!({ "status": "ready" }));
    let out = agentclash(&["build", "version", "ready", "nonsense", "-w", "w"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn deployment_create_resolves_every_name_and_sends_the_options_file() {
    let dir = fresh_dir(
        "options",
        &[(
            "scripted.yaml",
            "responses:\n  - tool_calls: [{name: submit, arguments: {answer: '42'}}]\ndefault: {text: done}\n",
        )],
    );
    let options = dir.join("scripted.yaml").to_string_lossy().into_owned();
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-00000000000c","name":"reviewer"}],"next_cursor":null}"#,
        ),
        (
            200,
            r#"{"id":"01900000-0000-7000-8000-00000000000c","versions":[{"id":"01900000-0000-7000-8000-00000000000d","version":3}]}"#,
        ),
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-00000000000b","name":"fast"}],"next_cursor":null}"#,
        ),
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-00000000000a","name":"script"}],"next_cursor":null}"#,
        ),
        (201, r#"{"id":"dep1","name":"bot"}"#),
    ]);
    let mut args = vec![
        "deployment",
        "create",
        "bot",
        "--build-version",
        "reviewer@latest",
        "--runtime-profile",
        "fast",
        "--provider-account",
        "script",
        "--model",
        "scripted-1",
        "--options-file",
        &options,
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "dep1\n");
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w1/agent-builds?limit=100 HTTP/1.1",
            &format!("GET /v1/workspaces/w1/agent-builds/{BUILD} HTTP/1.1"),
            "GET /v1/workspaces/w1/runtime-profiles?limit=100 HTTP/1.1",
            "GET /v1/workspaces/w1/provider-accounts?limit=100 HTTP/1.1",
            "POST /v1/workspaces/w1/deployments HTTP/1.1",
        ]
    );
    assert_eq!(
        body(&seen[4]),
        json!({
            "name": "bot", "build_version_id": BV, "runtime_profile_id": RP,
            "provider_account_id": PA, "model": "scripted-1",
            "provider_options": {
                "responses": [{ "tool_calls": [{ "name": "submit", "arguments": { "answer": "42" } }] }],
                "default": { "text": "done" }
            }
        })
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_options_file_that_is_not_a_mapping_is_a_validation_error() {
    let dir = fresh_dir("options-list", &[("o.json", "[1, 2]")]);
    let options = dir.join("o.json").to_string_lossy().into_owned();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let mut args = vec![
        "deployment",
        "create",
        "d",
        "--build-version",
        BV,
        "--runtime-profile",
        RP,
        "--provider-account",
        PA,
        "--model",
        "m",
        "--options-file",
        &options,
    ];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{options}:1:")),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn lists_page_with_limit_and_cursor_and_name_the_next_cursor() {
    let (url, server) = scripted_api(vec![(
        200,
        r#"{"items":[{"id":"d9","name":"bot","model":"m","archived_at":null}],"next_cursor":"d9"}"#,
    )]);
    let mut args = vec!["deployment", "list", "--limit", "1", "--cursor", "d10"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        ["ID  NAME  MODEL  ARCHIVED_AT", "d9  bot   m      -"]
    );
    assert_eq!(stderr(&out), "more: --cursor d9\n");
    let seen = server.join().expect("server");
    assert_eq!(
        seen[0].0,
        "GET /v1/workspaces/w1/deployments?limit=1&cursor=d10 HTTP/1.1"
    );
}

#[test]
fn get_and_archive_accept_names() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-00000000000b","name":"fast"}],"next_cursor":null}"#,
        ),
        (
            200,
            r#"{"id":"01900000-0000-7000-8000-00000000000b","name":"fast","max_iterations":30}"#,
        ),
        (204, ""),
    ]);
    let mut args = vec!["runtime-profile", "get", "fast"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.split_whitespace().eq(["max_iterations", "30"])),
        "{}",
        stdout(&out)
    );
    let mut args = vec!["runtime-profile", "archive", RP];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("archived"), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w1/runtime-profiles?limit=100 HTTP/1.1",
            &format!("GET /v1/workspaces/w1/runtime-profiles/{RP} HTTP/1.1"),
            &format!("POST /v1/workspaces/w1/runtime-profiles/{RP}/archive HTTP/1.1"),
        ]
    );
}

#[test]
fn api_errors_keep_their_exit_codes() {
    let (url, server) = scripted_api(vec![
        (
            403,
            r#"{"error":{"code":"forbidden","message":"workspace_admin role required"}}"#,
        ),
        (
            400,
            r#"{"error":{"code":"bad_request","message":"`credential_ref` is required for openai accounts"}}"#,
        ),
    ]);
    let mut args = vec!["provider-account", "create", "x", "--provider", "scripted"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(77));
    assert_eq!(stderr(&out), "agentclash: workspace_admin role required\n");
    let mut args = vec!["provider-account", "create", "x", "--provider", "openai"];
    args.extend(api(&url));
    let out = agentclash(&args, &[]);
    assert_eq!(out.status.code(), Some(64));
    server.join().expect("server");
}
