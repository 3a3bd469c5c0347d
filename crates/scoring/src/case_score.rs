//! The per-case score (§5.10.3): verdicts, metrics, signals and dimensions
//! combined by the scorecard strategy into an overall score, a pass/fail
//! verdict, gate failures and the evaluation validity.

use agentclash_packs::model::{EvaluationSpec, Strategy};
use serde::{Deserialize, Serialize};

use crate::behavioral::{SignalResult, compute_signals};
use crate::dimensions::{DimensionScore, ExternalScores, Inputs, JudgeScore, score_dimension_with};
use crate::evidence::{Evidence, StopReason};
use crate::metrics::{MetricResult, collect_metrics};
use crate::state::ScoreState;
use crate::taxonomy::{FailureDiagnosis, classify_failure};
use crate::validators::run_validators;
use crate::verdict::{Verdict, VerdictState};
use std::collections::BTreeMap;

/// Why a required dimension failed its gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GateFailureReason {
    /// Score strictly below the threshold.
    BelowThreshold {
        /// The score.
        score: f64,
        /// The threshold.
        threshold: f64,
    },
    /// The dimension was unavailable.
    Unavailable,
    /// The dimension was in error.
    Error,
}

/// A required dimension (gated, or every dimension under `binary`) that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateFailure {
    /// Dimension key.
    pub dimension: String,
    /// Why.
    #[serde(flatten)]
    pub reason: GateFailureReason,
}

/// Evaluation validity reported alongside the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// Everything was computed.
    Valid,
    /// Something was unavailable.
    Degraded,
    /// Something was in error.
    Invalid,
}

/// The score of one case of one lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseScore {
    /// Case key.
    pub case_key: String,
    /// Every validator verdict, in spec order.
    pub verdicts: Vec<Verdict>,
    /// Every metric, in spec order.
    pub metrics: Vec<MetricResult>,
    /// Behavioural signals computed for the case.
    pub signals: Vec<SignalResult>,
    /// Every LLM judge's result by judge key (samples cite their events).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub judges: BTreeMap<String, JudgeScore>,
    /// Every dimension, in scorecard order.
    pub dimensions: Vec<DimensionScore>,
    /// Overall score; absent when nothing was available (weighted strategy).
    pub overall_score: Option<f64>,
    /// Verdict; absent when nothing was available and no gate exists.
    pub passed: Option<bool>,
    /// Required dimensions that failed.
    pub gate_failures: Vec<GateFailure>,
    /// Valid / degraded / invalid.
    pub validity: Validity,
    /// Why the loop stopped.
    pub stop_reason: Option<StopReason>,
    /// Diagnosis when the case did not pass.
    pub failure: Option<FailureDiagnosis>,
}

impl CaseScore {
    /// True when an infrastructure cause (not the agent) failed the case.
    pub fn is_infrastructure_failure(&self) -> bool {
        self.failure.as_ref().is_some_and(|f| !f.agent_fault)
    }

    /// A dimension's score by key.
    pub fn dimension(&self, key: &str) -> Option<&DimensionScore> {
        self.dimensions.iter().find(|d| d.key == key)
    }
}

/// Weighted mean Σ wᵢsᵢ / Σ wᵢ (plain mean when Σ wᵢ = 0); `None` if empty.
fn weighted_mean<'a>(dims: impl Iterator<Item = &'a DimensionScore>) -> Option<f64> {
    let items: Vec<(f64, f64)> = dims
        .filter_map(|d| d.score.map(|s| (d.weight, s)))
        .collect();
    if items.is_empty() {
        return None;
    }
    let w: f64 = items.iter().map(|(w, _)| w).sum();
    Some(if w > 0.0 {
        items.iter().map(|(w, s)| w * s).sum::<f64>() / w
    } else {
        items.iter().map(|(_, s)| s).sum::<f64>() / items.len() as f64
    })
}

/// Applies the strategy (§5.10.3) to dimension scores: (overall score,
/// passed, gate failures).
pub fn aggregate_dimensions(
    strategy: Strategy,
    pass_threshold: Option<f64>,
    dims: &[DimensionScore],
) -> (Option<f64>, Option<bool>, Vec<GateFailure>) {
    let required = |d: &DimensionScore| d.gate || strategy == Strategy::Binary;
    let mut failures = Vec::new();
    for d in dims.iter().filter(|d| required(d)) {
        let reason = match (d.state, d.score) {
            (ScoreState::Available, Some(s)) => match d.pass_threshold {
                Some(t) if s < t => Some(GateFailureReason::BelowThreshold {
                    score: s,
                    threshold: t,
                }),
                _ => None,
            },
            (ScoreState::Error, _) => Some(GateFailureReason::Error),
            _ => Some(GateFailureReason::Unavailable),
        };
        if let Some(reason) = reason {
            failures.push(GateFailure {
                dimension: d.key.clone(),
                reason,
            });
        }
    }
    let gates_ok = failures.is_empty();
    let meets = |s: f64| pass_threshold.is_none_or(|t| s >= t);
    match strategy {
        Strategy::Binary => {
            let score = if gates_ok { 1.0 } else { 0.0 };
            (Some(score), Some(gates_ok), failures)
        }
        Strategy::Hybrid => {
            if !gates_ok {
                return (Some(0.0), Some(false), failures);
            }
            let score = weighted_mean(dims.iter().filter(|d| !d.gate)).unwrap_or(1.0);
            (Some(score), Some(meets(score)), failures)
        }
        _ => match weighted_mean(dims.iter()) {
            Some(score) => (Some(score), Some(gates_ok && meets(score)), failures),
            None => {
                let passed = dims.iter().any(|d| d.gate).then_some(false);
                (None, passed, failures)
            }
        },
    }
}

fn validity(verdicts: &[Verdict], metrics: &[MetricResult], dims: &[DimensionScore]) -> Validity {
    let states = verdicts
        .iter()
        .map(|v| match v.state {
            VerdictState::Error => ScoreState::Error,
            VerdictState::Unavailable => ScoreState::Unavailable,
            _ => ScoreState::Available,
        })
        .chain(metrics.iter().map(|m| m.state))
        .chain(dims.iter().map(|d| d.state));
    let mut out = Validity::Valid;
    for s in states {
        match s {
            ScoreState::Error => return Validity::Invalid,
            ScoreState::Unavailable => out = Validity::Degraded,
            ScoreState::Available => {}
        }
    }
    out
}

/// Scores one case: validators → signals → metrics → dimensions → strategy.
pub fn score_case(
    spec: &EvaluationSpec,
    evidence: &Evidence,
    external: &ExternalScores,
) -> CaseScore {
    let verdicts = run_validators(spec, evidence);
    let signals = compute_signals(spec.behavioral.as_ref(), evidence, &verdicts);
    let metrics = collect_metrics(spec, evidence, &verdicts, &signals);
    let inputs = Inputs {
        spec,
        evidence,
        verdicts: &verdicts,
        metrics: &metrics,
        signals: &signals,
        external,
    };
    let dimensions: Vec<DimensionScore> = spec
        .scorecard
        .dimensions
        .iter()
        .map(|d| score_dimension_with(d, &inputs))
        .collect();
    let (overall_score, passed, gate_failures) = aggregate_dimensions(
        spec.scorecard.strategy,
        spec.scorecard.pass_threshold,
        &dimensions,
    );
    let validity = validity(&verdicts, &metrics, &dimensions);
    let failure = if passed == Some(true) {
        None
    } else {
        Some(classify_failure(spec, evidence, &verdicts, &gate_failures))
    };
    CaseScore {
        case_key: evidence.case.case_key.clone(),
        verdicts,
        metrics,
        signals,
        judges: external.judges.clone(),
        dimensions,
        overall_score,
        passed,
        gate_failures,
        validity,
        stop_reason: evidence.run.stop_reason,
        failure,
    }
}
