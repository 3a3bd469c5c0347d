//! Replays: a lane's steps folded from its events, paged by index, each step
//! addressable, and exported as NDJSON.

mod common;

use agentclash_testkit::temporal_address;
use common::{ClientExt as _, start_with_tenant};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_native_lane_replays_as_steps_by_page_by_index_and_as_ndjson() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let inputs = api
        .runnable("rpn-calculator.yaml", &[("correct", "rpn-correct.json")])
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(120)).await;
    let lane = run["agents"][0]["id"].as_str().expect("lane").to_owned();
    let base = api.ws_path(&format!("/run-agents/{lane}/replay"));

    let r = api.http.get_sent(api.url(&format!("{base}/export"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let all: Vec<Value> = r
        .text()
        .await
        .expect("body")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON step per line"))
        .collect();
    for (i, step) in all.iter().enumerate() {
        assert_eq!(step["index"], i as u64);
        assert_ne!(
            step["status"], "running",
            "a finished run has no open step: {step}"
        );
    }
    let kinds = |case: &str| -> Vec<String> {
        all.iter()
            .filter(|s| s["case_key"] == case)
            .map(|s| {
                format!(
                    "{}:{}",
                    s["kind"].as_str().unwrap_or(""),
                    s["event_type"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let one = kinds("negative-division");
    for expected in [
        "case:system.case.started",
        "sandbox:sandbox.created",
        "model_call:model.call.started",
        "tool_call:tool.call.started",
        "sandbox_command:sandbox.command.started",
        "file:sandbox.file.written",
        "sandbox:sandbox.destroyed",
        "case:system.case.completed",
    ] {
        assert!(
            one.contains(&expected.to_owned()),
            "{expected} missing from {one:?}"
        );
    }
    let run_tests = all
        .iter()
        .find(|s| s["case_key"] == "negative-division" && s["input"]["name"] == "run_tests")
        .expect("the run_tests call");
    assert_eq!(run_tests["status"], "ok");
    assert_eq!(
        run_tests["output"]["result"]["content"]["summary"]["status"],
        "passed"
    );

    // Paging in threes rebuilds the export exactly; each index is addressable.
    let mut paged = Vec::new();
    let mut cursor: Option<u64> = None;
    loop {
        let query = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let (status, page) = api.get_json(&format!("{base}?limit=3{query}")).await;
        assert_eq!(status, 200, "{page}");
        paged.extend(page["steps"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_u64() {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let (status, seventh) = api.get_json(&format!("{base}/steps/7")).await;
    assert_eq!(status, 200);
    assert_eq!(seventh, all[7]);
    let (status, _) = api.get_json(&format!("{base}/steps/{}", all.len())).await;
    assert_eq!(status, 404);
    let (status, _) = api.get_json(&format!("{base}?limit=0")).await;
    assert_eq!(status, 400);

    // Every event of the lane locates the step that holds it (a tool call's
    // completion, a streamed delta: the step of their start).
    let events = api.all_events(&id).await;
    let mine: Vec<&Value> = events
        .iter()
        .filter(|e| e["run_agent_id"] == lane.as_str())
        .collect();
    assert!(mine.len() > all.len(), "continuations fold into steps");
    for event in mine {
        let (status, at) = api
            .get_json(&format!(
                "{base}/locate?event_id={}",
                event["event_id"].as_str().expect("id")
            ))
            .await;
        assert_eq!(status, 200, "{event}: {at}");
        let step = &all[at["index"].as_u64().expect("index") as usize];
        let seq = event["sequence"].as_i64().expect("sequence");
        assert!(
            step["first_sequence"].as_i64() <= Some(seq)
                && Some(seq) <= step["last_sequence"].as_i64(),
            "event {seq} ({}) is not in step {step}",
            event["type"]
        );
    }
    let (status, _) = api
        .get_json(&format!("{base}/locate?event_id={}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(status, 404);
    let (status, _) = api.get_json(&format!("{base}/locate?event_id=nope")).await;
    assert_eq!(status, 400);
}
