//! LLM judges end to end: a hybrid pack judged by a local fake model
//! server speaking the OpenAI wire protocol — rubric (samples capped by
//! `judge_limits`), multi-model assertion consensus, a malformed answer
//! repaired by the retry, an answer that stays malformed (`error`, never a
//! pass), an n_wise ranking across lanes — every call recorded with its
//! tokens and cost; then re-scoring, which asks the judges again and runs
//! no agent.

mod common;

use agentclash_testkit::judge_server::{FakeJudgeServer, JudgeRule};
use agentclash_testkit::{TestWorkerOptions, temporal_address};
use agentclash_workflows::judging::{JudgeAccounts, JudgeProvider, PlatformJudgeAccount};
use common::{TestApi, start_with_tenant};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const JUDGE_KEY: &str = "judge-key-never-stored-4f1c";

fn pack_source() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/judged-answers.yaml");
    std::fs::read_to_string(path).expect("fixture")
}

/// Scripted agents: one answers with the right numbers (`= 42.16`), one
/// with wrong ones (`about 40`).
fn agent(answers: [&str; 2]) -> Value {
    json!({"scripted": {"rules": [
        {"when_last_user_contains": "26.2 miles", "respond": {"text": answers[0]}},
        {"when_last_user_contains": "150 pounds", "respond": {"text": answers[1]}},
    ], "default": {"text": "I do not know."}}})
}

async fn judge_server() -> FakeJudgeServer {
    FakeJudgeServer::start(
        vec![
            JudgeRule::text("JUDGE-CLARITY", r#"{"score": 4, "confidence": "high"}"#),
            JudgeRule::text("JUDGE-ASSERT", "```json\n{\"pass\": true}\n```"),
            JudgeRule::text("JUDGE-FLAKY", "Sure — I'd say about a 4.")
                .repaired_with(r#"{"score": 5, "confidence": "medium"}"#),
            JudgeRule::text("JUDGE-BROKEN", "no idea").repaired_with("still no idea"),
            JudgeRule::rank("JUDGE-RANK", "= "),
        ],
        Some(JUDGE_KEY),
    )
    .await
}

fn worker_options(server: &FakeJudgeServer) -> TestWorkerOptions {
    TestWorkerOptions {
        judge_accounts: JudgeAccounts::default().with(
            JudgeProvider::OpenAi,
            PlatformJudgeAccount {
                base_url: Some(server.base_url.clone()),
                api_key: Some(JUDGE_KEY.to_owned()),
            },
        ),
        ..TestWorkerOptions::default()
    }
}

/// Case scores of a lane by case key.
async fn case_scores(api: &TestApi, lane: &str) -> BTreeMap<String, Value> {
    let (status, page) = api
        .get_json(&api.ws_path(&format!("/run-agents/{lane}/case-scores")))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["case_key"].as_str().unwrap_or("").to_owned(),
                i["score"].clone(),
            )
        })
        .collect()
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

fn events_of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn judges_score_record_their_calls_repair_once_and_rescore_without_the_agents() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let server = judge_server().await;
    let _worker = api.worker_with(&db.store, worker_options(&server));
    let inputs = api
        .runnable_source(
            &pack_source(),
            &[
                ("good", agent(["= 42.16", "= 68.04"])),
                ("bad", agent(["about 40", "about 70"])),
            ],
            json!({"name": "judged"}),
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "completed", "{run}");
    let lanes = run["agents"].as_array().expect("agents");
    let (good, bad) = (
        lanes[0]["id"].as_str().expect("id").to_owned(),
        lanes[1]["id"].as_str().expect("id").to_owned(),
    );

    // Per case: clarity 2 (3 samples capped at 2), states_number 2 (two
    // models), flaky 2 (answer + repair), broken 4 (2 samples, each
    // repaired once); n_wise 2 per case for both lanes together.
    let first_pass = server.requests().len();
    assert_eq!(first_pass, 2 * 2 * 10 + 2 * 2, "judge calls");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.model.starts_with("gpt-4")),
        "judge models only"
    );

    let good_scores = case_scores(&api, &good).await;
    let score = &good_scores["miles-to-km"];
    let judges = &score["judges"];
    assert_eq!(judges["clarity"]["state"], "available", "{judges}");
    close(&judges["clarity"]["score"], 0.75);
    assert_eq!(
        judges["clarity"]["samples"].as_array().map(Vec::len),
        Some(2)
    );
    close(&judges["states_number"]["score"], 1.0);
    assert_eq!(
        judges["states_number"]["votes"].as_array().map(Vec::len),
        Some(2)
    );
    close(&judges["flaky"]["score"], 1.0);
    assert_eq!(judges["flaky"]["samples"][0]["repaired"], true, "{judges}");
    assert_eq!(judges["broken"]["state"], "error", "{judges}");
    assert!(judges["broken"]["score"].is_null());
    assert!(
        judges["broken"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not a JSON object")),
        "{judges}"
    );
    close(&judges["preference"]["score"], 1.0);
    assert_eq!(
        score["passed"], true,
        "a broken judge without a dimension does not fail the case"
    );
    let bad_scores = case_scores(&api, &bad).await;
    close(
        &bad_scores["miles-to-km"]["judges"]["preference"]["score"],
        0.0,
    );
    let preference = |s: &Value| {
        s["dimensions"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["key"] == "preference"))
            .cloned()
            .expect("preference dimension")
    };
    close(&preference(score)["score"], 1.0);

    // Every call is an event with tokens and cost; samples cite them.
    let events = api.all_events(&id).await;
    let calls = events_of(&events, "scoring.judge.call");
    let shared = calls
        .iter()
        .filter(|e| e["payload"]["shared_by"] == 2)
        .count();
    assert_eq!(
        calls.len(),
        2 * 2 * 10 + 2 * 2 * 2,
        "n_wise calls are on both lanes"
    );
    assert_eq!(shared, 8);
    assert!(
        calls
            .iter()
            .all(|e| e["payload"]["input_tokens"].as_u64() > Some(0))
    );
    assert!(
        calls
            .iter()
            .all(|e| e["payload"]["cost_usd"].as_f64() > Some(0.0)),
        "gpt-4o-mini is priced"
    );
    let malformed = calls
        .iter()
        .filter(|e| e["payload"]["outcome"] == "malformed")
        .count();
    assert_eq!(
        malformed,
        2 * 2 * (1 + 4),
        "flaky once, broken four times per case and lane"
    );
    let ids: Vec<&str> = calls
        .iter()
        .filter_map(|e| e["event_id"].as_str())
        .collect();
    let cited = judges["clarity"]["samples"][0]["event_id"]
        .as_str()
        .expect("cited");
    assert!(ids.contains(&cited), "sample cites its call event");
    common::assert_not_in_database(db.store.pool(), JUDGE_KEY).await;

    let (status, ranking) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/ranking")))
        .await;
    assert_eq!(status, 200, "{ranking}");
    assert_eq!(ranking["outcome"]["lane_id"], good.as_str(), "{ranking}");

    // Re-scoring: the judges again, no agent.
    let model_calls = events_of(&events, "model.call.completed").len();
    let started = api
        .post_ok(&api.ws_path(&format!("/runs/{id}/rescore")), &json!({}))
        .await;
    assert_eq!(started["generation"], 1, "{started}");
    assert_eq!(started["status"], "running", "{started}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let pass = loop {
        let (_, pass) = api
            .get_json(&api.ws_path(&format!("/runs/{id}/rescore")))
            .await;
        if pass["status"] != "running" {
            break pass;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rescore never ended: {pass}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(pass["status"], "completed", "{pass}");
    assert_eq!(
        server.requests().len(),
        2 * first_pass,
        "every judge asked again"
    );
    let after = api.all_events(&id).await;
    assert_eq!(
        events_of(&after, "model.call.completed").len(),
        model_calls,
        "no agent ran"
    );
    assert_eq!(
        case_scores(&api, &good).await["miles-to-km"]["overall_score"],
        score["overall_score"]
    );
    let (_, again) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/ranking")))
        .await;
    assert_eq!(again["outcome"]["lane_id"], good.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_judge_budget_makes_later_judges_unavailable_not_failed() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let server = judge_server().await;
    let _worker = api.worker_with(&db.store, worker_options(&server));
    // One token: the first judge's calls spend it, every later judge of the
    // lane finds it spent.
    let source = pack_source().replace(
        "judge_limits: {max_samples_per_judge: 2}",
        "judge_limits: {max_samples_per_judge: 2, max_tokens: 1}",
    );
    let inputs = api
        .runnable_source(
            &source,
            &[("good", agent(["= 42.16", "= 68.04"]))],
            json!({"name": "budget"}),
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "completed", "{run}");
    let lane = run["agents"][0]["id"].as_str().expect("id").to_owned();
    for (case, score) in case_scores(&api, &lane).await {
        let judges = &score["judges"];
        let unavailable: Vec<&str> = ["clarity", "states_number", "flaky", "broken"]
            .into_iter()
            .filter(|k| judges[*k]["state"] == "unavailable")
            .collect();
        assert!(!unavailable.is_empty(), "{case}: {judges}");
        for k in unavailable {
            assert!(
                judges[k]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("max_tokens")),
                "{case}/{k}: {judges}"
            );
        }
        assert_eq!(
            judges["preference"]["state"], "unavailable",
            "one lane cannot be ranked"
        );
        assert_eq!(
            score["passed"], true,
            "{case}: budget exhaustion is not the agent's failure"
        );
    }
}
