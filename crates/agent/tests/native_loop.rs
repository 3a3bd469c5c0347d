//! The native loop through `run_case`, with the real scripted provider and
//! a real bubblewrap sandbox: how a case ends (submit, reminders, every
//! limit, cancellation), what the agent is given, and the events it leaves.

mod common;

use agentclash_agent::{CaseError, StopReason};
use common::{
    EXPECTED, Outcome, Run, Sandboxes, native_pack, native_yaml, one_case, pack, scripted, steps,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const FILE_AND_BUILD: &str = "  tool_policy:\n    allowed_tool_kinds: [file, build]";

/// The sandbox is gone, on disk and in the trace.
fn assert_torn_down(env: &Sandboxes, outcome: &Outcome) {
    assert_eq!(
        env.leftovers(),
        Vec::<String>::new(),
        "sandbox directories left behind"
    );
    let created = outcome.of("sandbox.created");
    let destroyed = outcome.of("sandbox.destroyed");
    assert_eq!(
        (created.len(), destroyed.len()),
        (1, 1),
        "{:?}",
        outcome.types()
    );
    assert_eq!(
        created[0].payload["sandbox_id"],
        destroyed[0].payload["sandbox_id"]
    );
    assert_eq!(destroyed[0].payload["error"], Value::Null);
}

fn usage(input: u64, output: u64) -> Value {
    json!({"input_tokens": input, "output_tokens": output})
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_ends_the_case_and_the_trace_tells_the_story() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let model = scripted(json!({"responses": [
        {"text": "writing", "usage": usage(100, 10), "tool_calls": [
            {"name": "write_file", "arguments": {"path": "notes.txt", "content": "hi"}},
            {"name": "read_file", "arguments": {"path": "notes.txt"}}]},
        {"usage": usage(120, 5), "tool_calls": [{"name": "submit", "arguments": {"answer": "all done"}}]},
    ]}));
    let out = Run::new(&pack, model, &env).go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.final_output.as_deref(), r.error.as_deref()),
        (StopReason::Submitted, Some("all done"), None)
    );
    assert_eq!(
        (r.steps, r.tool_calls, r.input_tokens, r.output_tokens),
        (2, 2, 220, 15)
    );
    assert_eq!(r.cost_usd, None, "the scripted model is not priced");

    let types = out.types();
    let staging = [
        "sandbox.file.written",
        "sandbox.file.written",
        "sandbox.file.written",
        "sandbox.file.written",
    ];
    let mut expected = vec!["system.case.started", "sandbox.created"];
    expected.extend(staging);
    expected.extend([
        "model.call.started",
        "model.call.completed",
        "tool.call.started",
        "sandbox.file.written",
        "tool.call.completed",
        "tool.call.started",
        "sandbox.file.read",
        "tool.call.completed",
        "model.call.started",
        "model.call.completed",
        "tool.call.started",
        "tool.call.completed",
        "sandbox.destroyed",
        "system.case.completed",
    ]);
    assert_eq!(types, expected);

    let ev = &out.events;
    assert_eq!(ev[0].payload["case_key"], "one");
    assert_eq!(ev[0].payload["mode"], "native");
    assert_eq!(ev[0].payload["provider"], "scripted");
    assert!(
        ev[2..6].iter().all(|e| e.step.is_none()),
        "staging belongs to no step"
    );
    let started = &ev[6];
    assert_eq!(
        (started.step, &started.payload["messages"]),
        (Some(1), &json!(1))
    );
    assert_eq!(
        started.payload["tools"],
        json!(8),
        "submit, 5 file and 2 build tools"
    );
    let completed = &ev[7];
    assert_eq!(completed.payload["usage"]["input_tokens"], 100);
    assert_eq!(completed.payload["text"], "writing");
    assert_eq!(completed.payload["tool_calls"][0]["name"], "write_file");
    let write = &ev[8];
    assert_eq!(
        (
            write.step,
            &write.payload["name"],
            &write.payload["arguments"]["path"]
        ),
        (Some(1), &json!("write_file"), &json!("notes.txt"))
    );
    let call_id = write.payload["tool_call_id"].clone();
    assert_eq!(ev[9].payload["path"], "/workspace/notes.txt");
    assert_eq!(ev[9].step, Some(1));
    assert_eq!(ev[10].payload["tool_call_id"], call_id);
    assert_eq!(ev[10].payload["result"]["written"], true);
    assert_eq!(ev[13].payload["result"]["content"], "hi");
    assert_eq!(
        ev[14].payload["messages"],
        json!(4),
        "task, answer and two results (no system text)"
    );
    let submit = &ev[17];
    assert_eq!(
        (
            submit.step,
            &submit.payload["name"],
            &submit.payload["arguments"]
        ),
        (Some(2), &json!("submit"), &json!({"answer": "all done"}))
    );
    let end = ev.last().expect("events");
    assert_eq!(end.payload["stop_reason"], "submitted");
    assert_eq!(end.payload["final_output"], "all done");
    assert_eq!(
        (
            &end.payload["steps"],
            &end.payload["tool_calls"],
            &end.payload["input_tokens"]
        ),
        (&json!(2), &json!(2), &json!(220))
    );
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agent_sees_its_case_but_never_the_grading() {
    let env = Sandboxes::new();
    let case = format!(
        "      - case_key: one
        challenge_key: c
        payload:
          topic: alpha
          workspace_files:
            - {{path: /workspace/data/sales.csv, content: \"region,revenue\\nnorth,1\\n\"}}
        inputs:
          - {{key: repo, kind: workspace, value: [{{path: src/main.py, content: \"print(1)\"}}]}}
          - {{key: note, kind: text, value: from-input}}
        expectations: [{{key: answer, kind: text, value: {EXPECTED}}}]"
    );
    let security =
        "security:\n  planted_secrets:\n    - {name: CANARY, value: canary-9d1e, location: env}";
    let pack = pack(&native_yaml(
        "  tool_policy: {allowed_tool_kinds: [file]}",
        security,
        &case,
    ));
    let reads: Vec<(&str, Value)> = [
        "agentclash/run-context.json",
        "agentclash/challenge-pack-manifest.json",
        "agentclash/challenges.json",
        "agentclash/challenge-input-set.json",
        "data/sales.csv",
        "src/main.py",
    ]
    .iter()
    .map(|p| ("read_file", json!({"path": p})))
    .collect();
    // The first step proceeds only if the task message holds the raw
    // instructions and the case data, and would give up if it held the
    // expected answer.
    let model = scripted(json!({
        "rules": [
            {"when_last_user_contains": EXPECTED, "respond": {"tool_calls": [{"name": "submit", "arguments": {"answer": "LEAKED"}}]}},
            {"when_last_user_contains": "Work on {{topic}} and submit.", "at_step": 0,
             "respond": {"tool_calls": reads.iter().map(|(n, a)| json!({"name": n, "arguments": a})).collect::<Vec<_>>()}},
        ],
        "responses": [
            {"tool_calls": [{"name": "submit", "arguments": {"answer": "instructions missing"}}]},
            {"tool_calls": [{"name": "submit", "arguments": {"answer": "ok"}}]},
        ],
    }));
    let out = Run::new(&pack, model, &env).go().await;
    assert_eq!(out.result().final_output.as_deref(), Some("ok"));

    let results = out.tool_results("read_file");
    assert_eq!(results.len(), 6);
    for (result, failed) in &results {
        assert!(!failed, "{result}");
    }
    let text = |i: usize| {
        results[i].0["content"]
            .as_str()
            .expect("content")
            .to_owned()
    };
    for i in 0..4 {
        let file = text(i);
        assert!(!file.contains(EXPECTED), "{file}");
        assert!(
            !file.contains("evaluation_spec") && !file.contains("expectations"),
            "{file}"
        );
        assert!(!file.contains("input_sets"), "{file}");
        assert!(
            !file.contains("canary-9d1e"),
            "the security block is stripped: {file}"
        );
    }
    let context: Value = serde_json::from_str(&text(0)).expect("run-context.json");
    assert_eq!(context["case"]["payload"]["topic"], "alpha");
    assert_eq!(context["case"]["inputs"][1]["value"], "from-input");
    assert_eq!(context["challenge"]["key"], "c");
    assert_eq!(context["manifest"]["pack"]["slug"], "agent-test");
    let input_set: Value = serde_json::from_str(&text(3)).expect("challenge-input-set.json");
    assert_eq!(input_set["cases"][0]["case_key"], "one");
    assert_eq!(
        text(4),
        "region,revenue\nnorth,1\n",
        "payload.workspace_files are staged"
    );
    assert_eq!(text(5), "print(1)", "workspace inputs are staged");
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_workspace_files_fail_the_case_without_a_retry() {
    let env = Sandboxes::new();
    let case = "      - {case_key: one, challenge_key: c, inputs: [{key: repo, kind: workspace, value: [{path: ../../etc/x, content: a}]}]}";
    let pack = pack(&native_yaml("", "", case));
    let out = Run::new(
        &pack,
        scripted(steps(&[&[("submit", json!({"answer": "x"}))]])),
        &env,
    )
    .go()
    .await;
    let r = out.result();
    assert_eq!(r.stop_reason, StopReason::Error);
    assert!(
        r.error
            .as_deref()
            .unwrap_or("")
            .contains("workspace input `repo`"),
        "{r:?}"
    );
    assert_eq!(r.steps, 0);
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_must_be_alone_and_carry_an_answer() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let model = scripted(steps(&[
        &[
            ("submit", json!({"answer": "too early"})),
            ("write_file", json!({"path": "x.txt", "content": "x"})),
        ],
        &[("submit", json!({"answer": "  \n"}))],
        &[("submit", json!({"answer": 42}))],
        &[("submit", json!({}))],
        &[("submit", json!({"answer": "final"}))],
    ]));
    let out = Run::new(&pack, model, &env).go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.final_output.as_deref()),
        (StopReason::Submitted, Some("final"))
    );
    assert_eq!(
        (r.steps, r.tool_calls),
        (5, 1),
        "submit is not a counted tool call"
    );
    let submits = out.tool_results("submit");
    let errors: Vec<&str> = submits
        .iter()
        .filter(|(_, failed)| *failed)
        .map(|(v, _)| v["error"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        errors,
        [
            "submit must be called by itself",
            "`answer` must be a non-blank string",
            "`answer` must be a non-blank string",
            "`answer` must be a non-blank string"
        ]
    );
    assert_eq!(
        out.tool_results("write_file"),
        [(
            &json!({"path": "/workspace/x.txt", "written": true, "bytes": 1}),
            false
        )],
        "the other calls still run"
    );
    assert_eq!(out.of("tool.call.failed").len(), 4);
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_without_tools_get_one_reminder_then_end_the_case() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let talk = json!({"text": "I think the answer is 4."});
    let list = json!({"tool_calls": [{"name": "list_files"}]});
    let submit = json!({"tool_calls": [{"name": "submit", "arguments": {"answer": "4"}}]});

    let out = Run::new(
        &pack,
        scripted(json!({"responses": [talk, talk, submit]})),
        &env,
    )
    .go()
    .await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.final_output.as_deref(), r.steps),
        (StopReason::NoSubmit, None, 2)
    );
    assert!(r.error.is_some());
    let reminders = out.of("system.step.reminder");
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].step, Some(1));

    // The limit is two such replies in a row: work in between resets it.
    let out = Run::new(
        &pack,
        scripted(json!({"responses": [talk, list, talk, submit]})),
        &env,
    )
    .go()
    .await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.final_output.as_deref(), r.steps),
        (StopReason::Submitted, Some("4"), 4)
    );
    assert_eq!(out.of("system.step.reminder").len(), 2);
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn step_and_tool_budgets_stop_the_case() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let list = json!({"name": "list_files"});

    let mut run = Run::new(
        &pack,
        scripted(json!({"default": {"tool_calls": [list]}})),
        &env,
    );
    run.limits.max_iterations = 3;
    let out = run.go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.steps, r.tool_calls),
        (StopReason::StepLimit, 3, 3)
    );
    assert_eq!(out.of("model.call.started").len(), 3);
    assert_eq!(
        out.events.last().expect("events").payload["stop_reason"],
        "step_limit"
    );

    let mut run = Run::new(
        &pack,
        scripted(json!({"responses": [
            {"tool_calls": [list, list]},
            {"tool_calls": [{"name": "submit", "arguments": {"answer": "done"}}]},
        ]})),
        &env,
    );
    run.limits.max_tool_calls = 2;
    let out = run.go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.tool_calls),
        (StopReason::Submitted, 2),
        "submit does not count"
    );

    let mut run = Run::new(
        &pack,
        scripted(json!({"responses": [{"tool_calls": [list, list, list]}]})),
        &env,
    );
    run.limits.max_tool_calls = 2;
    let out = run.go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.tool_calls, r.steps),
        (StopReason::ToolLimit, 2, 1)
    );
    assert_eq!(
        out.of("tool.call.started").len(),
        2,
        "the third call never runs"
    );
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_budget_stops_the_case() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let model = scripted(
        json!({"default": {"usage": usage(600, 500), "tool_calls": [{"name": "list_files"}]}}),
    );
    let mut run = Run::new(&pack, model, &env);
    run.limits.max_total_tokens = Some(2000);
    let out = run.go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.steps, r.input_tokens, r.output_tokens),
        (StopReason::Budget, 2, 1200, 1000)
    );
    assert_eq!(
        out.events.last().expect("events").payload["stop_reason"],
        "budget"
    );
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_models_and_slow_tools_time_out() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let slow_model =
        json!({"default": {"latency_ms": 20000, "tool_calls": [{"name": "list_files"}]}});

    // With one attempt the router's own per-attempt timer races the case's.
    for attempts in [1, 3] {
        let mut model = scripted(slow_model.clone());
        model.options.max_attempts = attempts;
        let mut run = Run::new(&pack, model, &env);
        run.limits.case_timeout = Duration::from_millis(300);
        let started = Instant::now();
        let out = run.go().await;
        let r = out.result();
        assert_eq!(
            r.stop_reason,
            StopReason::Timeout,
            "{attempts} attempt(s): {r:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(out.of("model.call.failed")[0].payload["class"], "timeout");
        assert_torn_down(&env, &out);
    }

    let mut run = Run::new(&pack, scripted(slow_model), &env);
    run.limits.step_timeout = Duration::from_millis(200);
    let out = run.go().await;
    assert_eq!(
        out.result().stop_reason,
        StopReason::Timeout,
        "the step timeout applies to model calls"
    );

    let sleeper = json!({"default": {"tool_calls": [{"name": "run_tests", "arguments": {"command": "sleep 30"}}]}});
    let mut run = Run::new(&pack, scripted(sleeper), &env);
    run.limits.case_timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let out = run.go().await;
    let r = out.result();
    assert_eq!(
        (r.stop_reason, r.steps, r.tool_calls),
        (StopReason::Timeout, 1, 1)
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the tool call was not cut short"
    );
    let (result, failed) = out.tool_results("run_tests")[0];
    assert!(failed, "{result}");
    assert_torn_down(&env, &out);
}

/// Processes on this host whose command line contains `marker`.
fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                .filter(|c| String::from_utf8_lossy(c).contains(marker))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn cancellation_stops_the_case_and_kills_its_processes() {
    let env = Sandboxes::new();
    let pack = native_pack(FILE_AND_BUILD);
    let marker = format!("agentclash-cancel-{}", std::process::id());
    let script = format!("sleep 60; echo {marker}");
    let model = scripted(steps(&[&[("run_tests", json!({"command": script}))]]));
    let run = Run::new(&pack, model, &env);
    let cancel = run.cancel.clone();
    let watched = marker.clone();
    let canceller = tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while processes_with(&watched) == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel.cancel();
    });
    let started = Instant::now();
    let out = run.go().await;
    canceller.await.expect("canceller");
    let r = out.result();
    assert_eq!(r.stop_reason, StopReason::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(40));
    assert_eq!(out.of("tool.call.started").len(), 1);
    assert_eq!(
        processes_with(&marker),
        0,
        "the sandbox's processes outlived the case"
    );
    assert_eq!(
        out.events.last().expect("events").payload["stop_reason"],
        "cancelled"
    );
    assert_torn_down(&env, &out);

    // Cancelled while waiting for the model.
    let slow =
        scripted(json!({"default": {"latency_ms": 30000, "tool_calls": [{"name": "list_files"}]}}));
    let run = Run::new(&pack, slow, &env);
    let cancel = run.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let out = run.go().await;
    assert_eq!(out.result().stop_reason, StopReason::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_tools_and_tool_errors_show_in_the_trace() {
    let env = Sandboxes::new();
    let tools = "tools:
  custom:
    - name: read_note
      parameters: {type: object, properties: {name: {type: string}}, required: [name]}
      implementation: {primitive: read_file, args: {path: \"notes/${name}.txt\"}}
    - name: owner
      parameters: {type: object, properties: {region: {type: string}}}
      implementation: {type: mock, strategy: lookup, lookup_key: region, responses: {north: {owner: Ada}}}";
    let pack = pack(&native_yaml(
        "  tool_policy: {allowed_tool_kinds: [file, build]}",
        tools,
        &one_case(),
    ));
    let model = scripted(steps(&[
        &[
            (
                "write_file",
                json!({"path": "notes/a.txt", "content": "note a"}),
            ),
            ("read_note", json!({"name": "a"})),
            ("read_note", json!({"name": "b"})),
            ("owner", json!({"region": "north"})),
            ("query_sql", json!({"engine": "sqlite"})),
            ("read_file", json!({"path": 5})),
            (
                "run_tests",
                json!({"command": "cat notes/a.txt; echo oops >&2"}),
            ),
        ],
        &[("submit", json!({"answer": "done"}))],
    ]));
    let out = Run::new(&pack, model, &env).go().await;
    assert_eq!(out.result().stop_reason, StopReason::Submitted);
    assert_eq!(out.result().tool_calls, 7);
    let started = out.of("model.call.started");
    assert_eq!(
        started[0].payload["tools"],
        json!(10),
        "submit, 5 file, 2 build and 2 custom tools"
    );
    let command = out.of("sandbox.command.started");
    assert_eq!(
        command.len(),
        1,
        "the file tools use the file API, not commands"
    );
    assert_eq!(
        command[0].payload["command"],
        json!(["sh", "-lc", "cat notes/a.txt; echo oops >&2"])
    );
    assert_eq!(command[0].step, Some(1));
    let finished = out.of("sandbox.command.completed");
    assert_eq!(
        (
            &finished[0].payload["exit_code"],
            &finished[0].payload["stdout"],
            &finished[0].payload["stderr"]
        ),
        (&json!(0), &json!("note a"), &json!("oops\n"))
    );
    let reads: Vec<_> = out
        .of("sandbox.file.read")
        .iter()
        .map(|e| e.payload["path"].clone())
        .collect();
    assert_eq!(
        reads,
        [
            json!("/workspace/notes/a.txt"),
            json!("/workspace/notes/b.txt")
        ]
    );
    assert!(out.of("sandbox.file.read")[1].payload["error"].is_string());

    let done: Vec<_> = out
        .events
        .iter()
        .filter(|e| matches!(e.event_type, "tool.call.completed" | "tool.call.failed"))
        .map(|e| {
            (
                e.event_type,
                e.payload["name"].as_str().unwrap_or("").to_owned(),
                e.payload.clone(),
            )
        })
        .collect();
    assert_eq!(done[1].0, "tool.call.completed");
    assert_eq!(done[1].2["result"]["content"], "note a");
    assert_eq!(
        (&done[1].2["resolved_primitive"], &done[1].2["chain"]),
        (&json!("read_file"), &json!(["read_note"]))
    );
    assert_eq!(done[2].0, "tool.call.failed");
    assert!(
        done[2].2["result"]["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("read_note failed: cannot read /workspace/notes/b.txt")
    );
    assert_eq!(done[3].2["result"], json!({"owner": "Ada"}));
    assert!(
        done[4].2["result"]["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("unknown tool `query_sql`; available: ")
    );
    assert_eq!(
        done[5].2["result"]["error"],
        "argument `path` must be a string"
    );
    assert!(done[0].2.get("resolved_primitive").is_none());
    assert_torn_down(&env, &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_the_pack_lacks_is_refused_before_anything_runs() {
    let env = Sandboxes::new();
    let pack = native_pack("");
    let mut run = Run::new(
        &pack,
        scripted(steps(&[&[("submit", json!({"answer": "x"}))]])),
        &env,
    );
    run.case_key = "missing";
    let out = run.go().await;
    match &out.result {
        Err(CaseError::Invalid(message)) => {
            assert!(message.contains("no case `missing`"), "{message}")
        }
        other => panic!("expected an invalid case, got {other:?}"),
    }
    assert!(out.events.is_empty());
    assert!(env.leftovers().is_empty());
}
