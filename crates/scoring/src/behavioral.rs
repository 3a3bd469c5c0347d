//! Behavioural signals (§5.6), computed from the tool-call trace (or, for
//! recovery in multi-turn runs, from the transcript and verdicts).

use std::collections::HashSet;

use agentclash_packs::model::{Behavioral, SignalKey};
use serde::{Deserialize, Serialize};

use crate::evidence::{Evidence, ToolCallRecord};
use crate::state::ScoreState;
use crate::text::canonical_json;
use crate::verdict::Verdict;

/// One signal's value for one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalResult {
    /// Signal name.
    pub key: SignalKey,
    /// Available / unavailable / error.
    pub state: ScoreState,
    /// Value in [0,1] when available.
    pub score: Option<f64>,
    /// How it was computed.
    pub reason: String,
}

fn available(key: SignalKey, score: f64, reason: String) -> SignalResult {
    SignalResult {
        key,
        state: ScoreState::Available,
        score: Some(score),
        reason,
    }
}

/// Identity of a call for duplicate / adaptation checks: name plus
/// normalised (key-sorted) arguments.
fn identity(c: &ToolCallRecord) -> (String, String) {
    (c.name.clone(), canonical_json(&c.arguments))
}

fn recovery(evidence: &Evidence, verdicts: &[Verdict]) -> SignalResult {
    let key = SignalKey::RecoveryBehavior;
    if !evidence.turns.is_empty() {
        if !evidence.turns.iter().any(|t| t.mismatch) {
            return available(key, 1.0, "no turn mismatched".into());
        }
        if verdicts.iter().any(|v| !v.is_available()) {
            return SignalResult {
                key,
                state: ScoreState::Unavailable,
                score: None,
                reason: "a turn mismatched and a validator is not available".into(),
            };
        }
        let all = verdicts.iter().all(|v| v.score == Some(1.0));
        return available(
            key,
            f64::from(u8::from(all)),
            format!("a turn mismatched; validators all pass: {all}"),
        );
    }
    let calls = &evidence.tool_calls;
    if !calls.iter().any(|c| c.is_error) {
        return available(key, 1.0, "no failed tool calls".into());
    }
    let (mut attempts, mut adaptive) = (0usize, 0usize);
    for pair in calls.windows(2) {
        if pair[0].is_error {
            attempts += 1;
            if identity(&pair[0]) != identity(&pair[1]) {
                adaptive += 1;
            }
        }
    }
    let score = if attempts == 0 {
        0.0
    } else {
        adaptive as f64 / attempts as f64
    };
    available(
        key,
        score,
        format!("{adaptive} of {attempts} recovery attempts changed the call"),
    )
}

fn exploration(calls: &[ToolCallRecord]) -> SignalResult {
    let key = SignalKey::ExplorationEfficiency;
    if calls.is_empty() {
        return available(key, 1.0, "no tool calls".into());
    }
    let mut seen = HashSet::new();
    let dups = calls.iter().filter(|c| !seen.insert(identity(c))).count();
    available(
        key,
        1.0 - dups as f64 / calls.len() as f64,
        format!("{dups} duplicate calls of {}", calls.len()),
    )
}

fn cascade(calls: &[ToolCallRecord]) -> SignalResult {
    let (mut longest, mut run) = (0usize, 0usize);
    for c in calls {
        run = if c.is_error { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let score = if longest == 0 {
        1.0
    } else {
        1.0 / longest as f64
    };
    available(
        SignalKey::ErrorCascade,
        score,
        format!("longest run of consecutive failures: {longest}"),
    )
}

fn scope(calls: &[ToolCallRecord]) -> SignalResult {
    let key = SignalKey::ScopeAdherence;
    if calls.is_empty() {
        return available(key, 1.0, "no tool calls".into());
    }
    let denied = calls.iter().filter(|c| c.policy_denied()).count();
    available(
        key,
        1.0 - denied as f64 / calls.len() as f64,
        format!("{denied} policy-denied calls of {}", calls.len()),
    )
}

/// Computes one signal.
pub fn compute_signal(key: SignalKey, evidence: &Evidence, verdicts: &[Verdict]) -> SignalResult {
    match key {
        SignalKey::RecoveryBehavior => recovery(evidence, verdicts),
        SignalKey::ExplorationEfficiency => exploration(&evidence.tool_calls),
        SignalKey::ErrorCascade => cascade(&evidence.tool_calls),
        SignalKey::ScopeAdherence => scope(&evidence.tool_calls),
        SignalKey::ConfidenceCalibration | SignalKey::Invalid => SignalResult {
            key,
            state: ScoreState::Error,
            score: None,
            reason: "not supported until confidence reporting lands".into(),
        },
    }
}

/// Computes every signal the spec declares, plus every signal a
/// `behavioral_*` metric needs.
pub fn compute_signals(
    behavioral: Option<&Behavioral>,
    evidence: &Evidence,
    verdicts: &[Verdict],
) -> Vec<SignalResult> {
    let mut keys: Vec<SignalKey> = behavioral
        .map(|b| b.signals.iter().map(|s| s.key).collect())
        .unwrap_or_default();
    for k in [
        SignalKey::RecoveryBehavior,
        SignalKey::ExplorationEfficiency,
        SignalKey::ErrorCascade,
        SignalKey::ScopeAdherence,
    ] {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .map(|k| compute_signal(k, evidence, verdicts))
        .collect()
}

/// §5.6 behavioural dimension: Σ wᵢsᵢ / Σ wᵢ; a gated signal below its
/// threshold forces 0; any unavailable signal makes it unavailable.
pub(crate) fn behavioral_score(
    behavioral: &Behavioral,
    signals: &[SignalResult],
) -> Result<(f64, String), (ScoreState, String)> {
    let (mut num, mut den) = (0.0, 0.0);
    let mut gate_failed = Vec::new();
    for spec in &behavioral.signals {
        let Some(s) = signals.iter().find(|s| s.key == spec.key) else {
            return Err((
                ScoreState::Unavailable,
                format!("signal {} missing", spec.key),
            ));
        };
        let value = match (s.state, s.score) {
            (ScoreState::Available, Some(v)) => v,
            (state, _) => return Err((state, format!("signal {}: {}", spec.key, s.reason))),
        };
        if spec.gate && value < spec.pass_threshold.unwrap_or(0.0) {
            gate_failed.push(spec.key.as_str());
        }
        num += spec.weight * value;
        den += spec.weight;
    }
    if !gate_failed.is_empty() {
        return Ok((
            0.0,
            format!("gated signals below threshold: {}", gate_failed.join(", ")),
        ));
    }
    let score = if den > 0.0 { num / den } else { 0.0 };
    Ok((score, "weighted mean of behavioural signals".into()))
}
