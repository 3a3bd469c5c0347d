//! Lane aggregation (CI math, infrastructure exclusion), ranking (ties,
//! tie-breaks, why-summary) and the failure taxonomy.

mod common;

use agentclash_packs::model::{EvaluationSpec, Strategy};
use agentclash_scoring::{
    CaseScore, Evidence, ExternalScores, FailureClass, RunOutcome, ScoringError, StopReason,
    ToolCallRecord, ToolErrorKind, aggregate_lane, rank_lanes, score_case, t_critical_95,
};
use common::*;
use serde_json::json;

/// Two validators: `answer` (correctness, gated) and `style` (non-gated).
fn lane_spec() -> EvaluationSpec {
    let mut answer = validator(
        "exact_match",
        "final_output",
        Some("case.expectations.answer"),
        None,
    );
    answer.key = "answer".into();
    let mut style = validator("contains", "final_output", Some("literal:!"), None);
    style.key = "style".into();
    spec(
        vec![answer, style],
        vec![
            dim_validators("correctness", &["answer"], 2.0, true, Some(1.0)),
            dim_validators("style", &["style"], 1.0, false, None),
        ],
        Strategy::Weighted,
        None,
    )
}

fn case(key: &str, out: Option<&str>, stop: StopReason) -> Evidence {
    let mut e = with_expectation(output(out.unwrap_or("")), "answer", json!("42!"));
    e.final_output = out.map(str::to_string);
    e.case.case_key = key.into();
    e.run.stop_reason = Some(stop);
    e.run.completed = Some(stop == StopReason::Submitted);
    e
}

fn scores(spec: &EvaluationSpec, answers: &[(&str, Option<&str>, StopReason)]) -> Vec<CaseScore> {
    answers
        .iter()
        .map(|(k, a, s)| score_case(spec, &case(k, *a, *s), &ExternalScores::default()))
        .collect()
}

#[test]
fn lane_means_confidence_intervals_and_infrastructure() {
    let s = lane_spec();
    let cases = scores(
        &s,
        &[
            ("c1", Some("42!"), StopReason::Submitted),
            ("c2", Some("41!"), StopReason::Submitted),
            ("c3", Some("42!"), StopReason::Submitted),
            ("c4", Some("42"), StopReason::Submitted),
            ("c5", None, StopReason::ProviderError),
        ],
    );
    let lane = aggregate_lane("lane-a", &s, &cases).expect("same spec");
    assert_eq!(
        (lane.cases, lane.counted_cases, lane.passed_cases),
        (5, 4, 2)
    );
    assert_eq!(lane.pass_rate, Some(0.5));
    assert!(lane.degraded);
    assert!(lane.degraded_reasons[0].contains("c5"));
    assert_eq!(
        lane.failure_counts.get(&FailureClass::ProviderError),
        Some(&1)
    );
    assert_eq!(
        lane.failure_counts.get(&FailureClass::IncorrectOutput),
        Some(&2)
    );
    // Correctness per counted case: 1, 0, 1, 0 ⇒ mean 0.5, sd = sqrt(1/3).
    let corr = lane.dimension("correctness").expect("dimension");
    assert_eq!(corr.stat.n, 4);
    assert_eq!(corr.stat.mean, Some(0.5));
    let sd = (1.0f64 / 3.0).sqrt();
    let half = t_critical_95(3) * sd / 2.0;
    let [lo, hi] = corr.stat.ci95.expect("n ≥ 2");
    assert!(
        (lo - (0.5 - half).max(0.0)).abs() < 1e-12 && (hi - (0.5 + half).min(1.0)).abs() < 1e-12
    );
    // Overall per case (weights 2 and 1): 1, (0 + 1)/3, 1, 0.
    let expected = (1.0 + 1.0 / 3.0 + 1.0 + 0.0) / 4.0;
    assert!((lane.overall.mean.expect("mean") - expected).abs() < 1e-12);
    let one = aggregate_lane("solo", &s, &cases[..1]).expect("same spec");
    assert_eq!(one.dimension("correctness").and_then(|d| d.stat.ci95), None);
    let js = serde_json::to_value(&lane).expect("serialises");
    assert_eq!(js["failure_counts"]["provider_error"], 1);
}

#[test]
fn aggregation_rejects_cases_of_another_spec() {
    let s = lane_spec();
    let mut other = lane_spec();
    other.scorecard.dimensions[1].key = "renamed".into();
    let cases = scores(&other, &[("c1", Some("42!"), StopReason::Submitted)]);
    let err = aggregate_lane("x", &s, &cases).expect_err("mismatch");
    assert!(matches!(err, ScoringError::SpecMismatch { .. }));
}

fn lane(id: &str, answers: &[(&str, Option<&str>)]) -> agentclash_scoring::LaneScorecard {
    let s = lane_spec();
    let full: Vec<(&str, Option<&str>, StopReason)> = answers
        .iter()
        .map(|(k, a)| (*k, *a, StopReason::Submitted))
        .collect();
    aggregate_lane(id, &s, &scores(&s, &full)).expect("same spec")
}

#[test]
fn ranking_winner_and_why_summary() {
    let a = lane(
        "alpha",
        &[("c1", Some("42!")), ("c2", Some("42!")), ("c3", Some("x!"))],
    );
    let b = lane(
        "beta",
        &[("c1", Some("42!")), ("c2", Some("41")), ("c3", Some("42!"))],
    );
    let r = rank_lanes(&[b.clone(), a.clone()]);
    assert_eq!(
        r.outcome,
        RunOutcome::Winner {
            lane_id: "alpha".into()
        }
    );
    assert_eq!(r.entries[0].rank, 1);
    assert_eq!(r.entries[1].rank, 2);
    let why = r.why.expect("summary");
    assert_eq!(why.decided_by, "overall");
    let to_winner: Vec<&str> = why
        .flips_to_winner
        .iter()
        .map(|f| f.case_key.as_str())
        .collect();
    assert_eq!(to_winner, ["c2"]);
    let to_runner: Vec<&str> = why
        .flips_to_runner_up
        .iter()
        .map(|f| f.case_key.as_str())
        .collect();
    assert_eq!(to_runner, ["c3"]);
    assert_eq!(
        why.flips_to_winner[0].deciding_validators,
        ["answer", "style"]
    );
    assert_eq!(why.deciding_validators[0].key, "answer");
    assert_eq!(
        (
            why.deciding_validators[0].for_winner,
            why.deciding_validators[0].for_runner_up
        ),
        (1, 1)
    );
    let corr = why
        .dimension_deltas
        .iter()
        .find(|d| d.key == "correctness")
        .expect("delta");
    assert_eq!(corr.delta, Some(0.0));
    assert!(
        why.text.starts_with("alpha wins with overall"),
        "{}",
        why.text
    );
    assert!(
        why.text
            .contains("alpha passed 1 case(s) that beta failed (c2)"),
        "{}",
        why.text
    );
    assert!(
        why.text.contains("Deciding validators: answer"),
        "{}",
        why.text
    );
    // Deterministic: same input, same text; order of lanes does not matter.
    let again = rank_lanes(&[a, b]).why.expect("summary");
    assert_eq!(again.text, why.text);
}

#[test]
fn ties_are_broken_by_correctness_then_reported() {
    // Same overall (1/3 each): alpha [1, 0, 0] with correctness 1/3, beta
    // [1/3, 1/3, 1/3] from style only.
    let a = lane(
        "alpha",
        &[("c1", Some("42!")), ("c2", Some("x")), ("c3", Some("x"))],
    );
    let b = lane(
        "beta",
        &[
            ("c1", Some("41!")),
            ("c2", Some("41!")),
            ("c3", Some("41!")),
        ],
    );
    assert!((a.overall.mean.expect("mean") - b.overall.mean.expect("mean")).abs() < 1e-9);
    let r = rank_lanes(&[b.clone(), a.clone()]);
    assert_eq!(
        r.outcome,
        RunOutcome::Winner {
            lane_id: "alpha".into()
        }
    );
    let why = r.why.expect("summary");
    assert_eq!(why.decided_by, "correctness");
    assert!(why.text.contains("wins on correctness"), "{}", why.text);
    // Identical lanes tie and share rank 1.
    let c = lane(
        "gamma",
        &[("c1", Some("42!")), ("c2", Some("x")), ("c3", Some("x"))],
    );
    let r = rank_lanes(&[a, c, b]);
    assert_eq!(
        r.outcome,
        RunOutcome::Tie {
            lane_ids: vec!["alpha".into(), "gamma".into()]
        }
    );
    assert_eq!(
        r.entries.iter().map(|e| e.rank).collect::<Vec<_>>(),
        [1, 1, 3]
    );
    let why = r.why.expect("summary");
    assert_eq!(why.decided_by, "tie");
    assert!(why.text.contains("tie"), "{}", why.text);
    assert_eq!(rank_lanes(&[]).outcome, RunOutcome::NoLanes);
    let solo = rank_lanes(&[lane("solo", &[("c1", Some("42!"))])]);
    assert!(solo.why.expect("summary").text.contains("only lane"));
}

fn diagnose(e: Evidence) -> (FailureClass, bool) {
    let c = score_case(&lane_spec(), &e, &ExternalScores::default());
    assert_ne!(c.passed, Some(true));
    let f = c.failure.expect("failed cases are diagnosed");
    (f.class, f.agent_fault)
}

#[test]
fn failure_taxonomy() {
    use FailureClass as F;
    assert_eq!(
        diagnose(case("c", Some("41"), StopReason::Submitted)),
        (F::IncorrectOutput, true)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::ProviderError)),
        (F::ProviderError, false)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::Infrastructure)),
        (F::SandboxError, false)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::Error)),
        (F::SandboxError, false)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::Cancelled)),
        (F::InsufficientEvidence, false)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::StepLimit)),
        (F::TimeoutOrBudget, true)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::Budget)),
        (F::TimeoutOrBudget, true)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::Timeout)),
        (F::TimeoutOrBudget, true)
    );
    assert_eq!(
        diagnose(case("c", None, StopReason::NoSubmit)),
        (F::NoSubmit, true)
    );
    let mut denied = case("c", Some("41"), StopReason::Submitted);
    denied.tool_calls.push(ToolCallRecord {
        name: "exec".into(),
        is_error: true,
        error_kind: Some(ToolErrorKind::PolicyDenied),
        ..ToolCallRecord::default()
    });
    assert_eq!(diagnose(denied), (F::PolicyViolation, true));
    let mut blank = case("c", None, StopReason::Submitted);
    blank.run.stop_reason = None;
    blank.run.completed = None;
    assert_eq!(diagnose(blank), (F::InsufficientEvidence, false));

    // Malformed output and tool problems need validators that see them.
    let mut schema = validator(
        "json_schema",
        "final_output",
        Some(r#"literal:{"type":"object"}"#),
        None,
    );
    schema.key = "shape".into();
    let mut tools = validator(
        "tool_call_assertion",
        "tool_calls",
        None,
        Some(json!({"tool_name": "read_file", "arguments_contain": {"path": "/a"}})),
    );
    tools.key = "read".into();
    let s = spec(
        vec![schema, tools],
        vec![dim_validators("correctness", &[], 1.0, true, Some(1.0))],
        Strategy::Hybrid,
        None,
    );
    let run_case = |out: &str, calls: Vec<ToolCallRecord>| {
        let mut e = output(out);
        e.run.stop_reason = Some(StopReason::Submitted);
        e.tool_calls = calls;
        let f = score_case(&s, &e, &ExternalScores::default())
            .failure
            .expect("failed");
        f.class
    };
    let read = |path: &str| ToolCallRecord {
        name: "read_file".into(),
        arguments: json!({"path": path}),
        ..ToolCallRecord::default()
    };
    assert_eq!(run_case("not json", vec![read("/a")]), F::MalformedOutput);
    assert_eq!(run_case("{}", vec![read("/b")]), F::ToolArguments);
    assert_eq!(run_case("{}", vec![]), F::ToolSelection);
    // Verifier launch failure is infrastructure.
    let mut ce = validator(
        "code_execution",
        "file:solution",
        None,
        Some(json!({"test_command": "pytest"})),
    );
    ce.key = "tests".into();
    let s2 = spec(
        vec![ce],
        vec![dim_validators("correctness", &[], 1.0, true, Some(1.0))],
        Strategy::Hybrid,
        None,
    );
    let mut e = with_exec(output("done"), "tests", None, "", "");
    e.run.stop_reason = Some(StopReason::Submitted);
    if let Some(x) = e.code_executions.get_mut("tests") {
        x.launch_error = Some("bwrap failed".into());
    }
    let f = score_case(&s2, &e, &ExternalScores::default())
        .failure
        .expect("failed");
    assert_eq!((f.class, f.agent_fault), (F::SandboxError, false));
}
