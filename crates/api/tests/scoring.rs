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
    let inputs = api
        .runnable(
            "rpn-calculator.yaml",
            &[("correct", "rpn-correct.json"), ("buggy", "rpn-buggy.json")],
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "completed", "{run}");
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
