//! Dimension scores (§5.10.1): one per scorecard dimension, from validators,
//! metrics, reliability, latency, cost, behavioural signals, judges or human
//! preference, with target/max normalisation.

use std::collections::BTreeMap;

use agentclash_packs::model::{
    Collector, Dimension, DimensionNormalization, DimensionSource, Direction, EvaluationSpec,
    JudgeKind,
};
use serde::{Deserialize, Serialize};

use crate::behavioral::{SignalResult, behavioral_score};
use crate::evidence::Evidence;
use crate::judges::{JudgeSample, ModelVote};
use crate::metrics::{MetricResult, MetricValue, collect_metric};
use crate::state::ScoreState;
use crate::verdict::{Verdict, VerdictState};

/// A judge's aggregated result, computed outside this crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeScore {
    /// Available / unavailable / error.
    pub state: ScoreState,
    /// Normalised score in [0,1] when available.
    pub score: Option<f64>,
    /// Explanation (e.g. model votes).
    #[serde(default)]
    pub reason: String,
    /// Judge mode, when the score came from a judge run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<JudgeKind>,
    /// Every call made, with its outcome and recorded event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<JudgeSample>,
    /// Each model's combined vote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub votes: Vec<ModelVote>,
}

impl JudgeScore {
    /// A score supplied as data (tests, imported results).
    pub fn available(score: f64, reason: &str) -> Self {
        Self {
            state: ScoreState::Available,
            score: Some(score),
            reason: reason.to_owned(),
            mode: None,
            samples: Vec::new(),
            votes: Vec::new(),
        }
    }

    /// A judge that could not run, and why.
    pub fn unavailable(reason: String) -> Self {
        Self {
            state: ScoreState::Unavailable,
            score: None,
            reason,
            mode: None,
            samples: Vec::new(),
            votes: Vec::new(),
        }
    }
}

/// Scores produced outside the deterministic pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalScores {
    /// LLM-judge results by judge key.
    #[serde(default)]
    pub judges: BTreeMap<String, JudgeScore>,
    /// Human-preference scores by dimension key.
    #[serde(default)]
    pub human_preference: BTreeMap<String, f64>,
}

/// One dimension's score for one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    /// Dimension key.
    pub key: String,
    /// Score source.
    pub source: DimensionSource,
    /// Available / unavailable / error.
    pub state: ScoreState,
    /// Normalised score in [0,1] when available.
    pub score: Option<f64>,
    /// Raw value before normalisation (latency ms, cost USD, metric value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_value: Option<f64>,
    /// Weight in the weighted mean.
    pub weight: f64,
    /// Hard requirement.
    pub gate: bool,
    /// Per-dimension threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_threshold: Option<f64>,
    /// Validators that fed it (`validators` source).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validators: Vec<String>,
    /// How it was computed or why it is missing.
    pub reason: String,
}

/// Everything a dimension may read.
pub(crate) struct Inputs<'a> {
    pub spec: &'a EvaluationSpec,
    pub evidence: &'a Evidence,
    pub verdicts: &'a [Verdict],
    pub metrics: &'a [MetricResult],
    pub signals: &'a [SignalResult],
    pub external: &'a ExternalScores,
}

/// §5.10.1 normalisation between `target` (scores 1) and `max` (scores 0).
/// `lower`: v ≤ target ⇒ 1, v ≥ max ⇒ 0, else 1 − (v−target)/(max−target);
/// `higher`: v ≥ target ⇒ 1, v ≤ max ⇒ 0, else (v−max)/(target−max).
pub fn normalize_value(value: f64, target: f64, max: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Higher => {
            if value >= target {
                1.0
            } else if value <= max {
                0.0
            } else {
                (value - max) / (target - max)
            }
        }
        _ => {
            if value <= target {
                1.0
            } else if value >= max {
                0.0
            } else {
                1.0 - (value - target) / (max - target)
            }
        }
    }
}

/// Outcome of one source: (score, raw value, reason) or (state, reason).
type SourceResult = Result<(f64, Option<f64>, String), (ScoreState, String)>;

fn unavailable(reason: impl Into<String>) -> (ScoreState, String) {
    (ScoreState::Unavailable, reason.into())
}

fn error(reason: impl Into<String>) -> (ScoreState, String) {
    (ScoreState::Error, reason.into())
}

/// The dimension's bounds, falling back to the legacy scorecard block
/// (§5.10.2) for latency/cost dimensions without their own.
fn bounds(dim: &Dimension, spec: &EvaluationSpec) -> Result<(f64, f64), (ScoreState, String)> {
    let legacy = spec.scorecard.normalization.as_ref();
    let limits = &spec.runtime_limits;
    let norm = dim.normalization.clone().or_else(|| match dim.source {
        DimensionSource::Latency => {
            legacy
                .and_then(|l| l.latency.as_ref())
                .map(|l| DimensionNormalization {
                    target: l.target_ms,
                    max: l.max_ms.or(limits.max_duration_ms.map(|v| v as f64)),
                })
        }
        DimensionSource::Cost => {
            legacy
                .and_then(|l| l.cost.as_ref())
                .map(|c| DimensionNormalization {
                    target: c.target_usd,
                    max: c.max_usd.or(limits.max_cost_usd),
                })
        }
        _ => None,
    });
    match norm {
        Some(DimensionNormalization {
            target: Some(t),
            max: Some(m),
        }) => Ok((t, m)),
        _ => Err(error(format!(
            "normalization is required when source is {}",
            dim.source
        ))),
    }
}

fn normalized(
    dim: &Dimension,
    spec: &EvaluationSpec,
    value: f64,
    direction: Direction,
) -> SourceResult {
    let (target, max) = bounds(dim, spec)?;
    let s = normalize_value(value, target, max, direction);
    Ok((
        s,
        Some(value),
        format!("{value} normalised between target {target} and max {max}"),
    ))
}

fn from_validators(dim: &Dimension, inputs: &Inputs<'_>) -> (SourceResult, Vec<String>) {
    let scoped: Vec<&Verdict> = if dim.validators.is_empty() {
        inputs.verdicts.iter().collect()
    } else {
        let mut out = Vec::new();
        for k in &dim.validators {
            match inputs.verdicts.iter().find(|v| &v.key == k) {
                Some(v) => out.push(v),
                None => {
                    return (
                        Err(error(format!("unknown validator {k:?}"))),
                        dim.validators.clone(),
                    );
                }
            }
        }
        out
    };
    let keys: Vec<String> = scoped.iter().map(|v| v.key.clone()).collect();
    if scoped.is_empty() {
        return (Err(unavailable("no validators in scope")), keys);
    }
    let errored: Vec<&str> = scoped
        .iter()
        .filter(|v| v.state == VerdictState::Error)
        .map(|v| v.key.as_str())
        .collect();
    if !errored.is_empty() {
        return (
            Err(error(format!(
                "validators in error: {}",
                errored.join(", ")
            ))),
            keys,
        );
    }
    let missing: Vec<&str> = scoped
        .iter()
        .filter(|v| !v.is_available())
        .map(|v| v.key.as_str())
        .collect();
    if !missing.is_empty() {
        return (
            Err(unavailable(format!(
                "validators unavailable: {}",
                missing.join(", ")
            ))),
            keys,
        );
    }
    let sum: f64 = scoped.iter().filter_map(|v| v.score).sum();
    let passed = scoped
        .iter()
        .filter(|v| v.state == VerdictState::Pass)
        .count();
    let mean = sum / scoped.len() as f64;
    (
        Ok((
            mean,
            None,
            format!("{passed} of {} validators passed", scoped.len()),
        )),
        keys,
    )
}

fn metric_by_collector<'m>(inputs: &'m Inputs<'_>, c: Collector) -> Option<&'m MetricResult> {
    inputs.metrics.iter().find(|m| m.collector == c)
}

fn reliability(inputs: &Inputs<'_>) -> SourceResult {
    if let Some(reason) = inputs
        .evidence
        .run
        .stop_reason
        .filter(|r| r.is_infrastructure())
    {
        return Err(unavailable(format!(
            "infrastructure stop ({reason:?}) does not count against reliability"
        )));
    }
    let (Some(done), Some(fails)) = (
        metric_by_collector(inputs, Collector::RunCompletedSuccessfully),
        metric_by_collector(inputs, Collector::RunFailureCount),
    ) else {
        return Err(unavailable(
            "needs metrics with collectors run_completed_successfully and run_failure_count",
        ));
    };
    match (done.value, fails.value) {
        (Some(MetricValue::Bool(c)), Some(MetricValue::Number(f))) => {
            let ok = c && f == 0.0;
            Ok((
                f64::from(u8::from(ok)),
                None,
                format!("completed: {c}, failures: {f}"),
            ))
        }
        _ => Err(unavailable("reliability metrics are unavailable")),
    }
}

fn collected(inputs: &Inputs<'_>, c: Collector) -> Result<f64, (ScoreState, String)> {
    match collect_metric(
        c,
        inputs.spec,
        inputs.evidence,
        inputs.verdicts,
        inputs.signals,
    ) {
        Ok(v) => v
            .as_f64()
            .ok_or_else(|| unavailable("value is not numeric")),
        Err(e) => Err(e),
    }
}

fn from_source(dim: &Dimension, inputs: &Inputs<'_>) -> (SourceResult, Vec<String>) {
    let spec = inputs.spec;
    let result = match dim.source {
        DimensionSource::Validators => return from_validators(dim, inputs),
        DimensionSource::Reliability => reliability(inputs),
        DimensionSource::Latency => collected(inputs, Collector::RunTotalLatencyMs)
            .and_then(|v| normalized(dim, spec, v, Direction::Lower)),
        DimensionSource::Cost => collected(inputs, Collector::RunModelCostUsd)
            .and_then(|v| normalized(dim, spec, v, Direction::Lower)),
        DimensionSource::Metric => {
            let key = dim.metric.as_deref().unwrap_or_default();
            match inputs.metrics.iter().find(|m| m.key == key) {
                None => Err(error(format!("unknown metric {key:?}"))),
                Some(m) => match (m.state, m.value.and_then(MetricValue::as_f64)) {
                    (ScoreState::Available, Some(v)) => normalized(
                        dim,
                        spec,
                        v,
                        dim.better_direction.unwrap_or(Direction::Higher),
                    ),
                    (ScoreState::Error, _) => Err(error(format!("metric {key} is in error"))),
                    _ => Err(unavailable(format!(
                        "metric {key} is unavailable or not numeric"
                    ))),
                },
            }
        }
        DimensionSource::Behavioral => match &spec.behavioral {
            Some(b) => behavioral_score(b, inputs.signals).map(|(s, r)| (s, None, r)),
            None => Err(error("behavioral source requires behavioral.signals")),
        },
        DimensionSource::LlmJudge => {
            let key = dim.judge_key.as_deref().unwrap_or_default();
            match inputs.external.judges.get(key) {
                Some(j) => match (j.state, j.score) {
                    (ScoreState::Available, Some(s)) => Ok((
                        s.clamp(0.0, 1.0),
                        Some(s),
                        format!("judge {key}: {}", j.reason),
                    )),
                    (state, _) => Err((state, format!("judge {key}: {}", j.reason))),
                },
                None => Err(unavailable(format!("no result for judge {key:?}"))),
            }
        }
        DimensionSource::HumanPreference => match inputs.external.human_preference.get(&dim.key) {
            Some(s) => Ok((s.clamp(0.0, 1.0), Some(*s), "human preference vote".into())),
            None => Err(unavailable("no human preference votes")),
        },
        DimensionSource::Invalid => Err(error("unsupported dimension source")),
    };
    (result, Vec::new())
}

/// Scores one dimension for one case.
pub(crate) fn score_dimension_with(dim: &Dimension, inputs: &Inputs<'_>) -> DimensionScore {
    let (result, validators) = from_source(dim, inputs);
    let (state, score, raw_value, reason) = match result {
        Ok((s, raw, reason)) => {
            let s = if s.is_finite() {
                s.clamp(0.0, 1.0)
            } else {
                0.0
            };
            (ScoreState::Available, Some(s), raw, reason)
        }
        Err((state, reason)) => (state, None, None, reason),
    };
    DimensionScore {
        key: dim.key.clone(),
        source: dim.source,
        state,
        score,
        raw_value,
        weight: dim.weight,
        gate: dim.gate,
        pass_threshold: dim.pass_threshold,
        validators,
        reason,
    }
}

/// Scores one dimension from already computed verdicts, metrics and
/// signals (public entry point for callers that re-score one dimension).
#[allow(clippy::too_many_arguments)]
pub fn score_dimension(
    dim: &Dimension,
    spec: &EvaluationSpec,
    evidence: &Evidence,
    verdicts: &[Verdict],
    metrics: &[MetricResult],
    signals: &[SignalResult],
    external: &ExternalScores,
) -> DimensionScore {
    score_dimension_with(
        dim,
        &Inputs {
            spec,
            evidence,
            verdicts,
            metrics,
            signals,
            external,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_between_target_and_max() {
        let low = |v| normalize_value(v, 100.0, 300.0, Direction::Lower);
        assert_eq!(low(50.0), 1.0);
        assert_eq!(low(100.0), 1.0);
        assert_eq!(low(200.0), 0.5);
        assert_eq!(low(300.0), 0.0);
        assert_eq!(low(1e9), 0.0);
        let high = |v| normalize_value(v, 0.9, 0.5, Direction::Higher);
        assert_eq!(high(0.95), 1.0);
        assert!((high(0.7) - 0.5).abs() < 1e-12);
        assert_eq!(high(0.5), 0.0);
        assert_eq!(high(0.1), 0.0);
    }
}
