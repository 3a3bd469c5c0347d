//! Dimensions (every source, normalisation, legacy forms) and strategies
//! (weighted, binary, hybrid; gates and thresholds).

mod common;

use agentclash_packs::model::{
    Behavioral, Collector, CostBounds, DimensionSource as Src, Direction, LatencyBounds,
    LegacyNormalization, Metric, MetricType, PricingModel, Signal, SignalKey, Strategy,
};
use agentclash_scoring::{
    DimensionScore, ExternalScores, GateFailureReason, JudgeScore, ModelUsage, ScoreState,
    StopReason, ToolCallRecord, ToolErrorKind, Validity, aggregate_dimensions, score_case,
};
use common::*;
use serde_json::json;

fn metric(key: &str, collector: Collector) -> Metric {
    Metric {
        key: key.into(),
        kind: MetricType::Numeric,
        collector,
        unit: None,
    }
}

fn ds(
    key: &str,
    score: Option<f64>,
    weight: f64,
    gate: bool,
    threshold: Option<f64>,
) -> DimensionScore {
    DimensionScore {
        key: key.into(),
        source: Src::Validators,
        state: if score.is_some() {
            ScoreState::Available
        } else {
            ScoreState::Unavailable
        },
        score,
        raw_value: None,
        weight,
        gate,
        pass_threshold: threshold,
        validators: Vec::new(),
        reason: String::new(),
    }
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("score present");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn weighted_mean_normalises_by_the_weight_sum() {
    // Weights need not sum to 1: Σ wᵢsᵢ / Σ wᵢ.
    let dims = [
        ds("a", Some(1.0), 2.0, false, None),
        ds("b", Some(0.0), 1.0, false, None),
    ];
    let (score, passed, gates) = aggregate_dimensions(Strategy::Weighted, None, &dims);
    close(score, 2.0 / 3.0);
    assert_eq!((passed, gates.len()), (Some(true), 0));
    let (_, passed, _) = aggregate_dimensions(Strategy::Weighted, Some(0.7), &dims);
    assert_eq!(passed, Some(false));
    // All weights zero ⇒ plain mean.
    let zero = [
        ds("a", Some(1.0), 0.0, false, None),
        ds("b", Some(0.5), 0.0, false, None),
    ];
    close(
        aggregate_dimensions(Strategy::Weighted, None, &zero).0,
        0.75,
    );
    // Unavailable dimensions do not participate.
    let partial = [
        ds("a", Some(0.4), 1.0, false, None),
        ds("b", None, 5.0, false, None),
    ];
    close(
        aggregate_dimensions(Strategy::Weighted, None, &partial).0,
        0.4,
    );
}

#[test]
fn weighted_with_gates_and_nothing_available() {
    let dims = [
        ds("gate", Some(0.4), 1.0, true, Some(0.5)),
        ds("b", Some(1.0), 1.0, false, None),
    ];
    let (score, passed, gates) = aggregate_dimensions(Strategy::Weighted, None, &dims);
    close(score, 0.7);
    assert_eq!(passed, Some(false));
    assert_eq!(
        gates[0].reason,
        GateFailureReason::BelowThreshold {
            score: 0.4,
            threshold: 0.5
        }
    );
    // Threshold is inclusive.
    let at = [ds("gate", Some(0.5), 1.0, true, Some(0.5))];
    assert_eq!(
        aggregate_dimensions(Strategy::Weighted, None, &at).1,
        Some(true)
    );
    let none = [ds("a", None, 1.0, false, None)];
    assert_eq!(
        aggregate_dimensions(Strategy::Weighted, None, &none),
        (None, None, vec![])
    );
    let gated_none = [ds("a", None, 1.0, true, Some(0.5))];
    let (s, p, g) = aggregate_dimensions(Strategy::Weighted, None, &gated_none);
    assert_eq!((s, p), (None, Some(false)));
    assert_eq!(g[0].reason, GateFailureReason::Unavailable);
}

#[test]
fn hybrid_strategy() {
    let dims = [
        ds("gate", Some(0.75), 0.6, true, Some(0.5)),
        ds("b", Some(1.0), 1.0, false, None),
        ds("c", Some(0.0), 3.0, false, None),
    ];
    let (score, passed, _) = aggregate_dimensions(Strategy::Hybrid, Some(0.5), &dims);
    close(score, 0.25);
    assert_eq!(passed, Some(false));
    let failing = [
        ds("gate", Some(0.25), 1.0, true, Some(0.5)),
        ds("b", Some(1.0), 1.0, false, None),
    ];
    let (score, passed, gates) = aggregate_dimensions(Strategy::Hybrid, None, &failing);
    close(score, 0.0);
    assert_eq!((passed, gates.len()), (Some(false), 1));
    let only_gates = [ds("gate", Some(1.0), 1.0, true, Some(1.0))];
    close(
        aggregate_dimensions(Strategy::Hybrid, None, &only_gates).0,
        1.0,
    );
    let unavailable_gate = [
        ds("gate", None, 1.0, true, Some(0.5)),
        ds("b", Some(1.0), 1.0, false, None),
    ];
    let (score, passed, _) = aggregate_dimensions(Strategy::Hybrid, None, &unavailable_gate);
    close(score, 0.0);
    assert_eq!(passed, Some(false));
}

#[test]
fn binary_strategy() {
    let ok = [
        ds("a", Some(0.9), 1.0, false, Some(0.8)),
        ds("b", Some(1.0), 1.0, false, Some(1.0)),
    ];
    let (score, passed, _) = aggregate_dimensions(Strategy::Binary, None, &ok);
    close(score, 1.0);
    assert_eq!(passed, Some(true));
    let below = [
        ds("a", Some(0.7), 1.0, false, Some(0.8)),
        ds("b", Some(1.0), 1.0, false, Some(1.0)),
    ];
    let (score, passed, gates) = aggregate_dimensions(Strategy::Binary, None, &below);
    close(score, 0.0);
    assert_eq!((passed, gates[0].dimension.as_str()), (Some(false), "a"));
    let missing = [ds("a", None, 1.0, false, Some(0.1))];
    assert_eq!(
        aggregate_dimensions(Strategy::Binary, None, &missing).1,
        Some(false)
    );
}

fn sources_spec() -> agentclash_packs::model::EvaluationSpec {
    let v = validator("contains", "final_output", Some("literal:ok"), None);
    let mut latency = dim("latency", Src::Latency, 1.0, Some((1000.0, 3000.0)));
    latency.better_direction = Some(Direction::Lower);
    let mut legacy_latency = dim("legacy_latency", Src::Latency, 1.0, None);
    legacy_latency.better_direction = Some(Direction::Lower);
    let mut cost = dim("cost", Src::Cost, 1.0, Some((0.01, 0.05)));
    cost.better_direction = Some(Direction::Lower);
    let mut tokens = dim("brevity", Src::Metric, 1.0, Some((100.0, 500.0)));
    tokens.metric = Some("out".into());
    tokens.better_direction = Some(Direction::Lower);
    let mut tools = dim("tool_use", Src::Metric, 1.0, Some((4.0, 0.0)));
    tools.metric = Some("calls".into());
    tools.better_direction = Some(Direction::Higher);
    let mut judge = dim("quality", Src::LlmJudge, 1.0, None);
    judge.judge_key = Some("j".into());
    let mut s = spec(
        vec![v],
        vec![
            dim_validators("correctness", &[], 1.0, true, Some(1.0)),
            dim("reliability", Src::Reliability, 1.0, None),
            latency,
            legacy_latency,
            cost,
            tokens,
            tools,
            dim("behavioral", Src::Behavioral, 1.0, None),
            judge,
            dim("human", Src::HumanPreference, 1.0, None),
        ],
        Strategy::Weighted,
        None,
    );
    s.metrics = vec![
        metric("done", Collector::RunCompletedSuccessfully),
        metric("fails", Collector::RunFailureCount),
        metric("out", Collector::RunOutputTokens),
        metric("calls", Collector::RunToolCallCount),
    ];
    s.scorecard.normalization = Some(LegacyNormalization {
        latency: Some(LatencyBounds {
            target_ms: Some(0.0),
            max_ms: None,
        }),
        cost: Some(CostBounds {
            target_usd: Some(0.0),
            max_usd: Some(1.0),
        }),
    });
    s.runtime_limits.max_duration_ms = Some(4000);
    s.pricing.models = vec![PricingModel {
        provider_key: "openai".into(),
        provider_model_id: "gpt-4o".into(),
        input_cost_per_million_tokens: 10_000.0,
        output_cost_per_million_tokens: 20_000.0,
    }];
    s.behavioral = Some(Behavioral {
        signals: vec![
            Signal {
                key: SignalKey::ExplorationEfficiency,
                weight: 1.0,
                gate: false,
                pass_threshold: None,
            },
            Signal {
                key: SignalKey::ScopeAdherence,
                weight: 3.0,
                gate: false,
                pass_threshold: None,
            },
        ],
    });
    s
}

fn sources_evidence() -> agentclash_scoring::Evidence {
    let mut e = output("ok");
    e.run.stop_reason = Some(StopReason::Submitted);
    e.run.completed = Some(true);
    e.run.duration_ms = Some(2000);
    e.run.output_tokens = Some(200);
    e.run.model_usage = vec![ModelUsage {
        provider_key: "openai".into(),
        model_id: "gpt-4o-2024-08-06".into(),
        input_tokens: 1,
        output_tokens: 1,
    }];
    let call = |name: &str| ToolCallRecord {
        name: name.into(),
        arguments: json!({}),
        ..ToolCallRecord::default()
    };
    e.tool_calls = vec![call("read_file"), call("read_file"), call("submit")];
    e
}

#[test]
fn every_dimension_source() {
    let s = sources_spec();
    let mut ext = ExternalScores::default();
    ext.judges
        .insert("j".into(), JudgeScore::available(0.8, "3 samples"));
    ext.human_preference.insert("human".into(), 0.25);
    let c = score_case(&s, &sources_evidence(), &ext);
    let d = |k: &str| {
        c.dimension(k)
            .unwrap_or_else(|| panic!("dimension {k}"))
            .clone()
    };
    close(d("correctness").score, 1.0);
    close(d("reliability").score, 1.0);
    close(d("latency").score, 0.5);
    assert_eq!(d("latency").raw_value, Some(2000.0));
    // Legacy block: target 0 ms, max from runtime_limits.max_duration_ms = 4000.
    close(d("legacy_latency").score, 0.5);
    // Cost: (1 · 10000 + 1 · 20000) / 1e6 = 0.03 USD via the undated model id.
    close(d("cost").score, 0.5);
    close(d("brevity").score, 0.75);
    close(d("tool_use").score, 0.75);
    // Exploration 1 − 1/3, scope 1, weights 1 and 3.
    close(d("behavioral").score, ((2.0 / 3.0) + 3.0) / 4.0);
    close(d("quality").score, 0.8);
    close(d("human").score, 0.25);
    assert_eq!(c.validity, Validity::Valid);
    assert_eq!(c.passed, Some(true));
}

#[test]
fn dimension_sources_degrade_honestly() {
    let mut s = sources_spec();
    let mut e = sources_evidence();
    e.run.duration_ms = None;
    e.run.model_usage.clear();
    e.tool_calls[0].is_error = true;
    e.tool_calls[0].error_kind = Some(ToolErrorKind::PolicyDenied);
    s.scorecard.normalization = None;
    let c = score_case(&s, &e, &ExternalScores::default());
    let state = |k: &str| c.dimension(k).map(|d| d.state);
    assert_eq!(state("latency"), Some(ScoreState::Unavailable));
    assert_eq!(state("legacy_latency"), Some(ScoreState::Unavailable));
    assert_eq!(state("cost"), Some(ScoreState::Unavailable));
    assert_eq!(state("quality"), Some(ScoreState::Unavailable));
    assert_eq!(state("human"), Some(ScoreState::Unavailable));
    // A failed tool call ⇒ reliability 0.
    close(c.dimension("reliability").and_then(|d| d.score), 0.0);
    // Scope adherence 2/3 now.
    let beh = c.dimension("behavioral").and_then(|d| d.score);
    close(beh, ((2.0 / 3.0) + 3.0 * (2.0 / 3.0)) / 4.0);
    assert_eq!(c.validity, Validity::Degraded);
    // Without the legacy block and with latency evidence, the legacy-form
    // dimension has no bounds: error, and the evaluation is invalid.
    let mut e2 = sources_evidence();
    e2.run.duration_ms = Some(10);
    let c2 = score_case(&s, &e2, &ExternalScores::default());
    assert_eq!(
        c2.dimension("legacy_latency").map(|d| d.state),
        Some(ScoreState::Error)
    );
    assert_eq!(c2.validity, Validity::Invalid);
}

#[test]
fn reliability_ignores_infrastructure_and_needs_both_metrics() {
    let s = sources_spec();
    let mut e = sources_evidence();
    e.run.stop_reason = Some(StopReason::ProviderError);
    e.run.completed = Some(false);
    let c = score_case(&s, &e, &ExternalScores::default());
    assert_eq!(
        c.dimension("reliability").map(|d| d.state),
        Some(ScoreState::Unavailable)
    );
    let mut s2 = sources_spec();
    s2.metrics
        .retain(|m| m.collector != Collector::RunFailureCount);
    let c2 = score_case(&s2, &sources_evidence(), &ExternalScores::default());
    assert_eq!(
        c2.dimension("reliability").map(|d| d.state),
        Some(ScoreState::Unavailable)
    );
}

#[test]
fn gated_behavioral_signal_zeroes_the_dimension() {
    let mut s = sources_spec();
    if let Some(b) = s.behavioral.as_mut() {
        b.signals[0].gate = true;
        b.signals[0].pass_threshold = Some(0.9);
    }
    let c = score_case(&s, &sources_evidence(), &ExternalScores::default());
    let d = c.dimension("behavioral").expect("dimension");
    assert_eq!((d.state, d.score), (ScoreState::Available, Some(0.0)));
}

#[test]
fn validators_dimension_propagates_errors_and_unavailability() {
    let good = validator("contains", "final_output", Some("literal:ok"), None);
    let mut bad = validator("regex_match", "final_output", Some("literal:("), None);
    bad.key = "bad".into();
    let mut missing = validator("exact_match", "file:nope", Some("literal:x"), None);
    missing.key = "missing".into();
    let s = spec(
        vec![good, bad, missing],
        vec![
            dim_validators("ok", &["v_contains"], 1.0, false, None),
            dim_validators("err", &["v_contains", "bad"], 1.0, false, None),
            dim_validators("gone", &["v_contains", "missing"], 1.0, true, Some(0.5)),
            dim_validators("typo", &["no_such_validator"], 1.0, false, None),
        ],
        Strategy::Weighted,
        None,
    );
    let c = score_case(&s, &output("ok"), &ExternalScores::default());
    let state = |k: &str| c.dimension(k).map(|d| d.state);
    assert_eq!(state("ok"), Some(ScoreState::Available));
    assert_eq!(state("err"), Some(ScoreState::Error));
    assert_eq!(state("gone"), Some(ScoreState::Unavailable));
    assert_eq!(state("typo"), Some(ScoreState::Error));
    assert_eq!(c.passed, Some(false));
    assert_eq!(c.gate_failures[0].reason, GateFailureReason::Unavailable);
    assert_eq!(c.validity, Validity::Invalid);
    // Serialisable for the API.
    let js = serde_json::to_value(&c).expect("serialises");
    assert_eq!(js["dimensions"][1]["state"], "error");
    assert_eq!(js["verdicts"][1]["state"], "error");
}
