//! Scores the shared conformance packs' evaluation specs with hand-built
//! evidence for a correct and a buggy agent, as the verifier would report
//! them (exit code and output of each test command).

mod common;

use std::path::Path;

use agentclash_packs::model::Pack;
use agentclash_scoring::{
    CaseScore, Evidence, ExternalScores, FailureClass, JudgeScore, RunOutcome, StopReason,
    VerdictState, aggregate_lane, rank_lanes, score_case,
};
use common::*;

fn load(name: &str) -> Option<Pack> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/packs")
        .join(name);
    let Ok(yaml) = std::fs::read_to_string(&path) else {
        println!("skipping: {} is absent", path.display());
        return None;
    };
    let report = agentclash_packs::validate(&yaml, &Default::default());
    Some(
        report
            .pack
            .unwrap_or_else(|| panic!("{name} must validate: {:?}", report.diagnostics)),
    )
}

fn judges(score: f64) -> ExternalScores {
    let mut e = ExternalScores::default();
    for k in ["code_quality", "explanation_clarity"] {
        e.judges
            .insert(k.into(), JudgeScore::available(score, "fixture"));
    }
    e
}

fn base(pack: &Pack, final_output: &str, solution: &str) -> Evidence {
    let case = pack.input_sets[0].cases[0].clone();
    let mut e = with_file(output(final_output), "solution", solution.as_bytes());
    e.challenge = pack
        .challenges
        .iter()
        .find(|c| c.key == case.challenge_key)
        .cloned();
    e.case = case;
    e.version_assets = pack.version.assets.clone();
    e.run.stop_reason = Some(StopReason::Submitted);
    e.run.completed = Some(true);
    e.run.duration_ms = Some(42_000);
    e.run.total_tokens = Some(9_000);
    e
}

fn failing(c: &CaseScore) -> Vec<&str> {
    c.verdicts
        .iter()
        .filter(|v| v.state != VerdictState::Pass)
        .map(|v| v.key.as_str())
        .collect()
}

const EXPR_OUTPUT: &str = r#"{"approach": "recursive-descent", "division_semantics": "truncate-toward-zero",
 "sample_evaluations": [{"expr": "2+3*4", "value": 14}, {"expr": "-7/2", "value": -3}, {"expr": "2--3", "value": 5}],
 "explanation": "A recursive-descent parser: expr handles + and -, term handles * and /, factor handles unary minus and parentheses, which encodes operator precedence. Division truncates toward zero by dividing magnitudes and fixing the sign."}"#;

#[test]
fn expr_eval_arena_correct_and_buggy_agents() {
    let Some(pack) = load("expr-eval-arena.yaml") else {
        return;
    };
    let spec = &pack.version.evaluation_spec;
    let assertion =
        "Traceback (most recent call last):\n  File \"<string>\", line 1\nAssertionError\n";
    let correct = ["tests_basic", "tests_unary", "tests_division"]
        .iter()
        .fold(
            base(
                &pack,
                EXPR_OUTPUT,
                "def evaluate(expr: str) -> int:\n    ...\n",
            ),
            |e, k| with_exec(e, k, Some(0), "OK\n", ""),
        );
    let mut buggy = with_exec(correct.clone(), "tests_division", Some(1), "", assertion);
    buggy.files = correct.files.clone();

    let good = score_case(spec, &correct, &judges(0.8));
    assert!(
        failing(&good).is_empty(),
        "correct agent failed {:?}",
        failing(&good)
    );
    assert_eq!(
        good.dimension("correctness").and_then(|d| d.score),
        Some(1.0)
    );
    assert!(good.gate_failures.is_empty());
    assert_eq!(good.passed, Some(true));

    let bad = score_case(spec, &buggy, &judges(0.8));
    assert_eq!(failing(&bad), ["tests_division"]);
    let div = bad
        .verdicts
        .iter()
        .find(|v| v.key == "tests_division")
        .expect("verdict");
    assert_eq!((div.state, div.score), (VerdictState::Fail, Some(0.0)));
    assert_eq!(div.event_id.as_deref(), Some("evt-exec-tests_division"));
    // The lenient gate (0.5) still passes with 3 of 4 correctness validators.
    assert_eq!(
        bad.dimension("correctness").and_then(|d| d.score),
        Some(0.75)
    );
    assert_eq!(bad.passed, Some(true));

    let lanes = [
        aggregate_lane("buggy", spec, &[bad]).expect("same spec"),
        aggregate_lane("correct", spec, &[good]).expect("same spec"),
    ];
    let ranking = rank_lanes(&lanes);
    assert_eq!(
        ranking.outcome,
        RunOutcome::Winner {
            lane_id: "correct".into()
        }
    );
    let why = ranking.why.expect("summary");
    // Correctness is gated, so the hybrid overall ties; correctness decides.
    assert_eq!(why.decided_by, "correctness", "{}", why.text);
}

const FIB_OUTPUT: &str = r#"{"approach": "iterative", "complexity": {"time": "O(n)", "space": "O(1)"},
 "sample_values": [{"n": 0, "fib": 0}, {"n": 1, "fib": 1}, {"n": 10, "fib": FIB10}],
 "explanation": "Walks two running Fibonacci values up to n, so each step is O(1) and the total is O(n); only two integers are held, so space is O(1)."}"#;

#[test]
fn fibonacci_showcase_correct_and_buggy_agents() {
    let Some(pack) = load("fibonacci-e2e-showcase.yaml") else {
        return;
    };
    let spec = &pack.version.evaluation_spec;
    let solution = "def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n";
    let correct = with_exec(
        base(&pack, &FIB_OUTPUT.replace("FIB10", "55"), solution),
        "tests_pass",
        Some(0),
        "OK\n",
        "",
    );
    let good = score_case(spec, &correct, &judges(1.0));
    assert!(
        failing(&good).is_empty(),
        "correct agent failed {:?}",
        failing(&good)
    );
    assert_eq!(good.passed, Some(true));
    let allowed = good
        .verdicts
        .iter()
        .find(|v| v.key == "approach_is_allowed")
        .expect("verdict");
    assert_eq!(allowed.event_id, None, "case evidence has no replay event");

    let buggy = with_exec(
        base(&pack, &FIB_OUTPUT.replace("FIB10", "34"), solution),
        "tests_pass",
        Some(1),
        "",
        "AssertionError\n",
    );
    let bad = score_case(spec, &buggy, &judges(1.0));
    assert_eq!(failing(&bad), ["final_output_fib_10_correct", "tests_pass"]);
    assert_eq!(bad.passed, Some(false));
    assert_eq!(bad.overall_score, Some(0.0));
    let f = bad.failure.as_ref().expect("diagnosed");
    assert_eq!(
        (f.class, f.agent_fault),
        (FailureClass::IncorrectOutput, true)
    );
    assert_eq!(bad.gate_failures[0].dimension, "correctness");
}
