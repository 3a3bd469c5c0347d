//! Metric collectors (§5.5): values read from the run facts, the tool trace,
//! the behavioural signals and the validator verdicts.

use agentclash_packs::model::{Collector, EvaluationSpec, Metric, Pricing, SignalKey};
use serde::{Deserialize, Serialize};

use crate::behavioral::SignalResult;
use crate::cache;
use crate::evidence::Evidence;
use crate::state::ScoreState;
use crate::verdict::Verdict;

/// A collected value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetricValue {
    /// Numeric collectors.
    Number(f64),
    /// `run_completed_successfully`.
    Bool(bool),
}

impl MetricValue {
    /// The numeric value; booleans are not numeric.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Self::Number(v) => Some(v),
            Self::Bool(_) => None,
        }
    }
}

/// One metric of one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    /// Metric key.
    pub key: String,
    /// Collector used.
    pub collector: Collector,
    /// Available / unavailable / error.
    pub state: ScoreState,
    /// The value when available.
    pub value: Option<MetricValue>,
    /// Why it is not available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Display unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// What a collector produced.
type Collected = Result<MetricValue, (ScoreState, String)>;

fn missing(reason: &str) -> Collected {
    Err((ScoreState::Unavailable, reason.to_string()))
}

fn num(v: f64) -> Collected {
    Ok(MetricValue::Number(v))
}

fn usage_sum(evidence: &Evidence, pick: fn(&crate::evidence::ModelUsage) -> u64) -> Option<u64> {
    (!evidence.run.model_usage.is_empty()).then(|| evidence.run.model_usage.iter().map(pick).sum())
}

fn input_tokens(e: &Evidence) -> Option<u64> {
    e.run
        .input_tokens
        .or_else(|| usage_sum(e, |u| u.input_tokens))
}

fn output_tokens(e: &Evidence) -> Option<u64> {
    e.run
        .output_tokens
        .or_else(|| usage_sum(e, |u| u.output_tokens))
}

fn total_tokens(e: &Evidence) -> Option<u64> {
    e.run
        .total_tokens
        .or_else(|| match (input_tokens(e), output_tokens(e)) {
            (None, None) => None,
            (i, o) => Some(i.unwrap_or(0) + o.unwrap_or(0)),
        })
}

/// Strips a trailing `-YYYY-MM-DD` date suffix from a model id.
fn undated(model: &str) -> &str {
    let re = cache::regex(r"-\d{4}-\d{2}-\d{2}$");
    match re.as_ref() {
        Ok(re) => re.find(model).map_or(model, |m| &model[..m.start()]),
        Err(_) => model,
    }
}

/// §5.5 / §5.8: Σ per model of in/1e6·input price + out/1e6·output price.
fn model_cost(pricing: &Pricing, evidence: &Evidence) -> Collected {
    if pricing.models.is_empty() {
        return match evidence.run.reported_cost_usd {
            Some(c) => num(c),
            None => missing("the spec has no pricing rows and no cost was reported"),
        };
    }
    if evidence.run.model_usage.is_empty() {
        return missing("no per-model usage was recorded");
    }
    let mut total = 0.0;
    for u in &evidence.run.model_usage {
        let row = pricing
            .models
            .iter()
            .find(|r| r.provider_key == u.provider_key && r.provider_model_id == u.model_id)
            .or_else(|| {
                let short = undated(&u.model_id);
                pricing
                    .models
                    .iter()
                    .find(|r| r.provider_key == u.provider_key && r.provider_model_id == short)
            });
        let Some(row) = row else {
            return missing(&format!(
                "no pricing row for {}/{}",
                u.provider_key, u.model_id
            ));
        };
        total += u.input_tokens as f64 / 1e6 * row.input_cost_per_million_tokens
            + u.output_tokens as f64 / 1e6 * row.output_cost_per_million_tokens;
    }
    num(total)
}

fn signal(signals: &[SignalResult], key: SignalKey) -> Collected {
    match signals.iter().find(|s| s.key == key) {
        Some(s) => match (s.state, s.score) {
            (ScoreState::Available, Some(v)) => num(v),
            (state, _) => Err((state, s.reason.clone())),
        },
        None => missing("the signal was not computed"),
    }
}

/// Runs one collector.
pub fn collect_metric(
    collector: Collector,
    spec: &EvaluationSpec,
    evidence: &Evidence,
    verdicts: &[Verdict],
    signals: &[SignalResult],
) -> Result<MetricValue, (ScoreState, String)> {
    let run = &evidence.run;
    let as_f = |v: Option<u64>, why: &str| v.map_or_else(|| missing(why), |v| num(v as f64));
    match collector {
        Collector::RunTotalLatencyMs => as_f(run.duration_ms, "no start/terminal evidence"),
        Collector::RunTtftMs => as_f(run.ttft_ms, "no output evidence"),
        Collector::RunInputTokens => as_f(input_tokens(evidence), "no usage"),
        Collector::RunOutputTokens => as_f(output_tokens(evidence), "no usage"),
        Collector::RunTotalTokens => as_f(total_tokens(evidence), "no usage"),
        Collector::RunAgentTokens => as_f(
            total_tokens(evidence).map(|t| t.saturating_sub(run.race_context_tokens)),
            "no usage",
        ),
        Collector::RunRaceContextTokens => num(run.race_context_tokens as f64),
        Collector::RunModelCostUsd => model_cost(&spec.pricing, evidence),
        Collector::RunCompletedSuccessfully => run.completed.map_or_else(
            || missing("no terminal event"),
            |c| Ok(MetricValue::Bool(c)),
        ),
        Collector::RunFailureCount => {
            let failed_run = u64::from(run.completed == Some(false));
            let failed_calls = evidence.tool_calls.iter().filter(|c| c.is_error).count() as u64;
            num((failed_run + failed_calls + run.failed_sandbox_commands) as f64)
        }
        Collector::RunToolCallCount => match run.tool_call_count {
            Some(n) => num(n as f64),
            None if evidence.tool_calls.is_empty() && run.completed.is_none() => {
                missing("no tool-call evidence")
            }
            None => num(evidence.tool_calls.len() as f64),
        },
        Collector::BehavioralRecoveryScore => signal(signals, SignalKey::RecoveryBehavior),
        Collector::BehavioralExplorationEfficiencyScore => {
            signal(signals, SignalKey::ExplorationEfficiency)
        }
        Collector::BehavioralErrorCascadeScore => signal(signals, SignalKey::ErrorCascade),
        Collector::BehavioralScopeAdherenceScore => signal(signals, SignalKey::ScopeAdherence),
        Collector::ValidatorPassRate => {
            if verdicts.is_empty() {
                return missing("no validators");
            }
            let scores: Option<Vec<f64>> = verdicts.iter().map(|v| v.score).collect();
            match scores {
                Some(s) => num(s.iter().sum::<f64>() / s.len() as f64),
                None => missing("a validator is not available"),
            }
        }
        Collector::BehavioralConfidenceCalibrationScore => Err((
            ScoreState::Error,
            "not supported until confidence reporting lands".into(),
        )),
        Collector::Invalid => Err((ScoreState::Error, "unknown collector".into())),
    }
}

fn to_result(metric: &Metric, collected: Collected) -> MetricResult {
    let (state, value, reason) = match collected {
        Ok(v) => (ScoreState::Available, Some(v), None),
        Err((s, r)) => (s, None, Some(r)),
    };
    MetricResult {
        key: metric.key.clone(),
        collector: metric.collector,
        state,
        value,
        reason,
        unit: metric.unit.clone(),
    }
}

/// Collects every metric of the spec.
pub fn collect_metrics(
    spec: &EvaluationSpec,
    evidence: &Evidence,
    verdicts: &[Verdict],
    signals: &[SignalResult],
) -> Vec<MetricResult> {
    spec.metrics
        .iter()
        .map(|m| {
            to_result(
                m,
                collect_metric(m.collector, spec, evidence, verdicts, signals),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pricing_falls_back_to_undated_model_ids() {
        assert_eq!(
            undated("claude-haiku-4-5-20251001"),
            "claude-haiku-4-5-20251001"
        );
        assert_eq!(undated("gpt-4o-2024-08-06"), "gpt-4o");
    }
}
