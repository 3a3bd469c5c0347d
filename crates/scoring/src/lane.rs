//! Per-lane aggregation: per-dimension means with 95% confidence intervals,
//! the overall score, the pass rate and the degraded flag. Cases that failed
//! for infrastructure reasons (`agent_fault: false`) are left out of every
//! mean and of the pass rate, and mark the lane `degraded` instead.

use std::collections::BTreeMap;

use agentclash_packs::model::{DimensionSource, EvaluationSpec};
use serde::{Deserialize, Serialize};

use crate::case_score::CaseScore;
use crate::error::ScoringError;
use crate::state::ScoreState;
use crate::stats::Stat;
use crate::taxonomy::{FailureClass, FailureDiagnosis};
use crate::verdict::VerdictState;

/// Compact per-case view kept on the lane for comparisons and ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// Case key.
    pub case_key: String,
    /// Case verdict.
    pub passed: Option<bool>,
    /// Case overall score.
    pub overall_score: Option<f64>,
    /// Failed for an infrastructure reason (excluded from the means).
    pub infrastructure: bool,
    /// Failure class when the case failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureClass>,
    /// Validator states by key.
    pub validators: BTreeMap<String, VerdictState>,
    /// Dimension scores by key (absent when not available).
    pub dimensions: BTreeMap<String, Option<f64>>,
}

/// Aggregate of one dimension over a lane's cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionStat {
    /// Dimension key.
    pub key: String,
    /// Score source.
    pub source: DimensionSource,
    /// Weight.
    pub weight: f64,
    /// Gated.
    pub gate: bool,
    /// Mean, spread and CI over the cases where it was available.
    #[serde(flatten)]
    pub stat: Stat,
    /// Cases where it was unavailable or in error.
    pub missing: usize,
}

/// The scorecard of one lane (run agent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneScorecard {
    /// Lane identifier (run agent id or label).
    pub lane_id: String,
    /// Cases scored.
    pub cases: usize,
    /// Cases counted in means (all minus infrastructure failures).
    pub counted_cases: usize,
    /// Counted cases that passed.
    pub passed_cases: usize,
    /// `passed_cases / counted_cases`.
    pub pass_rate: Option<f64>,
    /// Mean overall score (a counted case without a score counts as 0).
    pub overall: Stat,
    /// Per-dimension aggregates in scorecard order.
    pub dimensions: Vec<DimensionStat>,
    /// Some case failed for an infrastructure reason.
    pub degraded: bool,
    /// Why the lane is degraded.
    pub degraded_reasons: Vec<String>,
    /// Failed cases per class.
    pub failure_counts: BTreeMap<FailureClass, usize>,
    /// Diagnosis of each failed case.
    pub failures: Vec<(String, FailureDiagnosis)>,
    /// Per-case summaries in input order.
    pub case_summaries: Vec<CaseSummary>,
}

impl LaneScorecard {
    /// A dimension's aggregate by key.
    pub fn dimension(&self, key: &str) -> Option<&DimensionStat> {
        self.dimensions.iter().find(|d| d.key == key)
    }
}

fn summary(case: &CaseScore) -> CaseSummary {
    CaseSummary {
        case_key: case.case_key.clone(),
        passed: case.passed,
        overall_score: case.overall_score,
        infrastructure: case.is_infrastructure_failure(),
        failure: case.failure.as_ref().map(|f| f.class),
        validators: case
            .verdicts
            .iter()
            .map(|v| (v.key.clone(), v.state))
            .collect(),
        dimensions: case
            .dimensions
            .iter()
            .map(|d| (d.key.clone(), d.score))
            .collect(),
    }
}

/// Aggregates a lane's case scores (all scored with `spec`).
pub fn aggregate_lane(
    lane_id: &str,
    spec: &EvaluationSpec,
    cases: &[CaseScore],
) -> Result<LaneScorecard, ScoringError> {
    for c in cases {
        if let Some(d) = spec
            .scorecard
            .dimensions
            .iter()
            .find(|d| c.dimension(&d.key).is_none())
        {
            return Err(ScoringError::SpecMismatch {
                case_key: c.case_key.clone(),
                dimension: d.key.clone(),
            });
        }
    }
    let counted: Vec<&CaseScore> = cases
        .iter()
        .filter(|c| !c.is_infrastructure_failure())
        .collect();
    let dimensions = spec
        .scorecard
        .dimensions
        .iter()
        .map(|d| {
            let scores: Vec<f64> = counted
                .iter()
                .filter_map(|c| c.dimension(&d.key))
                .filter(|s| s.state == ScoreState::Available)
                .filter_map(|s| s.score)
                .collect();
            DimensionStat {
                key: d.key.clone(),
                source: d.source,
                weight: d.weight,
                gate: d.gate,
                missing: counted.len() - scores.len(),
                stat: Stat::of(&scores),
            }
        })
        .collect();
    let overall: Vec<f64> = counted
        .iter()
        .map(|c| c.overall_score.unwrap_or(0.0))
        .collect();
    let passed_cases = counted.iter().filter(|c| c.passed == Some(true)).count();
    let mut failure_counts = BTreeMap::new();
    let mut failures = Vec::new();
    let mut degraded_reasons = Vec::new();
    for c in cases {
        if let Some(f) = &c.failure {
            *failure_counts.entry(f.class).or_insert(0) += 1;
            failures.push((c.case_key.clone(), f.clone()));
            if !f.agent_fault {
                degraded_reasons.push(format!("case {}: {:?}: {}", c.case_key, f.class, f.reason));
            }
        }
    }
    Ok(LaneScorecard {
        lane_id: lane_id.to_string(),
        cases: cases.len(),
        counted_cases: counted.len(),
        passed_cases,
        pass_rate: (!counted.is_empty()).then(|| passed_cases as f64 / counted.len() as f64),
        overall: Stat::of(&overall),
        dimensions,
        degraded: !degraded_reasons.is_empty(),
        degraded_reasons,
        failure_counts,
        failures,
        case_summaries: cases.iter().map(summary).collect(),
    })
}
