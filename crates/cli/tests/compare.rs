//! `agentclash compare runs|latest|gate` and `baseline set|show|clear`
//! end to end: the real binary against a real API and worker, on one run
//! of the correct and the buggy RPN agents.

mod stack;

use serde_json::Value;
use stack::{RPN, Stack, assert_exit_says, stderr, stdout};

#[test]
fn compare_gate_and_baselines_over_a_real_run() {
    let stack = Stack::start();
    stack.pack_and_deployments("rpn-calculator.yaml", RPN);
    let run = stack.waited_run("rpn-calculator", &["rpn-correct", "rpn-buggy"]);
    let id = run["id"].as_str().expect("id");
    let (correct, buggy) = (format!("{id}/rpn-correct"), format!("{id}/1"));

    // Text: the table and the flipped cases.
    let text = stack.ok(&["compare", "runs", &correct, &buggy]);
    assert!(text.contains("comparable yes"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("correctness"))
        .unwrap_or_else(|| panic!("a correctness row:\n{text}"));
    assert!(row.contains("1.000") && row.contains("-0."), "{row}");
    assert!(
        text.contains("regressions:  negative-division, negative-remainder"),
        "{text}"
    );
    // JSON: the API's comparison as is.
    let json: Value =
        serde_json::from_str(&stack.ok(&["compare", "runs", &buggy, &correct, "--json"]))
            .expect("JSON");
    assert_eq!(
        json["improvements"].as_array().map(Vec::len),
        Some(2),
        "{json}"
    );
    assert_eq!(json["baseline_lane"]["label"], "rpn-buggy");
    // A run with two lanes needs the lane named.
    let out = stack.cli(&["compare", "runs", id, &buggy]);
    assert_exit_says(&out, 2, "rpn-correct, rpn-buggy");

    // Gate: the verdict is the exit code.
    let policy = stack.file(
        "policy.yaml",
        "dimensions:\n  correctness: {warn_delta: 0.0, fail_delta: 0.05}\nrequired_dimensions: [correctness]\n",
    );
    let out = stack.cli(&[
        "compare",
        "gate",
        &correct,
        &buggy,
        "--policy-file",
        &policy,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("gate: fail"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("(cases: negative-division, negative-remainder)"),
        "{}",
        stdout(&out)
    );
    let out = stack.cli(&[
        "compare",
        "gate",
        &buggy,
        &correct,
        "--policy-file",
        &policy,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stored: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(stored["verdict"], "pass");
    let bad = stack.file("bad.yaml", "dimensions:\n  correctness: {fail_delta: 7}\n");
    let out = stack.cli(&["compare", "gate", &correct, &buggy, "--policy-file", &bad]);
    assert_exit_says(&out, 64, "dimensions.correctness.fail_delta");

    // Baselines, and `compare latest` against one.
    stack.ok(&["baseline", "set", &correct, "--name", "main"]);
    let shown: Value =
        serde_json::from_str(&stack.ok(&["baseline", "show", "main", "--json"])).expect("JSON");
    assert_eq!(shown["label"], "rpn-correct");
    assert_eq!(shown["run_id"], id);
    let listed = stack.ok(&["baseline", "show"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("main") && l.contains("rpn-correct")),
        "{listed}"
    );
    let out = stack.cli(&["compare", "latest", "--baseline", "main"]);
    assert_eq!(
        out.status.code(),
        Some(66),
        "only the baseline's run exists: {}",
        stderr(&out)
    );
    stack.waited_run("rpn-calculator", &["rpn-buggy"]);
    let latest: Value =
        serde_json::from_str(&stack.ok(&["compare", "latest", "--baseline", "main", "--json"]))
            .expect("JSON");
    assert_eq!(latest["candidate_lane"]["label"], "rpn-buggy", "{latest}");
    assert_eq!(latest["comparable"], true);
    assert_eq!(latest["regressions"].as_array().map(Vec::len), Some(2));
    stack.ok(&["baseline", "clear", "main"]);
    let out = stack.cli(&["baseline", "show", "main"]);
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));
}
