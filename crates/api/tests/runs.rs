//! The wiring path end to end: API → Postgres → Temporal → worker → Postgres.

mod common;

use common::ClientExt as _;

use agentclash_testkit::{TestDb, TestWorker, temporal_address};
use common::{dead_address, error_of, start, start_with_tenant};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_run_is_driven_to_completed_by_the_worker() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = TestWorker::spawn(db.store.clone(), &api.task_queue);
    let inputs = api
        .runnable("unit-conversion.yaml", &[("right", "units-correct.json")])
        .await;

    let r = api
        .http
        .post_json(
            api.ws_url("/runs"),
            &serde_json::json!({ "name": "wiring", "pack_version_id": inputs.pack_version_id, "deployment_ids": inputs.deployment_ids }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["status"], "queued");
    assert_eq!(created["name"], "wiring");
    assert_eq!(created["input_set_key"], "default");
    assert_eq!(created["case_keys"].as_array().map(Vec::len), Some(4));
    let id = created["id"].as_str().expect("id").to_owned();

    let run = api.wait_for_terminal(&id, Duration::from_secs(60)).await;
    assert_eq!(run["status"], "completed", "{run}");
    let steps: Vec<String> = run["status_history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            format!(
                "{}→{}",
                h["from"].as_str().unwrap_or("∅"),
                h["to"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "∅→queued",
            "queued→provisioning",
            "provisioning→running",
            "running→scoring",
            "scoring→completed"
        ]
    );
    assert_eq!(run["agents"][0]["status"], "completed", "{run}");

    let (_, listed) = api.get_json(&api.ws_path("/runs")).await;
    assert_eq!(listed["items"][0]["id"], id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_before_any_worker_completes_once_one_appears() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let inputs = api
        .runnable("unit-conversion.yaml", &[("right", "units-correct.json")])
        .await;
    let id = api.create_run(&inputs).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, waiting) = api.get_json(&api.ws_path(&format!("/runs/{id}"))).await;
    assert_eq!(
        waiting["status"], "queued",
        "nothing can move it without a worker"
    );
    let _worker = TestWorker::spawn(db.store.clone(), &api.task_queue);
    assert_eq!(
        api.wait_for_terminal(&id, Duration::from_secs(60)).await["status"],
        "completed"
    );
}

#[tokio::test]
async fn when_temporal_is_down_the_run_is_failed_with_a_reason_and_the_answer_is_503() {
    let (api, _db) = start_with_tenant(&dead_address(), 1 << 20).await;
    let inputs = api
        .runnable("unit-conversion.yaml", &[("right", "units-correct.json")])
        .await;
    let r = api
        .http
        .post_json(
            api.ws_url("/runs"),
            &serde_json::json!({ "name": "doomed", "pack_version_id": inputs.pack_version_id, "deployment_ids": inputs.deployment_ids }),
        )
        .await;
    let (status, code, message) = error_of(r).await;
    assert_eq!((status, code.as_str()), (503, "unavailable"));
    assert!(message.contains("Temporal"), "{message}");
    let (_, listed) = api.get_json(&api.ws_path("/runs")).await;
    let run = &listed["items"][0];
    assert_eq!(run["name"], "doomed");
    assert_eq!(run["status"], "failed", "never stuck in queued: {run}");
    assert_eq!(
        run["failure_reason"],
        "could not start the run workflow: Temporal was unreachable"
    );
    // Filters: by state and by pack version, checked field by field.
    let count = |path: String| {
        let api = &api;
        async move {
            let (status, page) = api.get_json(&api.ws_path(&path)).await;
            assert_eq!(status, 200, "{path}: {page}");
            page["items"].as_array().map_or(0, Vec::len)
        }
    };
    assert_eq!(count("/runs?status=failed".into()).await, 1);
    assert_eq!(count("/runs?status=completed".into()).await, 0);
    let version = &inputs.pack_version_id;
    assert_eq!(
        count(format!("/runs?pack_version_id={version}&status=failed")).await,
        1
    );
    assert_eq!(
        count(format!("/runs?pack_version_id={}", uuid::Uuid::nil())).await,
        0
    );
    let r = api.http.get_sent(api.ws_url("/runs?status=done")).await;
    let (status, code, message) = error_of(r).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"), "{message}");
    assert!(message.contains("`status`"), "{message}");
}

#[tokio::test]
async fn readiness_names_each_dependency_and_its_state() {
    let db = TestDb::new().await;
    let tenant = db.tenant("owner").await;
    let dead_db =
        agentclash_store::Store::connect_lazy(&format!("postgres://x@{}/x", dead_address()))
            .expect("url");
    let cases = [
        (db.store.clone(), temporal_address(), 200, "up", "up"),
        (db.store.clone(), dead_address(), 503, "up", "down"),
        (dead_db, temporal_address(), 503, "down", "up"),
    ];
    for (store, temporal, status, postgres_state, temporal_state) in cases {
        let api = start(store, tenant.clone(), &temporal, 4096).await;
        let (got, body) = api.get_json("/healthz/ready").await;
        assert_eq!(got, status, "{body}");
        assert_eq!(
            body["dependencies"]["postgres"]["state"], postgres_state,
            "{body}"
        );
        assert_eq!(
            body["dependencies"]["temporal"]["state"], temporal_state,
            "{body}"
        );
        if postgres_state == "down" {
            // Other requests answer a JSON 503 rather than hanging or crashing.
            let r = api.http.get_sent(api.ws_url("/runs")).await;
            let (status, code, message) = error_of(r).await;
            assert_eq!((status, code.as_str()), (503, "unavailable"));
            assert!(message.contains("database"), "{message}");
            // Liveness does not depend on anything.
            assert_eq!(api.get_json("/healthz").await.0, 200);
        }
    }
}
