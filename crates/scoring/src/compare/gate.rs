//! Release gates: a policy evaluated over a [`Comparison`] into
//! `pass | warn | fail | insufficient_evidence`, with one reason per rule.
//!
//! Precedence: not comparable → `insufficient_evidence`; otherwise any
//! failed rule → `fail` (a clear regression is reported even when other
//! evidence is missing); then missing evidence → `insufficient_evidence`;
//! then any warning → `warn`; else `pass`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{CaseComparison, Comparison, DimensionComparison, OVERALL, PASS_RATE};

/// Rounding slack: a drop of exactly `fail_delta` does not fail.
const EPS: f64 = 1e-9;

/// How far one dimension's lane mean may drop (baseline − candidate).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeltaRule {
    /// A drop larger than this warns (score units, 0..=1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_delta: Option<f64>,
    /// A drop larger than this fails (score units, 0..=1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_delta: Option<f64>,
}

/// A release-gate policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatePolicy {
    /// Per-dimension drop limits, by dimension key (`overall` and
    /// `pass_rate` are accepted too).
    #[serde(default)]
    pub dimensions: BTreeMap<String, DeltaRule>,
    /// Dimensions that must have a score in both lanes; without one the
    /// verdict is `insufficient_evidence`.
    #[serde(default)]
    pub required_dimensions: Vec<String>,
    /// Every counted case of the candidate must pass.
    #[serde(default)]
    pub require_scorecard_pass: bool,
}

/// A policy that cannot be evaluated; `field` is its path in the policy.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{field}`: {message}")]
pub struct PolicyError {
    /// Path of the offending field, e.g. `dimensions.correctness.fail_delta`.
    pub field: String,
    /// What is expected.
    pub message: String,
}

impl GatePolicy {
    /// Checks limits are in [0,1], `warn_delta` ≤ `fail_delta`, and keys
    /// are non-empty.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let err = |field: String, message: &str| PolicyError {
            field,
            message: message.to_owned(),
        };
        for (key, rule) in &self.dimensions {
            if key.trim().is_empty() {
                return Err(err("dimensions".into(), "dimension keys must not be empty"));
            }
            for (name, v) in [
                ("warn_delta", rule.warn_delta),
                ("fail_delta", rule.fail_delta),
            ] {
                if v.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
                    return Err(err(
                        format!("dimensions.{key}.{name}"),
                        "must be a number between 0 and 1 (the largest allowed drop)",
                    ));
                }
            }
            if let (Some(w), Some(f)) = (rule.warn_delta, rule.fail_delta)
                && w > f
            {
                return Err(err(
                    format!("dimensions.{key}.warn_delta"),
                    "must not be larger than fail_delta",
                ));
            }
            if rule.warn_delta.is_none() && rule.fail_delta.is_none() {
                return Err(err(
                    format!("dimensions.{key}"),
                    "set warn_delta, fail_delta or both",
                ));
            }
        }
        if let Some(i) = self
            .required_dimensions
            .iter()
            .position(|k| k.trim().is_empty())
        {
            return Err(err(
                format!("required_dimensions[{i}]"),
                "must be a dimension key",
            ));
        }
        Ok(())
    }
}

/// The verdict of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateVerdict {
    /// Every rule passed.
    Pass,
    /// A warning threshold was crossed.
    Warn,
    /// Evidence was missing (not comparable, dimension unavailable, no
    /// shared case).
    InsufficientEvidence,
    /// A failing threshold was crossed.
    Fail,
}

impl GateVerdict {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::InsufficientEvidence => "insufficient_evidence",
            Self::Fail => "fail",
        }
    }
}

/// The outcome of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReason {
    /// What this rule contributes.
    pub verdict: GateVerdict,
    /// Which rule: `comparability`, `delta`, `required_dimension`,
    /// `scorecard_pass` or `shared_cases`.
    pub rule: String,
    /// The dimension concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    /// For people.
    pub message: String,
    /// Cases behind the outcome (e.g. those whose score dropped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
}

/// A gate verdict with its reasons and the policy it applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// The verdict.
    pub verdict: GateVerdict,
    /// One entry per rule evaluated.
    pub reasons: Vec<GateReason>,
    /// The policy applied.
    pub policy: GatePolicy,
}

fn reason(
    verdict: GateVerdict,
    rule: &str,
    dimension: Option<&str>,
    message: String,
    cases: Vec<String>,
) -> GateReason {
    GateReason {
        verdict,
        rule: rule.to_owned(),
        dimension: dimension.map(str::to_owned),
        message,
        cases,
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.3}"))
}

/// Cases whose `key` score went down, worst first.
fn dropped_cases(cases: &[CaseComparison], key: &str) -> Vec<String> {
    let mut dropped: Vec<(f64, &str)> = cases
        .iter()
        .filter_map(|c| {
            let d = match key {
                OVERALL => c.delta,
                PASS_RATE => (c.flip == Some(super::Flip::Regression)).then_some(-1.0),
                _ => c.dimension_deltas.get(key).copied(),
            }?;
            (d < -EPS).then_some((d, c.case_key.as_str()))
        })
        .collect();
    dropped.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    dropped.into_iter().map(|(_, k)| k.to_owned()).collect()
}

fn delta_rule(
    key: &str,
    rule: &DeltaRule,
    d: &DimensionComparison,
    cases: &[CaseComparison],
) -> GateReason {
    let Some(delta) = d.delta else {
        return reason(
            GateVerdict::InsufficientEvidence,
            "delta",
            Some(key),
            format!(
                "{key}: no score in {} (baseline {}, candidate {})",
                if d.baseline.is_none() {
                    "the baseline"
                } else {
                    "the candidate"
                },
                fmt(d.baseline),
                fmt(d.candidate)
            ),
            Vec::new(),
        );
    };
    let crossed = |limit: Option<f64>| limit.is_some_and(|l| delta < -l - EPS);
    let (verdict, limit) = if crossed(rule.fail_delta) {
        (
            GateVerdict::Fail,
            format!("fail_delta {}", fmt(rule.fail_delta)),
        )
    } else if crossed(rule.warn_delta) {
        (
            GateVerdict::Warn,
            format!("warn_delta {}", fmt(rule.warn_delta)),
        )
    } else {
        (GateVerdict::Pass, "within limits".to_owned())
    };
    let cases = if verdict == GateVerdict::Pass {
        Vec::new()
    } else {
        dropped_cases(cases, key)
    };
    let ci = d
        .paired
        .ci95
        .map(|[lo, hi]| {
            format!(
                ", 95% CI [{lo:+.3}, {hi:+.3}], sign test p={:.3}",
                d.paired.sign_test_p
            )
        })
        .unwrap_or_default();
    reason(
        verdict,
        "delta",
        Some(key),
        format!(
            "{key}: {} vs baseline {} (delta {delta:+.3}{ci}); {limit}",
            fmt(d.candidate),
            fmt(d.baseline)
        ),
        cases,
    )
}

/// Evaluates `policy` over `comparison`. The policy should have passed
/// [`GatePolicy::validate`]; out-of-range limits are applied as given.
pub fn evaluate_gate(policy: &GatePolicy, comparison: &Comparison) -> GateResult {
    use GateVerdict::{Fail, InsufficientEvidence, Pass};
    let mut reasons = Vec::new();
    if !comparison.comparable {
        for r in &comparison.reasons {
            reasons.push(reason(
                InsufficientEvidence,
                "comparability",
                None,
                r.message.clone(),
                Vec::new(),
            ));
        }
        return GateResult {
            verdict: InsufficientEvidence,
            reasons,
            policy: policy.clone(),
        };
    }
    let shared = comparison.overall.paired.n;
    reasons.push(if shared == 0 {
        reason(
            InsufficientEvidence,
            "shared_cases",
            None,
            "no case was scored in both lanes without an infrastructure failure".into(),
            Vec::new(),
        )
    } else {
        reason(
            Pass,
            "shared_cases",
            None,
            format!("{shared} case(s) scored in both lanes"),
            Vec::new(),
        )
    });
    for key in &policy.required_dimensions {
        let present = comparison
            .dimension(key)
            .filter(|d| d.baseline.is_some() && d.candidate.is_some() && d.paired.n > 0);
        reasons.push(match present {
            Some(d) => reason(
                Pass,
                "required_dimension",
                Some(key),
                format!("{key} scored in both lanes ({} shared cases)", d.paired.n),
                Vec::new(),
            ),
            None => reason(
                InsufficientEvidence,
                "required_dimension",
                Some(key),
                format!("required dimension {key} has no score in both lanes"),
                Vec::new(),
            ),
        });
    }
    for (key, rule) in &policy.dimensions {
        let found = comparison.dimension(key);
        reasons.push(match found {
            Some(d) => delta_rule(key, rule, d, &comparison.cases),
            None => reason(
                InsufficientEvidence,
                "delta",
                Some(key),
                format!("{key} is not a dimension of either scorecard"),
                Vec::new(),
            ),
        });
    }
    if policy.require_scorecard_pass {
        let counted: Vec<&CaseComparison> =
            comparison.cases.iter().filter(|c| !c.excluded).collect();
        let failed: Vec<String> = counted
            .iter()
            .filter(|c| c.candidate_passed != Some(true))
            .map(|c| c.case_key.clone())
            .collect();
        reasons.push(if !failed.is_empty() {
            reason(
                Fail,
                "scorecard_pass",
                None,
                format!("the candidate failed {} case(s)", failed.len()),
                failed,
            )
        } else if counted.is_empty() {
            reason(
                InsufficientEvidence,
                "scorecard_pass",
                None,
                "the candidate has no counted case".into(),
                Vec::new(),
            )
        } else {
            reason(
                Pass,
                "scorecard_pass",
                None,
                "the candidate passed every counted case".into(),
                Vec::new(),
            )
        });
    }
    let worst = reasons.iter().map(|r| r.verdict).max().unwrap_or(Pass);
    GateResult {
        verdict: worst,
        reasons,
        policy: policy.clone(),
    }
}
