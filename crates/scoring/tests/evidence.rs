//! Evidence reference resolution for every §5.2 form.

mod common;

use agentclash_packs::model::{ArtifactRef, Asset, Expectation, Input};
use agentclash_scoring::{ArtifactContent, Evidence, Resolution, TurnRecord, resolve};
use common::*;
use serde_json::json;

fn value(e: &Evidence, r: &str) -> String {
    match resolve(e, r) {
        Resolution::Value(v) => v.text,
        other => panic!("{r}: expected a value, got {other:?}"),
    }
}

fn is_unavailable(e: &Evidence, r: &str) -> bool {
    matches!(resolve(e, r), Resolution::Unavailable { .. })
}

fn asset(key: &str, path: &str) -> Asset {
    Asset {
        key: key.into(),
        path: path.into(),
        kind: Some("csv".into()),
        ..Asset::default()
    }
}

fn rich() -> Evidence {
    let mut e = output("final answer");
    e.case.payload = json!({
        "question": {"text": "What is 2+2?"},
        "items": [{"n": 1}, {"n": 2.5}],
        "big": 1500000,
        "flag": true,
    })
    .as_object()
    .cloned()
    .expect("object");
    e.case.inputs = vec![
        Input {
            key: "ticket".into(),
            kind: "text".into(),
            value: Some(json!({"body": "hi", "tags": ["a"]})),
            ..Input::default()
        },
        Input {
            key: "data".into(),
            kind: "file".into(),
            artifact_key: Some("sales".into()),
            ..Input::default()
        },
        Input {
            key: "hint".into(),
            kind: "path".into(),
            path: Some("/workspace/hint.txt".into()),
            ..Input::default()
        },
        Input {
            key: "empty".into(),
            kind: "text".into(),
            ..Input::default()
        },
    ];
    e.case.expectations = vec![
        Expectation {
            key: "total".into(),
            kind: "number".into(),
            value: Some(json!(3680.75)),
            ..Expectation::default()
        },
        Expectation {
            key: "check".into(),
            kind: "json".into(),
            value: Some(json!({"path": "$.a", "value": "urgent"})),
            ..Expectation::default()
        },
        Expectation {
            key: "from_input".into(),
            kind: "text".into(),
            source: Some("input:ticket".into()),
            ..Expectation::default()
        },
        Expectation {
            key: "from_artifact".into(),
            kind: "file".into(),
            source: Some("artifact:golden".into()),
            ..Expectation::default()
        },
        Expectation {
            key: "by_key".into(),
            kind: "file".into(),
            artifact_key: Some("golden".into()),
            ..Expectation::default()
        },
        Expectation {
            key: "nothing".into(),
            kind: "text".into(),
            ..Expectation::default()
        },
    ];
    e.case.assets = vec![asset("own", "/workspace/own.txt")];
    e.case.artifacts = vec![ArtifactRef {
        key: "extra".into(),
    }];
    e.version_assets = vec![
        asset("sales", "/workspace/data/sales.csv"),
        asset("golden", "/workspace/golden.txt"),
        asset("extra", "/workspace/extra.bin"),
        asset("hidden", "/workspace/hidden.txt"),
    ];
    e.artifact_contents.insert(
        "sales".into(),
        ArtifactContent {
            content: "region,revenue\n".into(),
            event_id: Some("evt-art".into()),
        },
    );
    e
}

#[test]
fn final_output_and_literal() {
    let e = rich();
    assert_eq!(value(&e, "final_output"), "final answer");
    assert_eq!(value(&e, "run.final_output"), "final answer");
    assert_eq!(value(&e, "literal:abc  "), "abc");
    assert_eq!(value(&e, "literal:"), "");
    let mut none = rich();
    none.final_output = None;
    assert!(is_unavailable(&none, "final_output"));
}

#[test]
fn case_payload_paths_and_stringification() {
    let e = rich();
    assert_eq!(value(&e, "case.payload.question.text"), "What is 2+2?");
    assert_eq!(value(&e, "case.payload.question"), "What is 2+2?");
    assert_eq!(value(&e, "case.payload.items.1.n"), "2.5");
    assert_eq!(value(&e, "case.payload.big"), "1.5e+06");
    assert_eq!(value(&e, "case.payload.flag"), "true");
    assert_eq!(value(&e, "case.payload.items"), r#"[{"n":1},{"n":2.5}]"#);
    assert!(value(&e, "case.payload").starts_with(r#"{"big":1500000,"flag":true"#));
    assert!(is_unavailable(&e, "case.payload.items.7"));
    assert!(is_unavailable(&e, "case.payload.nope"));
    // challenge_input is the loosely stringified payload.
    assert_eq!(value(&e, "challenge_input"), value(&e, "case.payload"));
    let mut simple = rich();
    simple.case.payload = json!({"text": "plain"})
        .as_object()
        .cloned()
        .expect("object");
    assert_eq!(value(&simple, "challenge_input"), "plain");
}

#[test]
fn case_inputs() {
    let e = rich();
    assert_eq!(value(&e, "case.inputs.ticket.body"), "hi");
    assert_eq!(value(&e, "case.inputs.ticket.tags"), "a");
    assert_eq!(value(&e, "case.inputs.data"), "/workspace/data/sales.csv");
    assert_eq!(value(&e, "case.inputs.hint"), "/workspace/hint.txt");
    assert!(is_unavailable(&e, "case.inputs.empty"));
    assert!(is_unavailable(&e, "case.inputs.unknown"));
    assert!(is_unavailable(&e, "case.inputs.ticket.missing"));
}

#[test]
fn case_expectations() {
    let e = rich();
    assert_eq!(value(&e, "case.expectations.total"), "3680.75");
    // The documented quirk: an object with a `value` member collapses to it.
    assert_eq!(value(&e, "case.expectations.check"), "urgent");
    assert_eq!(value(&e, "case.expectations.from_input.body"), "hi");
    assert_eq!(
        value(&e, "case.expectations.from_artifact"),
        "/workspace/golden.txt"
    );
    assert_eq!(
        value(&e, "case.expectations.by_key"),
        "/workspace/golden.txt"
    );
    assert!(is_unavailable(&e, "case.expectations.nothing"));
    assert!(is_unavailable(&e, "case.expectations.unknown"));
}

#[test]
fn artifacts_visible_to_the_case() {
    let e = rich();
    assert_eq!(value(&e, "artifact.own"), "/workspace/own.txt");
    assert_eq!(value(&e, "artifact.extra.path"), "/workspace/extra.bin");
    assert_eq!(value(&e, "artifact.sales.kind"), "csv");
    assert_eq!(value(&e, "artifact.golden.key"), "golden");
    assert_eq!(value(&e, "artifact.sales.content"), "region,revenue\n");
    assert!(is_unavailable(&e, "artifact.sales.media_type"));
    assert!(is_unavailable(&e, "artifact.golden.content"));
    assert!(
        is_unavailable(&e, "artifact.hidden"),
        "unreferenced version assets are not evidence"
    );
    assert!(is_unavailable(&e, "artifact.nope"));
}

#[test]
fn case_scoped_references_need_one_case_in_scope() {
    let mut e = rich();
    e.cases_in_scope = 3;
    for r in [
        "challenge_input",
        "case.payload",
        "case.inputs.ticket",
        "case.expectations.total",
        "artifact.own",
    ] {
        assert!(is_unavailable(&e, r), "{r}");
    }
    assert_eq!(value(&e, "final_output"), "final answer");
}

#[test]
fn files() {
    let e = with_missing_file(with_file(rich(), "out", b"content"), "gone");
    assert_eq!(value(&e, "file:out"), "content");
    assert_eq!(value(&e, "file: out "), "content");
    assert!(is_unavailable(&e, "file:gone"));
    assert!(is_unavailable(&e, "file:never"));
    assert!(matches!(
        resolve(&e, "file: "),
        Resolution::Unsupported { .. }
    ));
}

#[test]
fn transcripts_and_turns() {
    let mut e = rich();
    assert!(is_unavailable(&e, "transcript.full"));
    assert!(is_unavailable(&e, "turn.expectations"));
    e.turns = (0..3)
        .map(|i| TurnRecord {
            turn_index: i,
            phase_id: "p".into(),
            user: format!("u{i}"),
            assistant: format!("a{i}"),
            mismatch: i == 1,
            event_id: None,
        })
        .collect();
    assert_eq!(
        value(&e, "transcript.full"),
        "user[0]: u0\nassistant[0]: a0\nuser[1]: u1\nassistant[1]: a1\nuser[2]: u2\nassistant[2]: a2"
    );
    assert_eq!(
        value(&e, "transcript.last_n:1"),
        "user[2]: u2\nassistant[2]: a2"
    );
    assert_eq!(
        value(&e, "transcript.last_n:10"),
        value(&e, "transcript.full")
    );
    assert!(value(&e, "transcript.from_mismatch").starts_with("user[1]: u1"));
    assert_eq!(
        value(&e, "turn.expectations"),
        r#"[{"mismatch":false,"phase_id":"p","turn_index":0},{"mismatch":true,"phase_id":"p","turn_index":1},{"mismatch":false,"phase_id":"p","turn_index":2}]"#
    );
    e.turns.iter_mut().for_each(|t| t.mismatch = false);
    assert!(is_unavailable(&e, "transcript.from_mismatch"));
    assert!(matches!(
        resolve(&e, "transcript.last_n:0"),
        Resolution::Unsupported { .. }
    ));
}

#[test]
fn tool_calls_and_unknown_forms_are_unsupported_values() {
    let e = rich();
    for r in [
        "tool_calls",
        "case.inputs",
        "case.payload..x",
        "artifact.a.b.c",
        "bogus",
        "",
    ] {
        assert!(
            matches!(resolve(&e, r), Resolution::Unsupported { .. }),
            "{r}"
        );
    }
}
