//! A worker killed with SIGKILL in the middle of a run: a new worker picks
//! the run up, it completes, and every lane's event sequence is gap-free and
//! without duplicates (the interrupted attempts' events stay, as attempts).

mod common;

use agentclash_testkit::temporal_address;
use common::start_with_tenant;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CASES: usize = 20;

/// A native pack of `CASES` cases (file tools only).
fn pack() -> String {
    let mut yaml = String::from(
        "pack: {slug: crash-test, name: Crash test, family: test}\n\
         version:\n  number: 1\n  execution_mode: native\n  tool_policy: {allowed_tool_kinds: [file]}\n\
         \x20 evaluation_spec:\n    name: crash\n    version_number: 1\n    judge_mode: deterministic\n\
         \x20   validators:\n      - {key: answer, type: exact_match, target: final_output, expected_from: case.expectations.answer}\n\
         \x20   scorecard:\n      strategy: weighted\n      dimensions:\n        - {key: correctness, source: validators, validators: [answer]}\n\
         challenges:\n  - {key: c, title: Echo, category: test, difficulty: easy, instructions: Write the note and submit ok.}\n\
         input_sets:\n  - key: default\n    name: Default\n    cases:\n",
    );
    for i in 0..CASES {
        yaml.push_str(&format!(
            "      - {{case_key: case-{i:02}, challenge_key: c, expectations: [{{key: answer, kind: exact, value: ok}}]}}\n"
        ));
    }
    yaml
}

fn spawn_worker(db_url: &str, task_queue: &str, state: &Path, log: &Path) -> Child {
    let bin = std::env::current_exe()
        .expect("test binary path")
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("agentclash-worker");
    Command::new(&bin)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", state)
        .env("DATABASE_URL", db_url)
        .env("TEMPORAL_ADDRESS", temporal_address())
        .env("TEMPORAL_TASK_QUEUE", task_queue)
        .env("SANDBOX_ROOT", state.join("sandboxes"))
        .env("ARTIFACT_STORE", state.join("artifacts"))
        .env("AGENTCLASH_LOCAL_MODE", "1")
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(log).expect("log file")))
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} does not start ({e}); run `cargo build --bins`",
                bin.display()
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_survives_kill_9_of_its_worker_without_gaps_or_duplicates() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let state = tempfile::tempdir().expect("state dir");
    // Each case: write a file, then submit; every model call takes 150 ms.
    let agent = json!({"scripted": {
    "responses": [
        {"latency_ms": 150, "tool_calls": [{"name": "write_file", "arguments": {"path": "note.txt", "content": "hello"}}]},
        {"latency_ms": 150, "tool_calls": [{"name": "submit", "arguments": {"answer": "ok"}}]}
    ]}});
    let inputs = api
        .runnable_source(
            &pack(),
            &[("steady", agent)],
            json!({"name": "crash", "max_parallel_cases": 4}),
        )
        .await;
    let mut first = spawn_worker(
        &db.url,
        &api.task_queue,
        state.path(),
        &state.path().join("worker-1.log"),
    );
    let id = api.create_run(&inputs).await;

    // Kill the worker once some cases are done and others are in flight.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, cases) = api
            .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
            .await;
        let done = cases["items"].as_array().map_or(0, |c| {
            c.iter().filter(|c| c["status"] == "completed").count()
        });
        if done >= 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first worker made no progress: {cases}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let mut second = spawn_worker(
        &db.url,
        &api.task_queue,
        state.path(),
        &state.path().join("worker-2.log"),
    );

    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    second.kill().ok();
    second.wait().ok();
    assert_eq!(run["status"], "completed", "{run}");
    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    let cases = cases["items"].as_array().expect("items").clone();
    assert_eq!(cases.len(), CASES);
    for case in &cases {
        assert_eq!(
            (case["status"].as_str(), case["final_output"].as_str()),
            (Some("completed"), Some("ok")),
            "{case}"
        );
    }

    let events = api.all_events(&id).await;
    let mut by_lane: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in &events {
        by_lane
            .entry(e["run_agent_id"].to_string())
            .or_default()
            .push(e["sequence"].as_i64().expect("seq"));
    }
    for (lane, mut seqs) in by_lane {
        seqs.sort_unstable();
        let expected: Vec<i64> = (0..seqs.len() as i64).collect();
        assert_eq!(
            seqs, expected,
            "lane {lane}: sequences must be 0..n without gaps or repeats"
        );
    }
    // Every case finished; an attempt interrupted after its agent finished
    // is re-run as a new attempt, never recorded twice under one attempt.
    let mut completions: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| e["type"] == "system.case.completed")
    {
        completions
            .entry(e["case_key"].as_str().unwrap_or("").to_owned())
            .or_default()
            .push(e["attempt"].clone());
    }
    assert_eq!(completions.len(), CASES);
    for attempts in completions.values_mut() {
        let n = attempts.len();
        attempts.dedup();
        assert_eq!(
            attempts.len(),
            n,
            "one completion per attempt: {attempts:?}"
        );
    }
    // The second worker removed the sandboxes the first one left behind.
    let left: Vec<_> = std::fs::read_dir(state.path().join("sandboxes"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "sandboxes left behind: {left:?}");
}
