//! `agentclash ci init|validate|run` end to end: the real binary against a
//! real API and worker. The correct RPN agent's lane is the baseline; the
//! buggy agent fails the gate (exit 1, the summary names the dimension and
//! the cases) and the correct one passes (exit 0); every artifact is
//! written and parses. Also: invalid manifests (10), API errors (20) and
//! timeouts (30).

mod stack;

use serde_json::Value;
use stack::{RPN, Stack, assert_exit, assert_exit_says, stderr, stdout};

/// A stack with the RPN pack and the correct and buggy scripted agents.
fn rpn_stack() -> Stack {
    let stack = Stack::start();
    stack.pack_and_deployments("rpn-calculator.yaml", RPN);
    stack
}

/// Runs the correct agent and makes its lane the baseline `main`.
fn correct_baseline(stack: &Stack) -> Value {
    let run = stack.waited_run("rpn-calculator", &["rpn-correct"]);
    assert_eq!(run["status"], "completed", "{run}");
    let run_id = run["id"].as_str().expect("id");
    stack.ok(&["baseline", "set", run_id, "--name", "main"]);
    run
}

/// `agentclash ci init` of the RPN pack with `deployment` against the baseline `main`.
fn ci_init(stack: &Stack, deployment: &str) {
    stack.ok(&[
        "ci",
        "init",
        "--pack",
        "rpn-calculator",
        "--deployment",
        deployment,
        "--baseline",
        "main",
    ]);
}

fn json_file(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const ARTIFACTS: [&str; 5] = [
    "run.json",
    "scorecard.json",
    "comparison.json",
    "gate.json",
    "result.json",
];

#[test]
fn ci_run_fails_the_buggy_candidate_and_passes_the_correct_one() {
    let stack = rpn_stack();
    let baseline = correct_baseline(&stack);
    ci_init(&stack, "rpn-buggy");
    let manifest = stack.dir.join("cwd/.agentclash/ci.yaml");
    assert!(manifest.is_file(), "ci init writes .agentclash/ci.yaml");
    let out = stack.cli(&["ci", "init"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no silent overwrite: {}",
        stderr(&out)
    );
    let checked: Value =
        serde_json::from_str(&stack.ok(&["ci", "validate", "--json"])).expect("plan");
    assert_eq!(
        checked["baseline"]["run_agent"], baseline["agents"][0]["id"],
        "{checked}"
    );
    assert_eq!(checked["cases"].as_array().map(Vec::len), Some(3));

    // The buggy candidate: exit 1, and the summary says why.
    let (out, artifacts, summary) = stack.ci_run("buggy", &[]);
    assert_exit(&out, 1);
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(text.starts_with("## AgentClash gate: ❌ fail"), "{text}");
    let failing_row = text
        .lines()
        .find(|l| l.starts_with("| ❌ fail | delta | correctness |"))
        .unwrap_or_else(|| panic!("the failing dimension is named:\n{text}"));
    assert!(
        failing_row.contains("`negative-division`, `negative-remainder`"),
        "the failing cases are named: {failing_row}"
    );
    assert!(
        text.contains("negative-division, negative-remainder"),
        "{text}"
    );
    assert!(stdout(&out).contains("gate: fail"), "{}", stdout(&out));
    for name in ARTIFACTS {
        json_file(&artifacts.join(name));
    }
    let result = json_file(&artifacts.join("result.json"));
    assert_eq!(result["verdict"], "fail");
    assert_eq!(result["exit_code"], 1);
    assert_eq!(
        result["failing_dimensions"],
        serde_json::json!(["correctness"])
    );
    assert_eq!(result["baseline_run_agent_id"], baseline["agents"][0]["id"]);
    let gate = json_file(&artifacts.join("gate.json"));
    assert_eq!(gate["verdict"], "fail");
    let run = json_file(&artifacts.join("run.json"));
    assert_eq!(run["id"], result["run_id"]);
    let card = json_file(&artifacts.join("scorecard.json"));
    assert!(
        (card["pass_rate"].as_f64().unwrap_or(1.0) - 1.0 / 3.0).abs() < 1e-9,
        "{card}"
    );
    let comparison = json_file(&artifacts.join("comparison.json"));
    assert_eq!(comparison["comparable"], true);
    assert!(comparison.get("gate").is_none(), "the gate is gate.json");

    // The correct candidate: exit 0.
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        text.replace("deployment: rpn-buggy", "deployment: rpn-correct"),
    )
    .expect("edit manifest");
    let (out, artifacts, summary) = stack.ci_run("correct", &["--json"]);
    assert_exit(&out, 0);
    let printed: Value = serde_json::from_slice(&out.stdout).expect("stdout is the result JSON");
    assert_eq!(printed["verdict"], "pass");
    assert_eq!(printed, json_file(&artifacts.join("result.json")));
    for name in ARTIFACTS {
        json_file(&artifacts.join(name));
    }
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(text.starts_with("## AgentClash gate: ✅ pass"), "{text}");
    assert!(
        text.contains("**Regressions** (passed in the baseline, failed in the candidate): none")
    );
}

#[test]
fn bad_manifests_exit_10_api_errors_20_and_slow_runs_30() {
    let stack = rpn_stack();
    correct_baseline(&stack);
    let cwd = stack.dir.join("cwd");
    std::fs::create_dir_all(cwd.join(".agentclash")).expect("dir");
    let write = |text: &str| std::fs::write(cwd.join(".agentclash/ci.yaml"), text).expect("write");

    let out = stack.cli(&["ci", "validate", "--offline"]);
    assert_exit_says(&out, 10, "agentclash ci init");
    write(
        "version: 1\npack: rpn-calculator\ncandidate: {deployment: rpn-buggy}\nbaseline: {name: main}\ngate:\n  dimensions:\n    correctness: {fail_delta: 0.1, warn: 0}\n",
    );
    let out = stack.cli(&["ci", "run"]);
    assert_exit_says(&out, 10, ".agentclash/ci.yaml:7:");
    assert!(
        stderr(&out).contains("unknown field `warn`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing on stdout: {}",
        stdout(&out)
    );

    // A baseline the workspace does not have: the API says 404 → 20.
    write(
        "version: 1\npack: rpn-calculator\ncandidate: {deployment: rpn-buggy}\nbaseline: {name: nope}\ngate: {}\n",
    );
    let out = stack.cli(&["ci", "validate"]);
    assert_exit_says(&out, 20, "baseline not found");

    // A candidate slower than the timeout: exit 30, the run is cancelled.
    let slow = stack.file(
        "slow.json",
        r#"{"scripted": {"default": {"text": "14", "latency_ms": 5000}}}"#,
    );
    stack.deployment("rpn-slow", &slow);
    write(
        "version: 1\npack: rpn-calculator\ncandidate: {deployment: rpn-slow}\nbaseline: {name: main}\ngate: {}\ntimeout_seconds: 1\n",
    );
    let artifacts = stack.dir.join("artifacts-slow");
    let out = stack.cli(&["ci", "run", "--artifact-dir", &artifacts.to_string_lossy()]);
    assert_exit_says(&out, 30, "did not finish within 1 s");
    let result = json_file(&artifacts.join("result.json"));
    assert_eq!(result["verdict"], "timeout");
    assert_eq!(result["exit_code"], 30);
    assert!(artifacts.join("run.json").is_file());
    assert!(!artifacts.join("gate.json").exists());
}

#[test]
fn a_candidate_whose_provider_is_unreachable_exits_31() {
    let stack = rpn_stack();
    correct_baseline(&stack);
    // An OpenAI-compatible endpoint where nothing listens: every case fails
    // for infrastructure reasons, so the candidate's lane fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    stack.ok(&[
        "provider-account",
        "create",
        "down",
        "--provider",
        "openai",
        "--base-url",
        &format!("http://127.0.0.1:{port}/v1"),
        "--credential-ref",
        "env://PATH",
    ]);
    let options = stack.file("none.json", "{}");
    stack.ok(&[
        "deployment",
        "create",
        "rpn-down",
        "--build-version",
        "agent@1",
        "--runtime-profile",
        "serial",
        "--provider-account",
        "down",
        "--model",
        "gpt-test",
        "--options-file",
        &options,
    ]);
    ci_init(&stack, "rpn-down");
    let (out, artifacts, summary) = stack.ci_run("down", &[]);
    assert_eq!(out.status.code(), Some(31), "{}", stderr(&out));
    assert!(stderr(&out).contains("infrastructure"), "{}", stderr(&out));
    let result = json_file(&artifacts.join("result.json"));
    assert_eq!(result["verdict"], "candidate_failed");
    assert!(artifacts.join("run.json").is_file());
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        text.starts_with("## AgentClash gate: 💥 candidate run failed"),
        "{text}"
    );
}
