//! The run engine end to end through the API: example packs run by scripted
//! agents in real sandboxes, events, case results, validation of run
//! requests, and cancellation.

mod common;

use agentclash_testkit::{TestWorker, temporal_address};
use common::{ClientExt as _, error_of, start_with_tenant};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Each lane's events have sequences 0..n without gaps or repeats.
fn assert_gap_free(events: &[Value]) {
    let mut by_lane: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in events {
        let lane = e["run_agent_id"].as_str().unwrap_or("run").to_owned();
        by_lane
            .entry(lane)
            .or_default()
            .push(e["sequence"].as_i64().expect("sequence"));
    }
    for (lane, mut seqs) in by_lane {
        seqs.sort_unstable();
        let expected: Vec<i64> = (0..seqs.len() as i64).collect();
        assert_eq!(seqs, expected, "lane {lane} sequences");
    }
}

fn cases_by_lane(cases: &Value) -> BTreeMap<(String, String), Value> {
    cases["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                (
                    c["run_agent_id"].as_str().unwrap_or("").to_owned(),
                    c["case_key"].as_str().unwrap_or("").to_owned(),
                ),
                c.clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_eval_lanes_answer_every_case_with_their_own_output() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = TestWorker::spawn(db.store.clone(), &api.task_queue);
    let inputs = api
        .runnable(
            "unit-conversion.yaml",
            &[
                ("right", "units-correct.json"),
                ("wrong", "units-buggy.json"),
            ],
        )
        .await;
    let id = api.create_run(&inputs).await;
    let run = api.wait_for_terminal(&id, Duration::from_secs(60)).await;
    assert_eq!(run["status"], "completed", "{run}");
    let lanes = run["agents"].as_array().expect("agents");
    assert_eq!(lanes.len(), 2);
    let (right, wrong) = (
        lanes[0]["id"].as_str().expect("id"),
        lanes[1]["id"].as_str().expect("id"),
    );

    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    let cases = cases_by_lane(&cases);
    assert_eq!(cases.len(), 8);
    let output =
        |lane: &str, case: &str| cases[&(lane.to_owned(), case.to_owned())]["final_output"].clone();
    assert_eq!(output(right, "fahrenheit-to-celsius"), "100");
    assert_eq!(output(wrong, "fahrenheit-to-celsius"), "413.6");
    assert_eq!(output(right, "miles-to-km"), "42.16");
    for case in cases.values() {
        assert_eq!(case["status"], "completed", "{case}");
        assert_eq!(case["stop_reason"], "submitted");
        assert_eq!(case["steps"], 1);
        assert!(case["input_tokens"].as_i64().unwrap_or(0) > 0, "{case}");
    }

    let events = api.all_events(&id).await;
    assert_gap_free(&events);
    let prompts: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "model.call.completed")
        .collect();
    assert_eq!(prompts.len(), 8, "one model call per case and lane");
    let (_, tools_only) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/events?type=tool.")))
        .await;
    assert_eq!(
        tools_only["items"].as_array().map(Vec::len),
        Some(0),
        "prompt_eval uses no tools"
    );
    let (_, one_lane) = api
        .get_json(&api.ws_path(&format!(
            "/runs/{id}/events?run_agent_id={wrong}&limit=1000"
        )))
        .await;
    assert!(
        one_lane["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["run_agent_id"] == wrong)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_coding_lanes_write_files_in_their_sandbox_run_tests_and_submit() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = TestWorker::spawn(db.store.clone(), &api.task_queue);
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

    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    let cases = cases_by_lane(&cases);
    let output =
        |lane: &str, case: &str| cases[&(lane.to_owned(), case.to_owned())]["final_output"].clone();
    assert_eq!(output(correct, "negative-division"), "-3");
    assert_eq!(output(buggy, "negative-division"), "-4");
    assert_eq!(output(correct, "negative-remainder"), "-1");
    assert_eq!(output(buggy, "negative-remainder"), "1");
    for case in cases.values() {
        assert_eq!(case["stop_reason"], "submitted", "{case}");
        assert_eq!(case["steps"], 3, "{case}");
        assert_eq!(case["tool_calls"], 2, "write_file and run_tests: {case}");
    }

    let events = api.all_events(&id).await;
    assert_gap_free(&events);
    let of = |lane: &str, case: &str, ty: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["run_agent_id"] == lane && e["case_key"] == case && e["type"] == ty)
            .cloned()
            .collect()
    };
    let written = of(correct, "negative-division", "sandbox.file.written");
    assert!(
        written
            .iter()
            .any(|e| e["payload"]["path"] == "/workspace/rpn.py"),
        "{written:?}"
    );
    let commands = of(correct, "negative-division", "sandbox.command.completed");
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(
        commands[0]["payload"]["stdout"], "14 -3 -1\n",
        "the correct solution's own check"
    );
    let buggy_commands = of(buggy, "negative-division", "sandbox.command.completed");
    assert_eq!(
        buggy_commands[0]["payload"]["stdout"], "14 -4 1\n",
        "the buggy one floors"
    );
    let tools: Vec<String> = of(correct, "negative-division", "tool.call.completed")
        .iter()
        .map(|e| e["payload"]["name"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(tools, ["write_file", "run_tests", "submit"]);
    let ended = of(correct, "negative-division", "system.case.completed");
    assert_eq!(ended[0]["payload"]["final_output"], "-3");
    assert_eq!(
        of(correct, "negative-division", "sandbox.destroyed").len(),
        1
    );
    // The hidden tests ran in a fresh verifier sandbox over each lane's files.
    let verdict = |lane: &str, case: &str| {
        let runs = of(lane, case, "grader.verification.code_executed");
        assert_eq!(runs.len(), 1, "{runs:?}");
        (
            runs[0]["payload"]["exit_code"].as_i64(),
            runs[0]["payload"]["stdout"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    };
    assert_eq!(
        verdict(correct, "negative-division"),
        (Some(0), "OK\n".to_owned())
    );
    assert_eq!(
        verdict(buggy, "sum-and-product"),
        (Some(0), "OK\n".to_owned())
    );
    assert_ne!(
        verdict(buggy, "negative-division").0,
        Some(0),
        "floor division fails the hidden test"
    );
    assert_ne!(verdict(buggy, "negative-remainder").0, Some(0));
    let captured = of(
        correct,
        "negative-division",
        "grader.verification.file_captured",
    );
    assert_eq!(captured[0]["payload"]["path"], "/workspace/rpn.py");
    assert_eq!(captured[0]["payload"]["exists"], true);

    // The agent's file lived in its sandbox only: nothing named rpn.py was
    // written outside the worker's sandbox root, which is gone with the sandbox.
    let found = std::process::Command::new("find")
        .args([
            "/tmp",
            "/var/tmp",
            "/root",
            "-name",
            "rpn.py",
            "-newer",
            "/proc/self",
        ])
        .output()
        .expect("find runs");
    assert!(
        String::from_utf8_lossy(&found.stdout).trim().is_empty(),
        "rpn.py on the host: {}",
        String::from_utf8_lossy(&found.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_requests_are_checked_field_by_field() {
    let (api, _db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let inputs = api
        .runnable("unit-conversion.yaml", &[("right", "units-correct.json")])
        .await;
    let dep = inputs.deployment_ids[0].clone();
    let cases = [
        (
            json!({"pack_version_id": uuid::Uuid::new_v4(), "deployment_ids": [dep]}),
            "`pack_version_id`",
        ),
        (
            json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": []}),
            "`deployment_ids`",
        ),
        (
            json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [dep, dep]}),
            "`deployment_ids[1]`",
        ),
        (
            json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [uuid::Uuid::new_v4()]}),
            "`deployment_ids[0]`",
        ),
        (
            json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [dep], "input_set_key": "nope"}),
            "`input_set_key`",
        ),
        (
            json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [dep], "case_keys": ["miles-to-km", "x"]}),
            "`case_keys[1]`",
        ),
        (
            json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [dep], "case_keys": []}),
            "`case_keys`",
        ),
    ];
    for (body, field) in cases {
        let r = api.http.post_json(api.ws_url("/runs"), &body).await;
        let (status, code, message) = error_of(r).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "bad_request"),
            "{body}: {message}"
        );
        assert!(
            message.contains(field),
            "{body}: `{message}` should name {field}"
        );
    }
    // An archived deployment is refused with the reason.
    let r = api
        .http
        .post_sent(api.ws_url(&format!("/deployments/{dep}/archive")))
        .await;
    assert_eq!(r.status(), 204);
    let r = api
        .http
        .post_json(
            api.ws_url("/runs"),
            &json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [dep]}),
        )
        .await;
    let (status, _, message) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(message.contains("archived"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_running_native_run_ends_it_within_seconds_and_kills_its_sandboxes() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = TestWorker::spawn(db.store.clone(), &api.task_queue);
    let marker = format!("cancel-marker-{}", uuid::Uuid::new_v4().simple());
    // An agent that starts a long command in its sandbox and would then wait.
    let slow = json!({"scripted": {"default": {"text": "waiting", "tool_calls": [
        {"name": "run_tests", "arguments": {"command": format!("sleep 300 # {marker}")}}]}}});
    let inputs = api
        .runnable("rpn-calculator.yaml", &[("correct", "rpn-correct.json")])
        .await;
    let (_, template) = api
        .get_json(&api.ws_path(&format!("/deployments/{}", inputs.deployment_ids[0])))
        .await;
    let deployment = api
        .post_ok(
            &api.ws_path("/deployments"),
            &json!({"name": format!("slow {marker}"), "build_version_id": template["build_version_id"],
                    "runtime_profile_id": template["runtime_profile_id"], "provider_account_id": template["provider_account_id"],
                    "model": "scripted-model", "provider_options": slow}),
        )
        .await;
    let run = api
        .post_ok(&api.ws_path("/runs"), &json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": [deployment["id"]]}))
        .await;
    let id = run["id"].as_str().expect("id").to_owned();
    // Wait until the sleep is running inside a sandbox.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !marker_running(&marker) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the agent's command never started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let asked = tokio::time::Instant::now();
    let r = api
        .http
        .post_sent(api.ws_url(&format!("/runs/{id}/cancel")))
        .await;
    assert_eq!(r.status(), 202);
    let run = api.wait_for_terminal(&id, Duration::from_secs(30)).await;
    let took = asked.elapsed();
    assert_eq!(run["status"], "cancelled", "{run}");
    assert!(took < Duration::from_secs(5), "cancellation took {took:?}");
    assert!(
        !marker_running(&marker),
        "a sandbox process survived the cancellation"
    );
    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    for case in cases["items"].as_array().expect("items") {
        assert_eq!(case["status"], "cancelled", "{case}");
    }
}

/// Whether a process whose command line contains `marker` is alive.
fn marker_running(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .any(|cmd| {
            String::from_utf8_lossy(&cmd).contains(marker)
                && !String::from_utf8_lossy(&cmd).contains("cargo")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_event_payloads_move_to_artifact_storage_once_and_download_whole() {
    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let big = "x".repeat(40 * 1024);
    let agent = json!({"scripted": {"responses": [
        {"tool_calls": [{"name": "write_file", "arguments": {"path": "big.txt", "content": big}}]},
        {"tool_calls": [{"name": "submit", "arguments": {"answer": "done"}}]}
    ]}});
    let inputs = api
        .runnable_source(
            &common::example("packs/rpn-calculator.yaml"),
            &[("one", agent.clone()), ("two", agent)],
            json!({"name": "big"}),
        )
        .await;
    let run = api
        .post_ok(
            &api.ws_path("/runs"),
            &json!({"pack_version_id": inputs.pack_version_id, "deployment_ids": inputs.deployment_ids, "case_keys": ["sum-and-product"]}),
        )
        .await;
    let id = run["id"].as_str().expect("id").to_owned();
    assert_eq!(
        api.wait_for_terminal(&id, Duration::from_secs(60)).await["status"],
        "completed"
    );
    let events = api.all_events(&id).await;
    let started: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "tool.call.started" && e["payload"]["artifact"].is_object())
        .collect();
    assert_eq!(
        started.len(),
        2,
        "each lane's 40 KiB call is offloaded: {events:?}"
    );
    let hash = started[0]["payload"]["artifact"]["sha256"]
        .as_str()
        .expect("sha256");
    assert_eq!(
        started[1]["payload"]["artifact"]["sha256"], hash,
        "identical content is stored once"
    );
    assert!(
        started[0]["payload"]["preview"]
            .as_str()
            .is_some_and(|p| p.len() <= 1024)
    );
    // Short fields stay inline, so the replay still pairs the call with its
    // completion.
    assert_eq!(started[0]["payload"]["name"], "write_file");
    let call_id = started[0]["payload"]["tool_call_id"].clone();
    assert!(call_id.is_string(), "{}", started[0]);
    let lane = started[0]["run_agent_id"].as_str().expect("lane");
    let (_, replay) = api
        .get_json(&api.ws_path(&format!("/run-agents/{lane}/replay?limit=500")))
        .await;
    let step = replay["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["event_type"] == "tool.call.started" && s["input"]["tool_call_id"] == call_id)
        .cloned()
        .expect("the offloaded call is a step");
    assert_eq!(step["status"], "ok", "{step}");

    let r = api
        .http
        .get_sent(api.ws_url(&format!("/artifacts/{hash}")))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let whole: Value = r.json().await.expect("JSON payload");
    assert_eq!(
        whole["arguments"]["content"].as_str().map(str::len),
        Some(40 * 1024)
    );
    assert_eq!(whole["name"], "write_file");

    // Another workspace cannot read it, even knowing the hash.
    let stranger = db.tenant("stranger").await;
    let r = common::client_with_token(&stranger.token)
        .get_sent(api.url(&format!(
            "/v1/workspaces/{}/artifacts/{hash}",
            stranger.workspace.id
        )))
        .await;
    assert_eq!(r.status(), 404);
}

/// A provider account's credential comes from a workspace secret: the worker
/// decrypts it and sends it to the provider, and it appears in no response,
/// event or database row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_key_reaches_the_provider_and_nothing_else() {
    use std::sync::{Arc, Mutex};
    const CANARY: &str = "sk-canary-8d1e4c0a2b7f4e6f9a3c";
    let seen_auth: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = seen_auth.clone();
    let provider = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = seen.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                seen.lock().expect("lock").push(auth);
                axum::Json(json!({
                    "id": "cmpl-1", "object": "chat.completion", "model": "gpt-test",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "42.16"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
                }))
            }
        }),
    );
    let provider_url = common::serve(provider).await;

    let (api, db) = start_with_tenant(&temporal_address(), 1 << 20).await;
    let _worker = api.worker(&db.store);
    let r = api
        .http
        .put_json(api.ws_url("/secrets/OPENAI_KEY"), &json!({"value": CANARY}))
        .await;
    assert_eq!(r.status(), 201);
    let published = api
        .post_ok(
            &api.ws_path("/challenge-packs"),
            &json!({"source": common::example("packs/unit-conversion.yaml")}),
        )
        .await;
    let account = api
        .post_ok(
            &api.ws_path("/provider-accounts"),
            &json!({"name": "fake openai", "provider": "openai", "base_url": format!("{provider_url}/v1"),
                    "credential_ref": "workspace-secret://OPENAI_KEY"}),
        )
        .await;
    let profile = api
        .post_ok(&api.ws_path("/runtime-profiles"), &json!({"name": "p"}))
        .await;
    let build = api
        .post_ok(&api.ws_path("/agent-builds"), &json!({"name": "b"}))
        .await;
    let version = api
        .post_ok(
            &api.ws_path(&format!(
                "/agent-builds/{}/versions",
                build["id"].as_str().expect("id")
            )),
            &json!({"policy": {}}),
        )
        .await;
    let version_id = version["id"].as_str().expect("id");
    api.post_ok(
        &api.ws_path(&format!("/agent-build-versions/{version_id}/status")),
        &json!({"status": "ready"}),
    )
    .await;
    let deployment = api
        .post_ok(
            &api.ws_path("/deployments"),
            &json!({"name": "gpt", "build_version_id": version_id, "runtime_profile_id": profile["id"],
                    "provider_account_id": account["id"], "model": "gpt-test", "provider_options": {"stream": false}}),
        )
        .await;
    let run = api
        .post_ok(&api.ws_path("/runs"), &json!({"pack_version_id": published["id"], "deployment_ids": [deployment["id"]], "case_keys": ["miles-to-km"]}))
        .await;
    let id = run["id"].as_str().expect("id").to_owned();
    let finished = api.wait_for_terminal(&id, Duration::from_secs(60)).await;
    assert_eq!(finished["status"], "completed", "{finished}");

    assert_eq!(
        *seen_auth.lock().expect("lock"),
        [format!("Bearer {CANARY}")],
        "the provider got the key"
    );
    let (_, cases) = api
        .get_json(&api.ws_path(&format!("/runs/{id}/cases")))
        .await;
    assert_eq!(cases["items"][0]["final_output"], "42.16");
    let mut responses = serde_json::to_string(&api.all_events(&id).await).expect("events");
    responses.push_str(&cases.to_string());
    responses.push_str(&finished.to_string());
    responses.push_str(
        &api.get_json(&api.ws_path(&format!(
            "/provider-accounts/{}",
            account["id"].as_str().expect("id")
        )))
        .await
        .1
        .to_string(),
    );
    assert!(!responses.contains(CANARY), "a response leaked the key");
    common::assert_not_in_database(db.store.pool(), CANARY).await;
}

#[tokio::test]
async fn a_scripted_deployment_needs_a_valid_script_named_by_its_path() {
    let (api, _db) = start_with_tenant(&common::dead_address(), 1 << 20).await;
    let inputs = api
        .runnable("unit-conversion.yaml", &[("right", "units-correct.json")])
        .await;
    let (_, template) = api
        .get_json(&api.ws_path(&format!("/deployments/{}", inputs.deployment_ids[0])))
        .await;
    let body = |options: Value| {
        json!({"name": format!("d{}", uuid::Uuid::new_v4().simple()), "build_version_id": template["build_version_id"],
               "runtime_profile_id": template["runtime_profile_id"], "provider_account_id": template["provider_account_id"],
               "model": "m", "provider_options": options})
    };
    for (options, expected) in [
        (json!({}), "`provider_options.scripted` is required"),
        (
            json!({"scripted": {"responses": [{"tool_calls": [{"name": ""}]}]}}),
            "`provider_options.scripted.responses[0].tool_calls[0].name`",
        ),
        (
            json!({"scripted": {"respones": []}}),
            "`provider_options.scripted",
        ),
    ] {
        let r = api
            .http
            .post_json(api.ws_url("/deployments"), &body(options.clone()))
            .await;
        let (status, _, message) = error_of(r).await;
        assert_eq!(status, 400, "{options}: {message}");
        assert!(
            message.contains(expected),
            "{options}: `{message}` should contain {expected}"
        );
    }
}
