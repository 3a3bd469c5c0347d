//! Comparison of two lanes (run agents), in the same run or in different
//! runs: whether they are comparable (same pack version and cases) and why
//! not, per-dimension deltas, per-case pass/fail flips, and paired
//! statistics over the cases both lanes scored. [`evaluate_gate`] turns a
//! comparison into a release-gate verdict.
//!
//! Deltas are always candidate − baseline, so a negative delta is a
//! regression.

mod gate;
mod paired;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::lane::{CaseSummary, LaneScorecard};
use crate::ranking::{CaseFlip, flips};

pub use gate::{
    DeltaRule, GatePolicy, GateReason, GateResult, GateVerdict, PolicyError, evaluate_gate,
};
pub use paired::{BOOTSTRAP_RESAMPLES, PairedStats, sign_test_p};

/// Key of the pseudo-dimension holding the overall score.
pub const OVERALL: &str = "overall";
/// Key of the pseudo-dimension holding the pass rate.
pub const PASS_RATE: &str = "pass_rate";

/// One side of a comparison: what the lane ran and its scorecard.
#[derive(Debug, Clone, Copy)]
pub struct LaneSide<'a> {
    /// Run agent id.
    pub run_agent_id: &'a str,
    /// Pack version the lane's run evaluated.
    pub pack_version_id: Option<&'a str>,
    /// Cases the lane's run planned.
    pub case_keys: &'a [String],
    /// The lane's scorecard, once scored.
    pub scorecard: Option<&'a LaneScorecard>,
}

/// Why two lanes cannot be compared fairly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The baseline lane has no scorecard yet.
    BaselineNotScored,
    /// The candidate lane has no scorecard yet.
    CandidateNotScored,
    /// A lane's run has no pack version.
    NoPackVersion,
    /// The lanes ran different pack versions.
    PackVersionDiffers,
    /// The lanes ran different cases.
    CasesDiffer,
}

/// One comparability problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Machine-readable kind.
    pub code: ReasonCode,
    /// What differs, for people.
    pub message: String,
}

/// Baseline and candidate means of one dimension (or `overall`) and the
/// paired statistics of its per-case deltas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionComparison {
    /// Dimension key (`overall` for the overall score).
    pub key: String,
    /// Baseline lane mean.
    pub baseline: Option<f64>,
    /// Candidate lane mean.
    pub candidate: Option<f64>,
    /// candidate − baseline of the lane means.
    pub delta: Option<f64>,
    /// Paired statistics over cases scored in both lanes.
    pub paired: PairedStats,
}

/// Which way a case flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flip {
    /// Passed in the baseline, failed in the candidate.
    Regression,
    /// Failed in the baseline, passed in the candidate.
    Improvement,
}

/// One case in both lanes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseComparison {
    /// Case key.
    pub case_key: String,
    /// Baseline verdict (absent when the baseline did not score the case).
    pub baseline_passed: Option<bool>,
    /// Candidate verdict.
    pub candidate_passed: Option<bool>,
    /// Baseline overall score.
    pub baseline_score: Option<f64>,
    /// Candidate overall score.
    pub candidate_score: Option<f64>,
    /// candidate − baseline overall score, when the case counts in both.
    pub delta: Option<f64>,
    /// Pass/fail flip, when there is one.
    pub flip: Option<Flip>,
    /// The case failed for an infrastructure reason in either lane, so it
    /// is left out of every paired statistic.
    pub excluded: bool,
    /// Per-dimension candidate − baseline, where both have a score.
    pub dimension_deltas: BTreeMap<String, f64>,
}

/// The comparison of a candidate lane with a baseline lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Baseline run agent id.
    pub baseline: String,
    /// Candidate run agent id.
    pub candidate: String,
    /// Same pack version and cases, both scored.
    pub comparable: bool,
    /// Why not comparable (empty when comparable).
    pub reasons: Vec<Reason>,
    /// The overall score.
    pub overall: DimensionComparison,
    /// Pass rate of each lane and the delta.
    pub pass_rate: DimensionComparison,
    /// Every dimension of either scorecard, baseline order first.
    pub dimensions: Vec<DimensionComparison>,
    /// Every case of either lane, baseline order first.
    pub cases: Vec<CaseComparison>,
    /// Cases the baseline passed and the candidate failed, with the
    /// validators that passed only in the baseline.
    pub regressions: Vec<CaseFlip>,
    /// Cases the candidate passed and the baseline failed.
    pub improvements: Vec<CaseFlip>,
}

impl Comparison {
    /// A dimension's comparison by key (`overall` and `pass_rate`
    /// included).
    pub fn dimension(&self, key: &str) -> Option<&DimensionComparison> {
        match key {
            OVERALL => Some(&self.overall),
            PASS_RATE => Some(&self.pass_rate),
            _ => self.dimensions.iter().find(|d| d.key == key),
        }
    }
}

fn reasons(baseline: &LaneSide<'_>, candidate: &LaneSide<'_>) -> Vec<Reason> {
    let mut out = Vec::new();
    let mut push = |code, message: String| out.push(Reason { code, message });
    if baseline.scorecard.is_none() {
        push(
            ReasonCode::BaselineNotScored,
            format!("baseline {} has no scorecard yet", baseline.run_agent_id),
        );
    }
    if candidate.scorecard.is_none() {
        push(
            ReasonCode::CandidateNotScored,
            format!("candidate {} has no scorecard yet", candidate.run_agent_id),
        );
    }
    match (baseline.pack_version_id, candidate.pack_version_id) {
        (Some(b), Some(c)) if b != c => push(
            ReasonCode::PackVersionDiffers,
            format!("baseline ran pack version {b}, candidate ran {c}"),
        ),
        (Some(_), Some(_)) => {}
        _ => push(
            ReasonCode::NoPackVersion,
            "a lane's run has no pack version".to_owned(),
        ),
    }
    let b: BTreeSet<&str> = baseline.case_keys.iter().map(String::as_str).collect();
    let c: BTreeSet<&str> = candidate.case_keys.iter().map(String::as_str).collect();
    if b != c {
        let only = |x: &BTreeSet<&str>, y: &BTreeSet<&str>| {
            let keys: Vec<&str> = x.difference(y).copied().collect();
            if keys.is_empty() {
                "none".to_owned()
            } else {
                keys.join(", ")
            }
        };
        push(
            ReasonCode::CasesDiffer,
            format!(
                "cases only in the baseline: {}; only in the candidate: {}",
                only(&b, &c),
                only(&c, &b)
            ),
        );
    }
    out
}

/// Case summaries of both lanes, paired by key: baseline order, then
/// candidate-only cases.
fn pair_cases<'a>(
    baseline: &'a [CaseSummary],
    candidate: &'a [CaseSummary],
) -> Vec<(String, Option<&'a CaseSummary>, Option<&'a CaseSummary>)> {
    let by_key = |cases: &'a [CaseSummary]| -> BTreeMap<&'a str, &'a CaseSummary> {
        cases.iter().map(|c| (c.case_key.as_str(), c)).collect()
    };
    let (b, c) = (by_key(baseline), by_key(candidate));
    let mut out: Vec<_> = baseline
        .iter()
        .map(|s| {
            (
                s.case_key.clone(),
                Some(s),
                c.get(s.case_key.as_str()).copied(),
            )
        })
        .collect();
    out.extend(
        candidate
            .iter()
            .filter(|s| !b.contains_key(s.case_key.as_str()))
            .map(|s| (s.case_key.clone(), None, Some(s))),
    );
    out
}

fn flip_of(b: &CaseSummary, c: &CaseSummary) -> Option<Flip> {
    if b.infrastructure || c.infrastructure {
        return None;
    }
    match (b.passed == Some(true), c.passed == Some(true)) {
        (true, false) => Some(Flip::Regression),
        (false, true) => Some(Flip::Improvement),
        _ => None,
    }
}

fn case_comparison(
    key: String,
    b: Option<&CaseSummary>,
    c: Option<&CaseSummary>,
) -> CaseComparison {
    let excluded = b.is_some_and(|s| s.infrastructure) || c.is_some_and(|s| s.infrastructure);
    let (mut delta, mut flip, mut dimension_deltas) = (None, None, BTreeMap::new());
    if let (Some(b), Some(c), false) = (b, c, excluded) {
        delta = Some(c.overall_score.unwrap_or(0.0) - b.overall_score.unwrap_or(0.0));
        flip = flip_of(b, c);
        for (k, bv) in &b.dimensions {
            if let (Some(bv), Some(Some(cv))) = (bv, c.dimensions.get(k)) {
                dimension_deltas.insert(k.clone(), cv - bv);
            }
        }
    }
    CaseComparison {
        case_key: key,
        baseline_passed: b.and_then(|s| s.passed),
        candidate_passed: c.and_then(|s| s.passed),
        baseline_score: b.and_then(|s| s.overall_score),
        candidate_score: c.and_then(|s| s.overall_score),
        delta,
        flip,
        excluded,
        dimension_deltas,
    }
}

fn diff(b: Option<f64>, c: Option<f64>) -> Option<f64> {
    Some(c? - b?)
}

fn dimension_comparison(
    key: &str,
    b: Option<f64>,
    c: Option<f64>,
    deltas: Vec<f64>,
) -> DimensionComparison {
    DimensionComparison {
        key: key.to_owned(),
        baseline: b,
        candidate: c,
        delta: diff(b, c),
        paired: PairedStats::of(&deltas),
    }
}

/// Compares `candidate` with `baseline`. Never fails: missing scorecards
/// and mismatched packs or cases make the comparison not comparable, with
/// the reasons, and leave out what cannot be computed.
pub fn compare_lanes(baseline: &LaneSide<'_>, candidate: &LaneSide<'_>) -> Comparison {
    let reasons = reasons(baseline, candidate);
    let empty = |key: &str| dimension_comparison(key, None, None, Vec::new());
    let mut out = Comparison {
        baseline: baseline.run_agent_id.to_owned(),
        candidate: candidate.run_agent_id.to_owned(),
        comparable: reasons.is_empty(),
        reasons,
        overall: empty(OVERALL),
        pass_rate: empty(PASS_RATE),
        dimensions: Vec::new(),
        cases: Vec::new(),
        regressions: Vec::new(),
        improvements: Vec::new(),
    };
    let (Some(b), Some(c)) = (baseline.scorecard, candidate.scorecard) else {
        return out;
    };
    out.cases = pair_cases(&b.case_summaries, &c.case_summaries)
        .into_iter()
        .map(|(key, bs, cs)| case_comparison(key, bs, cs))
        .collect();
    let paired: Vec<&CaseComparison> = out.cases.iter().filter(|c| c.delta.is_some()).collect();
    out.overall = dimension_comparison(
        OVERALL,
        b.overall.mean,
        c.overall.mean,
        paired.iter().filter_map(|c| c.delta).collect(),
    );
    let passed = |p: Option<bool>| if p == Some(true) { 1.0 } else { 0.0 };
    out.pass_rate = dimension_comparison(
        PASS_RATE,
        b.pass_rate,
        c.pass_rate,
        paired
            .iter()
            .map(|c| passed(c.candidate_passed) - passed(c.baseline_passed))
            .collect(),
    );
    let mut keys: Vec<&str> = b.dimensions.iter().map(|d| d.key.as_str()).collect();
    keys.extend(
        c.dimensions
            .iter()
            .map(|d| d.key.as_str())
            .filter(|k| b.dimension(k).is_none()),
    );
    out.dimensions = keys
        .into_iter()
        .map(|k| {
            let mean = |card: &LaneScorecard| card.dimension(k).and_then(|d| d.stat.mean);
            let deltas = paired
                .iter()
                .filter_map(|c| c.dimension_deltas.get(k).copied())
                .collect();
            dimension_comparison(k, mean(b), mean(c), deltas)
        })
        .collect();
    out.regressions = flips(b, c);
    out.improvements = flips(c, b);
    out
}

#[cfg(test)]
mod tests;
