//! The original AgentClash authors' coding packs (`../shared/packs`), run by
//! scripted agents through the whole engine. Skipped, with a message, where
//! the shared directory is absent (a user's clone has none).

mod common;

use agentclash_testkit::judge_server::{FakeJudgeServer, JudgeRule};
use agentclash_testkit::{TestWorker, TestWorkerOptions, temporal_address};
use agentclash_workflows::judging::{JudgeAccounts, JudgeProvider, PlatformJudgeAccount};
use common::start_with_tenant;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

fn shared_pack(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/packs")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "SKIPPED: {} not found (the shared corpus is absent)",
                path.display()
            );
            None
        }
    }
}

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture JSON")
}

/// The command output of each lane's `exec` call, by lane label order.
async fn exec_outputs(api: &common::TestApi, run: &Value) -> Vec<String> {
    let id = run["id"].as_str().expect("id");
    let events = api.all_events(id).await;
    run["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|lane| {
            events
                .iter()
                .find(|e| {
                    e["run_agent_id"] == lane["id"] && e["type"] == "sandbox.command.completed"
                })
                .map(|e| e["payload"]["stdout"].as_str().unwrap_or("").to_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expr_eval_arena_runs_with_a_correct_and_a_buggy_agent() {
    let Some(source) = shared_pack("expr-eval-arena.yaml") else {
        return;
    };
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    // The pack's judges are Claude models: a local server on the Anthropic
    // wire answers them (a lower code-quality score for floor division).
    let judge = FakeJudgeServer::start(
        vec![
            JudgeRule::text("Reference-scoring rubric", r#"{"score": 2}"#)
                .and(r#""division_semantics": "floor""#),
            JudgeRule::text("Reference-scoring rubric", r#"{"score": 5}"#),
            JudgeRule::text("Assertion:", r#"{"pass": true}"#),
        ],
        Some("anthropic-test-key"),
    )
    .await;
    let _worker = api.worker_with(
        &db.store,
        TestWorkerOptions {
            judge_accounts: JudgeAccounts::default().with(
                JudgeProvider::Anthropic,
                PlatformJudgeAccount {
                    base_url: Some(judge.anthropic_base_url()),
                    api_key: Some("anthropic-test-key".to_owned()),
                },
            ),
            ..TestWorkerOptions::default()
        },
    );
    let inputs = api
        .runnable_source(
            &source,
            &[
                ("correct", fixture("expr-eval-correct.json")),
                ("buggy", fixture("expr-eval-buggy.json")),
            ],
            json!({"name": "arena"}),
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(exec_outputs(&api, &run).await, ["14 -3 5\n", "14 -4 5\n"]);
    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    let outputs: Vec<Value> = cases["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            serde_json::from_str(c["final_output"].as_str().unwrap_or("null")).expect("JSON answer")
        })
        .collect();
    assert_eq!(outputs[0]["division_semantics"], "truncate-toward-zero");
    assert_eq!(outputs[1]["division_semantics"], "floor");

    // Scored from the hidden test tiers: the buggy agent fails exactly the
    // division tier, and the correct one wins.
    let events = api.all_events(&id).await;
    let tiers = |lane: &Value| -> Vec<(String, String)> {
        let scored = events
            .iter()
            .find(|e| e["run_agent_id"] == lane["id"] && e["type"] == "scoring.case.completed")
            .expect("the case was scored");
        scored["payload"]["verdicts"]
            .as_array()
            .expect("verdicts")
            .iter()
            .filter(|v| v["key"].as_str().is_some_and(|k| k.starts_with("tests_")))
            .map(|v| {
                (
                    v["key"].as_str().unwrap_or("").to_owned(),
                    v["state"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let lanes = run["agents"].as_array().expect("agents");
    let pass = |k: &str| (k.to_owned(), "pass".to_owned());
    let fail = |k: &str| (k.to_owned(), "fail".to_owned());
    assert_eq!(
        tiers(&lanes[0]),
        [
            pass("tests_basic"),
            pass("tests_unary"),
            pass("tests_division")
        ]
    );
    assert_eq!(
        tiers(&lanes[1]),
        [
            pass("tests_basic"),
            pass("tests_unary"),
            fail("tests_division")
        ]
    );
    let (status, ranking) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/ranking")))
        .await;
    assert_eq!(status, 200, "{ranking}");
    assert_eq!(
        ranking["entries"][0]["lane_id"], lanes[0]["id"],
        "the correct agent wins: {ranking}"
    );
    assert_eq!(ranking["why"]["winner"], lanes[0]["id"]);

    // The judges: 2 code-quality samples and 3 clarity samples per lane.
    assert_eq!(judge.requests().len(), 2 * (2 + 3));
    assert!(
        judge
            .requests()
            .iter()
            .all(|r| r.model.starts_with("claude-"))
    );
    let judged = |lane: &Value| {
        let scored = events
            .iter()
            .find(|e| e["run_agent_id"] == lane["id"] && e["type"] == "scoring.case.completed")
            .expect("the case was scored");
        scored["payload"]["judges"].clone()
    };
    let (correct, buggy) = (judged(&lanes[0]), judged(&lanes[1]));
    assert_eq!(correct[0]["key"], "code_quality", "{correct}");
    assert_eq!(correct[0]["score"], 1.0, "{correct}");
    assert_eq!(buggy[0]["score"], 0.25, "{buggy}");
    assert_eq!(correct[1]["key"], "explanation_clarity");
    assert_eq!(
        (correct[1]["score"].clone(), buggy[1]["score"].clone()),
        (json!(1.0), json!(1.0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fibonacci_showcase_runs_with_a_scripted_agent() {
    let Some(source) = shared_pack("fibonacci-e2e-showcase.yaml") else {
        return;
    };
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = TestWorker::spawn(db.store.clone(), &api.task_queue);
    let inputs = api
        .runnable_source(
            &source,
            &[("fib", fixture("fibonacci-correct.json"))],
            json!({"name": "fib"}),
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(exec_outputs(&api, &run).await, ["0 1 55\n"]);
    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    let case = &cases["items"][0];
    assert_eq!(case["case_key"], "iterative-preferred");
    assert_eq!(case["stop_reason"], "submitted");
    let answer: Value =
        serde_json::from_str(case["final_output"].as_str().expect("output")).expect("JSON");
    assert_eq!(answer["sample_values"][2]["fib"], 55);
}
