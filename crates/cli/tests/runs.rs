//! The run commands against a scripted API on loopback: the bodies and
//! queries sent, how names and pack versions are resolved, `--wait`, and
//! event following (the reconnection against the real API is in
//! `follow.rs`).

mod common;

use common::{agentclash, body, lines, scripted_api, stderr, stdout};

const PV: &str = "01900000-0000-7000-8000-0000000000a1";
const D1: &str = "01900000-0000-7000-8000-0000000000d1";
const D2: &str = "01900000-0000-7000-8000-0000000000d2";

#[test]
fn run_create_resolves_the_latest_pack_and_deployment_names_then_waits() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-0000000000a0","version":1},{"id":"01900000-0000-7000-8000-0000000000a1","version":2}]}"#,
        ),
        (
            200,
            r#"{"items":[{"id":"01900000-0000-7000-8000-0000000000d1","name":"alpha"},{"id":"01900000-0000-7000-8000-0000000000ff","name":"other"}],"next_cursor":null}"#,
        ),
        (201, r#"{"id":"r1","status":"queued","name":"demo"}"#),
        (
            200,
            "event: run_event\nid: 0.1\ndata: {}\n\nevent: end\ndata: {\"status\":\"completed\"}\n\n",
        ),
        (
            200,
            r#"{"id":"r1","status":"completed","name":"demo","agents":[{"id":"a1","lane_index":0,"label":"alpha","status":"completed"}]}"#,
        ),
    ]);
    let out = agentclash(
        &[
            "run",
            "create",
            "--pack",
            "demo",
            "--deployment",
            "alpha",
            "--deployment",
            D2,
            "--case",
            "c2",
            "--case",
            "c1",
            "--input-set",
            "default",
            "--name",
            "demo",
            "--wait",
            "--api-url",
            &url,
            "--workspace",
            "w1",
        ],
        &[("AGENTCLASH_TOKEN", "acl_test")],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).starts_with("run r1 completed\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("alpha"),
        "lanes are shown: {}",
        stdout(&out)
    );
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w1/challenge-packs/demo/versions HTTP/1.1",
            "GET /v1/workspaces/w1/deployments?limit=100 HTTP/1.1",
            "POST /v1/workspaces/w1/runs HTTP/1.1",
            "GET /v1/workspaces/w1/runs/r1/events/stream HTTP/1.1",
            "GET /v1/workspaces/w1/runs/r1 HTTP/1.1",
        ]
    );
    assert_eq!(
        body(&seen[2]),
        serde_json::json!({
            "name": "demo",
            "pack_version_id": PV,
            "input_set_key": "default",
            "deployment_ids": [D1, D2],
            "case_keys": ["c2", "c1"],
        })
    );
}

#[test]
fn run_create_with_a_pack_version_sends_only_what_was_given() {
    let (url, server) = scripted_api(vec![
        (
            200,
            r#"{"id":"01900000-0000-7000-8000-0000000000a1","slug":"demo","version":3}"#,
        ),
        (201, r#"{"id":"r2","status":"queued"}"#),
    ]);
    let out = agentclash(
        &[
            "run",
            "create",
            "--pack",
            "demo@3",
            "--deployment",
            D1,
            "--json",
        ],
        &[
            ("AGENTCLASH_API_URL", url.as_str()),
            ("AGENTCLASH_WORKSPACE", "w2"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(run["id"], "r2");
    let seen = server.join().expect("server");
    assert_eq!(
        seen[0].0,
        "GET /v1/workspaces/w2/challenge-packs/demo/versions/3 HTTP/1.1"
    );
    assert_eq!(
        body(&seen[1]),
        serde_json::json!({ "pack_version_id": PV, "deployment_ids": [D1] })
    );
}

#[test]
fn a_failed_run_exits_1_and_shows_why() {
    let (url, server) = scripted_api(vec![
        (200, r#"{"id":"01900000-0000-7000-8000-0000000000a1"}"#),
        (201, r#"{"id":"r2","status":"queued"}"#),
        (200, "event: end\ndata: {\"status\":\"failed\"}\n\n"),
        (
            200,
            r#"{"id":"r2","status":"failed","failure_reason":"boom"}"#,
        ),
    ]);
    let out = agentclash(
        &[
            "run",
            "create",
            "--pack",
            "p@1",
            "--deployment",
            D1,
            "--wait",
            "-w",
            "w",
            "--api-url",
            &url,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(stdout(&out).contains("failure: boom"), "{}", stdout(&out));
    server.join().expect("server");
}

#[test]
fn run_create_argument_errors_name_the_flag_and_exit_2() {
    let out = agentclash(&["run", "create", "--pack", "demo", "-w", "w"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--deployment"), "{}", stderr(&out));
    let out = agentclash(
        &[
            "run",
            "create",
            "--pack",
            "demo@x",
            "--deployment",
            "a",
            "-w",
            "w",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--pack"), "{}", stderr(&out));
    let out = agentclash(&["run", "create", "--deployment", "a", "-w", "w"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--pack"), "{}", stderr(&out));
    let out = agentclash(
        &[
            "run",
            "create",
            "--pack",
            "p",
            "--deployment",
            "a",
            "--timeout",
            "5",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "--timeout needs --wait");
}

#[test]
fn an_unknown_deployment_name_is_not_found() {
    let (url, server) = scripted_api(vec![
        (200, r#"{"items":[{"id":"x","version":1}]}"#),
        (200, r#"{"items":[],"next_cursor":null}"#),
    ]);
    let out = agentclash(
        &[
            "run",
            "create",
            "--pack",
            "p",
            "--deployment",
            "ghost",
            "-w",
            "w",
            "--api-url",
            &url,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(66), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no deployment named `ghost`"),
        "{}",
        stderr(&out)
    );
    server.join().expect("server");
}

#[test]
fn run_list_pages_and_prints_the_next_cursor() {
    let (url, server) = scripted_api(vec![(
        200,
        r#"{"items":[{"id":"r9","name":"n","status":"running","created_at":"t","finished_at":null}],"next_cursor":"r9"}"#,
    )]);
    let out = agentclash(
        &[
            "run",
            "list",
            "--limit",
            "1",
            "--cursor",
            "r10",
            "-w",
            "w",
            "--api-url",
            &url,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains("r9") && table.contains("running"), "{table}");
    assert_eq!(stderr(&out), "more: --cursor r9\n");
    let seen = server.join().expect("server");
    assert_eq!(
        seen[0].0,
        "GET /v1/workspaces/w/runs?limit=1&cursor=r10 HTTP/1.1"
    );
    let out = agentclash(&["run", "list", "--limit", "0", "-w", "w"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--limit"), "{}", stderr(&out));
}

#[test]
fn run_cancel_posts_and_cases_show_lane_labels() {
    let (url, server) = scripted_api(vec![
        (202, r#"{"id":"r1","status":"running"}"#),
        (
            200,
            r#"{"items":[{"run_agent_id":"a1","case_key":"c1","status":"completed","stop_reason":"submitted","attempt":1,"steps":3,"tool_calls":2,"input_tokens":10,"output_tokens":5,"duration_ms":40,"final_output":"  the answer\n is  42 "}]}"#,
        ),
        (
            200,
            r#"{"id":"r1","status":"running","agents":[{"id":"a1","lane_index":0,"label":"alpha","status":"executing"}]}"#,
        ),
    ]);
    let out = agentclash(&["run", "cancel", "r1", "-w", "w", "--api-url", &url], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("cancellation of run r1 requested"));
    let out = agentclash(&["run", "cases", "r1", "-w", "w", "--api-url", &url], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    let row = table.lines().nth(1).expect("a row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "alpha",
            "c1",
            "completed",
            "submitted",
            "1",
            "3",
            "2",
            "10/5",
            "40",
            "the",
            "answer",
            "is",
            "42"
        ]
    );
    assert!(
        row.ends_with("the answer is 42"),
        "outputs are shown on one line: {row}"
    );
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "POST /v1/workspaces/w/runs/r1/cancel HTTP/1.1",
            "GET /v1/workspaces/w/runs/r1/cases HTTP/1.1",
            "GET /v1/workspaces/w/runs/r1 HTTP/1.1",
        ]
    );
}

const RUN_RUNNING: &str = r#"{"id":"r1","status":"running","agents":[{"id":"a1","lane_index":0,"label":"alpha"},{"id":"a2","lane_index":1,"label":"beta"}]}"#;

#[test]
fn run_events_lists_one_page_with_filters() {
    let (url, server) = scripted_api(vec![
        (200, RUN_RUNNING),
        (
            200,
            r#"{"items":[{"run_agent_id":"a2","sequence":1,"type":"tool.call","occurred_at":"t1","case_key":"c1","summary":"ls"}],"next_cursor":"1.1"}"#,
        ),
    ]);
    let out = agentclash(
        &[
            "run",
            "events",
            "r1",
            "--lane",
            "beta",
            "--type",
            "tool.",
            "--limit",
            "1",
            "-w",
            "w",
            "--api-url",
            &url,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "t1 beta #1 tool.call [c1]: ls\n");
    assert_eq!(stderr(&out), "more: --cursor 1.1\n");
    let seen = server.join().expect("server");
    assert_eq!(
        seen[1].0,
        "GET /v1/workspaces/w/runs/r1/events?run_agent_id=a2&type=tool.&limit=1 HTTP/1.1"
    );
}

#[test]
fn run_events_follow_streams_filters_and_resumes_after_a_dropped_connection() {
    let (url, server) = scripted_api(vec![
        (200, RUN_RUNNING),
        // The first connection ends without `end`, in the middle of an event.
        (
            200,
            "id: 0.1\nevent: run_event\ndata: {\"run_agent_id\":\"a1\",\"sequence\":1,\"type\":\"tool.call.started\"}\n\n: keep-alive\n\nid: 0.1,1.1\nevent: run_event\ndata: {\"run_agent_id\":\"a2\",\"sequence\":1,\"type\":\"tool.call.started\"}\n\nid: 0.2,1.1\nevent: run_event\ndata: {\"run_agent_id\":\"a1\",\"seq",
        ),
        (
            200,
            "id: 0.2,1.1\nevent: run_event\ndata: {\"run_agent_id\":\"a1\",\"sequence\":2,\"type\":\"model.call.started\"}\n\nid: 0.3,1.1\nevent: run_event\ndata: {\"run_agent_id\":\"a1\",\"sequence\":3,\"type\":\"tool.call.completed\"}\n\nevent: end\ndata: {\"status\":\"completed\"}\n\n",
        ),
    ]);
    let out = agentclash(
        &[
            "run",
            "events",
            "r1",
            "--follow",
            "--json",
            "--lane",
            "alpha",
            "--type",
            "tool.",
            "-w",
            "w",
            "--api-url",
            &url,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events: Vec<(String, i64)> = stdout(&out)
        .lines()
        .map(|l| {
            let e: serde_json::Value = serde_json::from_str(l).expect("one JSON event per line");
            (
                e["run_agent_id"].as_str().expect("lane").to_owned(),
                e["sequence"].as_i64().expect("seq"),
            )
        })
        .collect();
    assert_eq!(events, [("a1".to_owned(), 1), ("a1".to_owned(), 3)]);
    assert!(
        stderr(&out).contains("event stream interrupted"),
        "{}",
        stderr(&out)
    );
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen)[1..],
        [
            "GET /v1/workspaces/w/runs/r1/events/stream HTTP/1.1",
            "GET /v1/workspaces/w/runs/r1/events/stream HTTP/1.1",
        ]
    );
    let out = agentclash(
        &[
            "run", "events", "r1", "--follow", "--cursor", "0.1", "-w", "w",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "--follow takes no --cursor");
}

#[test]
fn run_ranking_prints_lanes_by_label_with_the_why_and_waits_politely_while_scoring() {
    let ranking = r#"{"entries":[
        {"rank":1,"lane_id":"a1","overall":1.0,"correctness":1.0,"reliability":null,"pass_rate":1.0,"degraded":false},
        {"rank":2,"lane_id":"a2","overall":0.25,"correctness":0.5,"reliability":null,"pass_rate":0.25,"degraded":false}],
        "outcome":{"kind":"winner","lane_id":"a1"},
        "why":{"text":"a1 wins with overall 1.000 vs 0.250 for a2; a1 passed case-2 that a2 failed."}}"#;
    let run = r#"{"id":"r1","status":"completed","agents":[
        {"id":"a1","lane_index":0,"label":"correct","status":"completed"},
        {"id":"a2","lane_index":1,"label":"buggy","status":"completed"}]}"#;
    let (url, server) = scripted_api(vec![
        (200, ranking),
        (200, run),
        (202, r#"{"status":"running","message":"not scored yet"}"#),
    ]);
    let out = agentclash(&["run", "ranking", "r1", "-w", "w", "--api-url", &url], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .take(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["1", "correct", "100.0%", "100.0%", "-", "100.0%", "no"]
    );
    assert_eq!(
        rows[1],
        ["2", "buggy", "25.0%", "50.0%", "-", "25.0%", "no"]
    );
    assert!(text.contains("winner: correct"), "{text}");
    assert!(
        text.contains(
            "why: correct wins with overall 1.000 vs 0.250 for buggy; correct passed case-2"
        ),
        "{text}"
    );
    let out = agentclash(&["run", "ranking", "r1", "-w", "w", "--api-url", &url], &[]);
    assert_eq!(
        out.status.code(),
        Some(75),
        "not ranked yet is retryable: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("the run is running"),
        "{}",
        stderr(&out)
    );
    let seen = server.join().expect("server");
    assert_eq!(
        lines(&seen),
        [
            "GET /v1/workspaces/w/runs/r1/ranking HTTP/1.1",
            "GET /v1/workspaces/w/runs/r1 HTTP/1.1",
            "GET /v1/workspaces/w/runs/r1/ranking HTTP/1.1",
        ]
    );
}
