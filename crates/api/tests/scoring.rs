//! Scores end to end: the correct and buggy scripted agents on the example
//! coding pack are scored from their traces and hidden tests; the ranking
//! names the winner and why; failures carry their class.

mod common;

use agentclash_testkit::temporal_address;
use common::start_with_tenant;
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_correct_agent_passes_the_gate_and_wins_and_the_buggy_one_fails_the_division_cases() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let (id, run) = api.completed_rpn_run().await;
    let lanes = run["agents"].as_array().expect("agents");
    let (correct, buggy) = (
        lanes[0]["id"].as_str().expect("id"),
        lanes[1]["id"].as_str().expect("id"),
    );

    let (status, card) = api
        .get_json(&api.ws_path(&format!("/run-agents/{correct}/scorecard")))
        .await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["pass_rate"], 1.0, "{card}");
    let (_, buggy_card) = api
        .get_json(&api.ws_path(&format!("/run-agents/{buggy}/scorecard")))
        .await;
    let pass_rate = buggy_card["pass_rate"].as_f64().expect("pass rate");
    assert!(
        (pass_rate - 1.0 / 3.0).abs() < 1e-9,
        "only sum-and-product passes: {buggy_card}"
    );

    let (status, ranking) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/ranking")))
        .await;
    assert_eq!(status, 200, "{ranking}");
    assert_eq!(ranking["entries"][0]["lane_id"], correct, "{ranking}");
    assert_eq!(ranking["entries"][0]["rank"], 1);
    let why = &ranking["why"];
    assert_eq!(why["winner"], correct, "{why}");
    let flips: Vec<&str> = why["flips_to_winner"]
        .as_array()
        .expect("flips")
        .iter()
        .filter_map(|f| f["case_key"].as_str())
        .collect();
    assert_eq!(flips, ["negative-division", "negative-remainder"], "{why}");
    assert!(why["text"].as_str().is_some_and(|t| !t.is_empty()));

    let (_, failures) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/failures")))
        .await;
    let failed: Vec<(String, String, Value)> = failures["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| {
            (
                f["label"].as_str().unwrap_or("").to_owned(),
                f["case_key"].as_str().unwrap_or("").to_owned(),
                f["failure"]["class"].clone(),
            )
        })
        .collect();
    assert_eq!(failed.len(), 2, "{failures}");
    for (label, case, class) in &failed {
        assert!(label.starts_with("buggy"), "{label}");
        assert!(["negative-division", "negative-remainder"].contains(&case.as_str()));
        assert_eq!(class, "incorrect_output");
    }

    // Every verdict cites the event its evidence came from.
    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    assert_eq!(cases["items"].as_array().map(Vec::len), Some(6));
    let events = api.all_events(&id).await;
    let scored: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "scoring.case.completed")
        .collect();
    assert_eq!(scored.len(), 6);
}

/// A pack whose hidden test is a file the pack stages into the workspace.
const STAGED_TEST_PACK: &str = r#"
pack: {slug: tamper-proof, name: Tamper proof, family: test}
version:
  number: 1
  execution_mode: native
  tool_policy: {allowed_tool_kinds: [file]}
  evaluation_spec:
    name: tamper
    version_number: 1
    judge_mode: deterministic
    post_execution_checks:
      - {key: solution, type: file_capture, path: /workspace/add.py}
    validators:
      - key: hidden_tests
        type: code_execution
        target: file:solution
        config: {test_command: "python3 tests/test_add.py", scoring: all_or_nothing}
    scorecard:
      strategy: weighted
      dimensions:
        - {key: correctness, source: validators, validators: [hidden_tests]}
challenges:
  - {key: add, title: Add, category: test, difficulty: easy, instructions: Write add.py with add(a, b).}
input_sets:
  - key: default
    name: Default
    cases:
      - case_key: one
        challenge_key: add
        inputs:
          - key: tests
            kind: workspace
            value:
              - {path: tests/test_add.py, content: "import sys\nsys.path.insert(0, '/workspace')\nfrom add import add\nassert add(2, 2) == 4\nprint('OK')\n"}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_rewrites_its_test_or_forges_results_does_not_change_its_verdict() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let write = |path: &str, content: &str| serde_json::json!({"name": "write_file", "arguments": {"path": path, "content": content}});
    let cheat = serde_json::json!({"scripted": {"responses": [
        {"tool_calls": [write("add.py", "def add(a, b):\n    return a - b\n")]},
        {"tool_calls": [write("tests/test_add.py", "print('OK')\n")]},
        {"tool_calls": [write("results.json", "{\"passed\": 1, \"failed\": 0, \"errors\": 0, \"total\": 1}")]},
        {"tool_calls": [{"name": "submit", "arguments": {"answer": "done"}}]}
    ]}});
    let honest = serde_json::json!({"scripted": {"responses": [
        {"tool_calls": [write("add.py", "def add(a, b):\n    return a + b\n")]},
        {"tool_calls": [{"name": "submit", "arguments": {"answer": "done"}}]}
    ]}});
    let inputs = api
        .runnable_source(
            STAGED_TEST_PACK,
            &[("cheat", cheat), ("honest", honest)],
            serde_json::json!({"name": "tamper"}),
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "completed", "{run}");
    let events = api.all_events(&id).await;
    let verdict = |lane: &Value| -> (Option<i64>, String) {
        let e = events
            .iter()
            .find(|e| {
                e["run_agent_id"] == lane["id"] && e["type"] == "grader.verification.code_executed"
            })
            .expect("the hidden test ran");
        (
            e["payload"]["exit_code"].as_i64(),
            e["payload"]["stderr"].as_str().unwrap_or("").to_owned(),
        )
    };
    let lanes = run["agents"].as_array().expect("agents");
    let (cheat_exit, cheat_err) = verdict(&lanes[0]);
    assert_ne!(
        cheat_exit,
        Some(0),
        "the pack's own test ran, not the agent's rewrite"
    );
    assert!(cheat_err.contains("AssertionError"), "{cheat_err}");
    assert_eq!(verdict(&lanes[1]).0, Some(0));
    let (_, ranking) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/ranking")))
        .await;
    assert_eq!(
        ranking["entries"][0]["lane_id"], lanes[1]["id"],
        "the honest agent wins: {ranking}"
    );
}
