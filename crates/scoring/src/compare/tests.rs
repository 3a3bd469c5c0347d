use std::collections::BTreeMap;

use agentclash_packs::model::DimensionSource;

use super::*;
use crate::lane::DimensionStat;
use crate::stats::Stat;
use crate::verdict::VerdictState;

/// (case key, passed, correctness score; `None` = infrastructure failure).
type Case = (&'static str, bool, Option<f64>);

fn lane(id: &str, cases: &[Case]) -> LaneScorecard {
    let summaries: Vec<CaseSummary> = cases
        .iter()
        .map(|(key, passed, score)| CaseSummary {
            case_key: (*key).to_owned(),
            passed: Some(*passed && score.is_some()),
            overall_score: *score,
            infrastructure: score.is_none(),
            failure: None,
            validators: [(
                "tests".to_owned(),
                if *passed {
                    VerdictState::Pass
                } else {
                    VerdictState::Fail
                },
            )]
            .into(),
            dimensions: [("correctness".to_owned(), *score)].into(),
        })
        .collect();
    let counted: Vec<&CaseSummary> = summaries.iter().filter(|c| !c.infrastructure).collect();
    let scores: Vec<f64> = counted.iter().filter_map(|c| c.overall_score).collect();
    let passed = counted.iter().filter(|c| c.passed == Some(true)).count();
    LaneScorecard {
        lane_id: id.to_owned(),
        cases: summaries.len(),
        counted_cases: counted.len(),
        passed_cases: passed,
        pass_rate: (!counted.is_empty()).then(|| passed as f64 / counted.len() as f64),
        overall: Stat::of(&scores),
        dimensions: vec![DimensionStat {
            key: "correctness".into(),
            source: DimensionSource::Validators,
            weight: 1.0,
            gate: true,
            stat: Stat::of(&scores),
            missing: 0,
        }],
        degraded: counted.len() < summaries.len(),
        degraded_reasons: Vec::new(),
        failure_counts: BTreeMap::new(),
        failures: Vec::new(),
        case_summaries: summaries,
    }
}

fn keys(cases: &[Case]) -> Vec<String> {
    cases.iter().map(|c| c.0.to_owned()).collect()
}

fn side<'a>(card: &'a LaneScorecard, keys: &'a [String], pack: &'a str) -> LaneSide<'a> {
    LaneSide {
        run_agent_id: &card.lane_id,
        pack_version_id: Some(pack),
        case_keys: keys,
        scorecard: Some(card),
    }
}

const GOOD: [Case; 3] = [
    ("sum", true, Some(1.0)),
    ("div", true, Some(1.0)),
    ("rem", true, Some(1.0)),
];
const BAD: [Case; 3] = [
    ("sum", true, Some(1.0)),
    ("div", false, Some(0.0)),
    ("rem", false, Some(0.0)),
];

fn policy() -> GatePolicy {
    GatePolicy {
        dimensions: [(
            "correctness".to_owned(),
            DeltaRule {
                warn_delta: Some(0.01),
                fail_delta: Some(0.1),
            },
        )]
        .into(),
        required_dimensions: vec!["correctness".into()],
        require_scorecard_pass: false,
    }
}

#[test]
fn a_lane_compared_with_itself_has_zero_deltas_and_passes_every_gate() {
    let card = lane("a", &GOOD);
    let k = keys(&GOOD);
    let c = compare_lanes(&side(&card, &k, "pv"), &side(&card, &k, "pv"));
    assert!(c.comparable, "{:?}", c.reasons);
    for d in std::iter::once(&c.overall).chain(&c.dimensions) {
        assert_eq!(d.delta, Some(0.0), "{}", d.key);
        assert_eq!(d.paired.mean_delta, Some(0.0));
        let [lo, hi] = d.paired.ci95.expect("cases");
        assert!(lo <= 0.0 && 0.0 <= hi);
        assert_eq!(d.paired.sign_test_p, 1.0);
    }
    assert!(c.regressions.is_empty() && c.improvements.is_empty());
    let mut strict = policy();
    strict.require_scorecard_pass = true;
    strict.dimensions.insert(
        "overall".into(),
        DeltaRule {
            warn_delta: Some(0.0),
            fail_delta: Some(0.0),
        },
    );
    assert_eq!(evaluate_gate(&strict, &c).verdict, GateVerdict::Pass);
}

#[test]
fn the_buggy_candidate_regresses_on_the_failing_cases_and_fails_the_gate() {
    let (good, bad) = (lane("good", &GOOD), lane("bad", &BAD));
    let k = keys(&GOOD);
    let c = compare_lanes(&side(&good, &k, "pv"), &side(&bad, &k, "pv"));
    assert!(c.comparable);
    let d = c.dimension("correctness").expect("dimension");
    assert!((d.delta.expect("delta") + 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((d.paired.regressed, d.paired.ties), (2, 1));
    assert!((c.pass_rate.delta.expect("delta") + 2.0 / 3.0).abs() < 1e-12);
    let flipped: Vec<&str> = c.regressions.iter().map(|f| f.case_key.as_str()).collect();
    assert_eq!(flipped, ["div", "rem"]);
    assert_eq!(c.regressions[0].deciding_validators, ["tests"]);
    assert!(c.improvements.is_empty());
    assert_eq!(c.cases[1].flip, Some(Flip::Regression));

    let gate = evaluate_gate(&policy(), &c);
    assert_eq!(gate.verdict, GateVerdict::Fail);
    let failing = gate
        .reasons
        .iter()
        .find(|r| r.verdict == GateVerdict::Fail)
        .expect("a failing rule");
    assert_eq!(failing.dimension.as_deref(), Some("correctness"));
    assert_eq!(failing.cases, ["div", "rem"]);
    assert!(
        failing.message.contains("fail_delta"),
        "{}",
        failing.message
    );

    // A pass-rate rule names the flipped cases; so does the overall one.
    let by_rate = GatePolicy {
        dimensions: [(
            "pass_rate".to_owned(),
            DeltaRule {
                warn_delta: None,
                fail_delta: Some(0.0),
            },
        )]
        .into(),
        required_dimensions: vec!["pass_rate".into(), "overall".into()],
        require_scorecard_pass: false,
    };
    let gate = evaluate_gate(&by_rate, &c);
    assert_eq!(gate.verdict, GateVerdict::Fail, "{:?}", gate.reasons);
    assert_eq!(
        gate.reasons.last().map(|r| r.cases.clone()),
        Some(vec!["div".to_owned(), "rem".to_owned()])
    );

    // Swapped, the same cases are improvements and the gate passes.
    let back = compare_lanes(&side(&bad, &k, "pv"), &side(&good, &k, "pv"));
    assert_eq!(back.improvements.len(), 2);
    assert_eq!(
        back.dimension("correctness").map(|d| d.paired.sign_test_p),
        Some(d.paired.sign_test_p)
    );
    assert_eq!(evaluate_gate(&policy(), &back).verdict, GateVerdict::Pass);
}

#[test]
fn small_drops_warn_and_scorecard_pass_fails_on_any_failed_case() {
    let slightly: [Case; 3] = [
        ("sum", true, Some(1.0)),
        ("div", true, Some(0.95)),
        ("rem", true, Some(1.0)),
    ];
    let (good, worse) = (lane("good", &GOOD), lane("worse", &slightly));
    let k = keys(&GOOD);
    let c = compare_lanes(&side(&good, &k, "pv"), &side(&worse, &k, "pv"));
    let gate = evaluate_gate(&policy(), &c);
    assert_eq!(gate.verdict, GateVerdict::Warn, "{:?}", gate.reasons);
    let warned = gate.reasons.iter().find(|r| r.verdict == GateVerdict::Warn);
    assert_eq!(
        warned.map(|r| r.cases.clone()),
        Some(vec!["div".to_owned()])
    );

    let bad = lane("bad", &BAD);
    let c = compare_lanes(&side(&bad, &k, "pv"), &side(&bad, &k, "pv"));
    let only_pass = GatePolicy {
        require_scorecard_pass: true,
        ..GatePolicy::default()
    };
    let gate = evaluate_gate(&only_pass, &c);
    assert_eq!(gate.verdict, GateVerdict::Fail);
    assert_eq!(gate.reasons.last().map(|r| r.cases.len()), Some(2));
}

#[test]
fn different_packs_cases_or_missing_scorecards_are_not_comparable_and_insufficient() {
    let good = lane("good", &GOOD);
    let k = keys(&GOOD);
    let fewer = vec!["sum".to_owned(), "extra".to_owned()];
    let c = compare_lanes(&side(&good, &k, "pv1"), &side(&good, &fewer, "pv2"));
    assert!(!c.comparable);
    let codes: Vec<ReasonCode> = c.reasons.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        [ReasonCode::PackVersionDiffers, ReasonCode::CasesDiffer]
    );
    assert!(
        c.reasons[1].message.contains("div, rem"),
        "{}",
        c.reasons[1].message
    );
    assert!(c.reasons[1].message.contains("extra"));
    let gate = evaluate_gate(&policy(), &c);
    assert_eq!(gate.verdict, GateVerdict::InsufficientEvidence);
    assert_eq!(gate.reasons.len(), 2);

    let unscored = LaneSide {
        scorecard: None,
        ..side(&good, &k, "pv1")
    };
    let c = compare_lanes(&side(&good, &k, "pv1"), &unscored);
    assert_eq!(c.reasons[0].code, ReasonCode::CandidateNotScored);
    assert!(c.cases.is_empty() && c.overall.delta.is_none());
}

#[test]
fn infrastructure_failures_are_excluded_and_without_shared_cases_evidence_is_insufficient() {
    let flaky: [Case; 3] = [
        ("sum", true, Some(1.0)),
        ("div", false, None),
        ("rem", true, Some(1.0)),
    ];
    let (good, flaky) = (lane("good", &GOOD), lane("flaky", &flaky));
    let k = keys(&GOOD);
    let c = compare_lanes(&side(&good, &k, "pv"), &side(&flaky, &k, "pv"));
    assert!(c.cases[1].excluded && c.cases[1].flip.is_none());
    assert_eq!(c.overall.paired.n, 2);
    assert!(c.regressions.is_empty());
    let mut p = policy();
    p.require_scorecard_pass = true;
    assert_eq!(evaluate_gate(&p, &c).verdict, GateVerdict::Pass);

    let down: [Case; 3] = [
        ("sum", false, None),
        ("div", false, None),
        ("rem", false, None),
    ];
    let down = lane("down", &down);
    let c = compare_lanes(&side(&good, &k, "pv"), &side(&down, &k, "pv"));
    let gate = evaluate_gate(&policy(), &c);
    assert_eq!(
        gate.verdict,
        GateVerdict::InsufficientEvidence,
        "{:?}",
        gate.reasons
    );
    let mut unknown = GatePolicy::default();
    unknown.dimensions.insert(
        "speed".into(),
        DeltaRule {
            warn_delta: Some(0.1),
            fail_delta: None,
        },
    );
    let c = compare_lanes(&side(&good, &k, "pv"), &side(&good, &k, "pv"));
    let gate = evaluate_gate(&unknown, &c);
    assert_eq!(gate.verdict, GateVerdict::InsufficientEvidence);
    assert!(gate.reasons.iter().any(|r| r.message.contains("speed")));
}

#[test]
fn policies_are_validated_with_the_field_path() {
    assert_eq!(policy().validate(), Ok(()));
    let mut p = policy();
    p.dimensions.insert(
        "correctness".into(),
        DeltaRule {
            warn_delta: Some(0.5),
            fail_delta: Some(0.1),
        },
    );
    assert_eq!(
        p.validate().map_err(|e| e.field),
        Err("dimensions.correctness.warn_delta".to_owned())
    );
    p.dimensions.insert(
        "correctness".into(),
        DeltaRule {
            warn_delta: None,
            fail_delta: Some(1.5),
        },
    );
    let e = p.validate().expect_err("out of range");
    assert_eq!(e.field, "dimensions.correctness.fail_delta");
    assert!(e.to_string().contains("between 0 and 1"));
    p.dimensions
        .insert("correctness".into(), DeltaRule::default());
    assert_eq!(
        p.validate().map_err(|e| e.field),
        Err("dimensions.correctness".to_owned())
    );
    let parsed: Result<GatePolicy, _> =
        serde_json::from_str(r#"{"dimensions": {"c": {"fail_delta": 0.1, "fial": 1}}}"#);
    assert!(parsed.is_err_and(|e| e.to_string().contains("fial")));
}

#[test]
fn the_verdict_precedence_is_fail_then_insufficient_then_warn() {
    use GateVerdict::*;
    assert!(Fail > InsufficientEvidence && InsufficientEvidence > Warn && Warn > Pass);
    assert_eq!(InsufficientEvidence.as_str(), "insufficient_evidence");
    assert_eq!(
        serde_json::to_value(InsufficientEvidence).ok(),
        Some("insufficient_evidence".into())
    );
}
