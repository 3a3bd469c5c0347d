//! Golden tests for the file, code-execution, tool-call and postcondition
//! validators (§5.3.6–5.3.9).

mod common;

use agentclash_scoring::{ErrorKind, Evidence, ToolCallRecord, VerdictState as S};
use common::*;
use serde_json::json;

fn file_ev() -> Evidence {
    let e = with_file(
        output("done"),
        "solution",
        b"def evaluate(expr):\n    return 0\n",
    );
    let e = with_file(e, "report", br#"{"total": 3680.75, "row_count": 3}"#);
    with_missing_file(e, "absent")
}

#[test]
fn file_content_match_modes() {
    let e = file_ev();
    let v = |expected: &str, config| {
        run(
            &validator(
                "file_content_match",
                "file:solution",
                Some(expected),
                config,
            ),
            &e,
        )
    };
    let pass = v("literal:def evaluate", None);
    assert_state(&pass, S::Pass);
    assert_eq!(pass.event_id.as_deref(), Some("evt-file-solution"));
    assert_state(&v("literal:def fibonacci", None), S::Fail);
    // The lenient config ignores the legacy `mode` key of existing packs.
    assert_state(
        &v("literal:def evaluate", Some(json!({"mode": "contains"}))),
        S::Pass,
    );
    let ws = Some(json!({"match_mode": "exact", "ignore_whitespace": true}));
    assert_state(&v("literal:def   evaluate(expr): return 0", ws), S::Pass);
    assert_state(
        &v(
            "literal:return\\s+\\d",
            Some(json!({"match_mode": "regex"})),
        ),
        S::Pass,
    );
    assert_state(
        &v(
            "literal:import os",
            Some(json!({"match_mode": "not_contains"})),
        ),
        S::Pass,
    );
    assert_state(
        &v("literal:x", Some(json!({"match_mode": "fuzzy"}))),
        S::Error,
    );
    let json_eq = run(
        &validator(
            "file_content_match",
            "file:report",
            Some(r#"literal:{"row_count": 3, "total": 3680.75}"#),
            Some(json!({"match_mode": "json_equal"})),
        ),
        &e,
    );
    assert_state(&json_eq, S::Pass);
    let missing = run(
        &validator("file_content_match", "file:absent", Some("literal:x"), None),
        &e,
    );
    assert_state(&missing, S::Unavailable);
    let unknown = run(
        &validator("file_content_match", "file:nope", Some("literal:x"), None),
        &e,
    );
    assert_state(&unknown, S::Unavailable);
}

#[test]
fn non_utf8_file_content_is_read_lossily() {
    let e = with_file(output(""), "bin", b"\xff\xfe header \x80 def evaluate \xc3");
    let v = run(
        &validator(
            "file_content_match",
            "file:bin",
            Some("literal:def evaluate"),
            None,
        ),
        &e,
    );
    assert_state(&v, S::Pass);
    let v = run(
        &validator("regex_match", "file:bin", Some("literal:header"), None),
        &e,
    );
    assert_state(&v, S::Pass);
    let v = run(
        &validator(
            "file_json_schema",
            "file:bin",
            None,
            Some(json!({"schema": {}})),
        ),
        &e,
    );
    assert_state(&v, S::Error);
}

#[test]
fn file_exists_is_never_unavailable() {
    let e = file_ev();
    let exists = |target: &str, config| run(&validator("file_exists", target, None, config), &e);
    assert_state(&exists("file:solution", None), S::Pass);
    assert_state(&exists("file:absent", None), S::Fail);
    assert_state(
        &exists("file:absent", Some(json!({"must_exist": false}))),
        S::Pass,
    );
    assert_state(
        &exists("file:solution", Some(json!({"must_exist": false}))),
        S::Fail,
    );
    assert_state(&exists("file:never-captured", None), S::Fail);
    assert_eq!(
        exists("file:absent", None).event_id.as_deref(),
        Some("evt-file-absent")
    );
}

#[test]
fn file_json_schema_uses_the_config_schema() {
    let e = file_ev();
    let schema = json!({"schema": {"type": "object", "required": ["total", "row_count"],
        "properties": {"row_count": {"type": "integer", "minimum": 1}}}});
    let v = |target: &str, config| run(&validator("file_json_schema", target, None, config), &e);
    assert_state(&v("file:report", Some(schema.clone())), S::Pass);
    let strict = json!({"schema": {"type": "object", "required": ["missing"]}});
    assert_state(&v("file:report", Some(strict)), S::Fail);
    assert_state(&v("file:report", None), S::Error);
    assert_state(&v("file:solution", Some(schema.clone())), S::Error);
    assert_state(&v("file:absent", Some(schema)), S::Unavailable);
}

#[test]
fn directory_structure_checks_listing_entries() {
    let e = with_listing(
        file_ev(),
        "tree",
        "/workspace/app",
        &[
            "/workspace/app/src",
            "/workspace/app/src/main.py",
            "README.md",
            "./setup.py",
        ],
    );
    let dir = |config| {
        run(
            &validator("directory_structure", "file:tree", None, config),
            &e,
        )
    };
    let ok = json!({"required_files": ["src/main.py", "/workspace/app/README.md", "setup.py"],
        "required_directories": ["src/"], "forbidden_files": [".env"]});
    assert_state(&dir(Some(ok)), S::Pass);
    let bad = dir(Some(
        json!({"required_files": ["tests/test_main.py"], "forbidden_files": ["README.md"]}),
    ));
    assert_state(&bad, S::Fail);
    assert!(bad.reason.contains("tests/test_main.py") && bad.reason.contains("README.md"));
    assert_state(&dir(None), S::Error);
    let on_file = run(
        &validator(
            "directory_structure",
            "file:solution",
            None,
            Some(json!({"required_files": ["a"]})),
        ),
        &e,
    );
    assert_state(&on_file, S::Error);
    let resolved = agentclash_scoring::resolve(&e, "file:tree");
    let agentclash_scoring::Resolution::Value(r) = resolved else {
        panic!("listing resolves");
    };
    assert!(
        r.text
            .starts_with(r#"{"key":"tree","path":"/workspace/app","entries":[{"path""#),
        "{}",
        r.text
    );
}

fn code(config: serde_json::Value) -> agentclash_packs::model::Validator {
    let mut v = validator("code_execution", "file:solution", None, Some(config));
    v.key = "tests".into();
    v
}

#[test]
fn code_execution_scoring_modes() {
    let aon = code(json!({"test_command": "python3 -m pytest", "scoring": "all_or_nothing"}));
    let frac = code(json!({"test_command": "pytest", "pass_threshold": 0.7}));
    let base = file_ev();
    let ok = run(&aon, &with_exec(base.clone(), "tests", Some(0), "OK\n", ""));
    assert_state(&ok, S::Pass);
    assert_eq!(ok.score, Some(1.0));
    assert_eq!(ok.event_id.as_deref(), Some("evt-exec-tests"));
    let bad = run(
        &aon,
        &with_exec(base.clone(), "tests", Some(1), "", "AssertionError"),
    );
    assert_state(&bad, S::Fail);
    let counts = with_exec(
        base.clone(),
        "tests",
        Some(1),
        "=== 3 passed, 1 failed in 0.2s ===",
        "",
    );
    let f = run(&frac, &counts);
    assert_state(&f, S::Pass);
    assert_eq!(f.score, Some(0.75));
    assert_state(&run(&aon, &counts), S::Fail);
    let junit = with_exec(
        base.clone(),
        "tests",
        Some(0),
        r#"<testsuites tests="4" failures="2" errors="0"><testsuite tests="4"/></testsuites>"#,
        "",
    );
    assert_eq!(run(&frac, &junit).score, Some(0.5));
    let json_counts = with_exec(
        base.clone(),
        "tests",
        Some(0),
        r#"{"passed":9,"failed":1,"errors":0,"total":10}"#,
        "",
    );
    assert_eq!(run(&frac, &json_counts).score, Some(0.9));
    let mut timeout = with_exec(base.clone(), "tests", None, "", "");
    if let Some(x) = timeout.code_executions.get_mut("tests") {
        x.timed_out = true;
    }
    let t = run(&frac, &timeout);
    assert_state(&t, S::Fail);
    assert_eq!(t.score, Some(0.0));
    assert_state(
        &run(&frac, &with_exec(base.clone(), "tests", None, "", "")),
        S::Unavailable,
    );
    assert_state(&run(&frac, &base), S::Unavailable);
    let mut launch = with_exec(base.clone(), "tests", None, "", "");
    if let Some(x) = launch.code_executions.get_mut("tests") {
        x.launch_error = Some("sandbox unavailable".into());
    }
    let l = run(&frac, &launch);
    assert_state(&l, S::Error);
    assert_eq!(l.error_kind, Some(ErrorKind::Infra));
    assert_state(&run(&code(json!({"test_command": " "})), &base), S::Error);
    assert_state(
        &run(
            &code(json!({"test_command": "x", "scoring": "pass_at_k"})),
            &base,
        ),
        S::Error,
    );
}

fn call(name: &str, args: serde_json::Value, is_error: bool) -> ToolCallRecord {
    ToolCallRecord {
        name: name.into(),
        arguments: args,
        is_error,
        event_id: Some(format!("evt-{name}")),
        ..ToolCallRecord::default()
    }
}

fn trace() -> Evidence {
    let mut e = output("3680.75");
    e.tool_calls = vec![
        call("list_files", json!({"path": "/workspace"}), false),
        call(
            "read_file",
            json!({"path": "/workspace/data/sales.csv", "opts": {"enc": "utf8", "x": 1}}),
            false,
        ),
        call("exec", json!({"command": ["rm", "-rf", "/"]}), true),
        call(
            "write_file",
            json!({"path": "/workspace/report.json"}),
            false,
        ),
        call("submit", json!({"answer": "3680.75"}), false),
    ];
    e
}

#[test]
fn tool_call_assertions() {
    let e = trace();
    let a = |config| {
        run(
            &validator("tool_call_assertion", "tool_calls", None, Some(config)),
            &e,
        )
    };
    let ok = a(json!({"tool_name": "read_file", "min_count": 1}));
    assert_state(&ok, S::Pass);
    assert_eq!(ok.event_id.as_deref(), Some("evt-read_file"));
    assert!(
        !ok.evidence[0].value.contains("sales.csv"),
        "raw arguments must not be copied"
    );
    assert_state(
        &a(json!({"tool_name": "read_file", "must_call": false})),
        S::Fail,
    );
    // Failed calls never match.
    assert_state(&a(json!({"tool_name": "exec"})), S::Fail);
    assert_state(&a(json!({"tool_name": "exec", "count": 0})), S::Pass);
    assert_state(
        &a(json!({"arguments_contain": {"opts": {"enc": "utf8"}}})),
        S::Pass,
    );
    assert_state(
        &a(json!({"tool_name": "read_file", "arguments_contain": {"opts": {"enc": "latin1"}}})),
        S::Fail,
    );
    assert_state(
        &a(json!({"ordered_tools": ["read_file", "submit"]})),
        S::Pass,
    );
    assert_state(
        &a(json!({"ordered_tools": ["submit", "read_file"]})),
        S::Fail,
    );
    let exact = json!({"ordered_tools": ["list_files", "read_file", "write_file", "submit"], "order_mode": "exact"});
    assert_state(&a(exact), S::Pass);
    assert_state(
        &a(json!({"ordered_tools": ["read_file", "submit"], "order_mode": "exact"})),
        S::Fail,
    );
    assert_state(
        &a(json!({"max_count": 0, "tool_name": "write_file"})),
        S::Fail,
    );
    assert_state(&a(json!({})), S::Error);
    assert_state(&a(json!({"order_mode": "exact"})), S::Error);
    let empty = output("x");
    let none = run(
        &validator(
            "tool_call_assertion",
            "tool_calls",
            None,
            Some(json!({"tool_name": "read_file"})),
        ),
        &empty,
    );
    assert_state(&none, S::Fail);
    let mut list = output("x");
    list.tool_calls = vec![call("tag", json!({"tags": ["a", "b", "a"]}), false)];
    let lists = |want| {
        run(
            &validator(
                "tool_call_assertion",
                "tool_calls",
                None,
                Some(json!({"arguments_contain": {"tags": want}})),
            ),
            &list,
        )
    };
    assert_state(&lists(json!(["a", "a"])), S::Pass);
    assert_state(&lists(json!(["b", "b"])), S::Fail);
    // Arguments recorded as a JSON string are decoded.
    let mut stringly = output("x");
    stringly.tool_calls = vec![call("read_file", json!("{\"path\":\"/a\"}"), false)];
    let v = run(
        &validator(
            "tool_call_assertion",
            "tool_calls",
            None,
            Some(json!({"arguments_contain": {"path": "/a"}})),
        ),
        &stringly,
    );
    assert_state(&v, S::Pass);
}

#[test]
fn postconditions() {
    let e = file_ev();
    let p = |target: &str, config| run(&validator("postcondition", target, None, Some(config)), &e);
    assert_state(&p("file:solution", json!({"condition": "exists"})), S::Pass);
    assert_state(&p("file:absent", json!({"condition": "exists"})), S::Fail);
    assert_state(
        &p("file:absent", json!({"condition": "not_exists"})),
        S::Pass,
    );
    assert_state(
        &p("file:unknown", json!({"condition": "exists"})),
        S::Unavailable,
    );
    assert_state(
        &p(
            "file:solution",
            json!({"condition": "contains", "value": "evaluate"}),
        ),
        S::Pass,
    );
    assert_state(
        &p(
            "file:solution",
            json!({"condition": "not_contains", "value": "evaluate"}),
        ),
        S::Fail,
    );
    assert_state(
        &p(
            "file:absent",
            json!({"condition": "contains", "value": "x"}),
        ),
        S::Unavailable,
    );
    assert_state(
        &p(
            "file:solution",
            json!({"condition": "regex_match", "value": "def \\w+\\("}),
        ),
        S::Pass,
    );
    assert_state(
        &p(
            "file:solution",
            json!({"condition": "regex_match", "value": "("}),
        ),
        S::Error,
    );
    assert_state(
        &p(
            "file:report",
            json!({"condition": "json_path_match", "json_path": "$.row_count", "value": 3}),
        ),
        S::Pass,
    );
    assert_state(
        &p(
            "file:report",
            json!({"condition": "json_path_match", "json_path": "$.row_count", "value": 4}),
        ),
        S::Fail,
    );
    assert_state(
        &p(
            "file:report",
            json!({"condition": "json_path_match", "value": 4}),
        ),
        S::Error,
    );
    assert_state(
        &p(
            "file:report",
            json!({"condition": "equals", "value": {"row_count": 3, "total": 3680.75}}),
        ),
        S::Pass,
    );
    assert_state(
        &p(
            "final_output",
            json!({"condition": "equals", "value": "done"}),
        ),
        S::Pass,
    );
    assert_state(
        &p(
            "final_output",
            json!({"condition": "equals", "value": "Done"}),
        ),
        S::Fail,
    );
    assert_state(
        &p("file:report", json!({"condition": "sometimes"})),
        S::Error,
    );
    let none = run(&validator("postcondition", "file:report", None, None), &e);
    assert_state(&none, S::Error);
}
