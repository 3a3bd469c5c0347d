//! Shared builders for the scoring tests.
#![allow(dead_code)]

use agentclash_packs::model::{
    Case, Dimension, DimensionNormalization, DimensionSource, Direction, EvaluationSpec,
    Expectation, JudgeMode, Scorecard, Strategy, Validator, ValidatorType,
};
use agentclash_scoring::{
    Capture, CapturedFile, CodeExecution, Evidence, ListingEntry, Verdict, VerdictState,
    run_validator,
};
use serde_json::Value;

/// A validator of `kind` with an optional expected reference and config.
pub fn validator(
    kind: &str,
    target: &str,
    expected: Option<&str>,
    config: Option<Value>,
) -> Validator {
    Validator {
        key: format!("v_{kind}"),
        kind: ValidatorType::parse(kind).expect("known validator type"),
        target: target.into(),
        expected_from: expected.map(str::to_string),
        config: config.map(|c| match c {
            Value::Object(m) => m,
            other => panic!("config must be an object, got {other}"),
        }),
    }
}

/// Evidence with only a final output.
pub fn output(s: &str) -> Evidence {
    Evidence {
        final_output: Some(s.into()),
        final_output_event_id: Some("evt-final".into()),
        case: Case {
            challenge_key: "c".into(),
            case_key: "case-1".into(),
            ..Case::default()
        },
        ..Evidence::default()
    }
}

/// Adds an expectation with an inline value.
pub fn with_expectation(mut e: Evidence, key: &str, value: Value) -> Evidence {
    e.case.expectations.push(Expectation {
        key: key.into(),
        kind: "text".into(),
        value: Some(value),
        ..Expectation::default()
    });
    e
}

/// Adds a captured file.
pub fn with_file(mut e: Evidence, key: &str, content: &[u8]) -> Evidence {
    e.files.insert(
        key.into(),
        CapturedFile {
            capture: Capture::File {
                path: format!("/workspace/{key}"),
                content: content.to_vec(),
                size: content.len() as u64,
                truncated: false,
            },
            event_id: Some(format!("evt-file-{key}")),
        },
    );
    e
}

/// Adds a capture of a file that did not exist.
pub fn with_missing_file(mut e: Evidence, key: &str) -> Evidence {
    e.files.insert(
        key.into(),
        CapturedFile {
            capture: Capture::Missing {
                path: format!("/workspace/{key}"),
            },
            event_id: Some(format!("evt-file-{key}")),
        },
    );
    e
}

/// Adds a directory listing.
pub fn with_listing(mut e: Evidence, key: &str, dir: &str, entries: &[&str]) -> Evidence {
    e.files.insert(
        key.into(),
        CapturedFile {
            capture: Capture::Listing {
                path: dir.into(),
                entries: entries
                    .iter()
                    .map(|p| ListingEntry {
                        path: (*p).into(),
                        size: 1,
                    })
                    .collect(),
            },
            event_id: Some("evt-listing".into()),
        },
    );
    e
}

/// Adds a code-execution result for validator `key`.
pub fn with_exec(
    mut e: Evidence,
    key: &str,
    exit: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> Evidence {
    e.code_executions.insert(
        key.into(),
        CodeExecution {
            exit_code: exit,
            stdout: stdout.into(),
            stderr: stderr.into(),
            duration_ms: 12,
            event_id: Some(format!("evt-exec-{key}")),
            ..CodeExecution::default()
        },
    );
    e
}

/// Runs a validator and returns its verdict.
pub fn run(v: &Validator, e: &Evidence) -> Verdict {
    run_validator(v, e)
}

/// Asserts a verdict's state (with the reason in the failure message).
pub fn assert_state(v: &Verdict, state: VerdictState) {
    assert_eq!(v.state, state, "verdict {} reason: {}", v.key, v.reason);
    match state {
        VerdictState::Pass | VerdictState::Fail => {
            let s = v.score.expect("available verdicts carry a score");
            assert!((0.0..=1.0).contains(&s), "score {s} out of range");
        }
        _ => assert_eq!(v.score, None),
    }
}

/// A validators dimension.
pub fn dim_validators(
    key: &str,
    validators: &[&str],
    weight: f64,
    gate: bool,
    threshold: Option<f64>,
) -> Dimension {
    Dimension {
        key: key.into(),
        source: DimensionSource::Validators,
        validators: validators.iter().map(|s| (*s).into()).collect(),
        metric: None,
        better_direction: Some(Direction::Higher),
        normalization: None,
        weight,
        judge_key: None,
        gate,
        pass_threshold: threshold,
    }
}

/// A dimension of any source with normalisation.
pub fn dim(key: &str, source: DimensionSource, weight: f64, norm: Option<(f64, f64)>) -> Dimension {
    Dimension {
        key: key.into(),
        source,
        validators: Vec::new(),
        metric: None,
        better_direction: None,
        normalization: norm.map(|(t, m)| DimensionNormalization {
            target: Some(t),
            max: Some(m),
        }),
        weight,
        judge_key: None,
        gate: false,
        pass_threshold: None,
    }
}

/// A deterministic spec from validators and dimensions.
pub fn spec(
    validators: Vec<Validator>,
    dimensions: Vec<Dimension>,
    strategy: Strategy,
    pass: Option<f64>,
) -> EvaluationSpec {
    EvaluationSpec {
        name: "test".into(),
        version_number: 1,
        judge_mode: JudgeMode::Deterministic,
        validators,
        scorecard: Scorecard {
            dimensions,
            strategy,
            pass_threshold: pass,
            ..Scorecard::default()
        },
        ..EvaluationSpec::default()
    }
}
