//! From sample scores to one judge score: per model (median of the usable
//! samples; an assertion passes when at least half of them pass), then
//! across models by the consensus aggregation (§5.9 steps 4–6).

use agentclash_packs::model::{Aggregation, JudgeKind, LlmJudge};
use serde::{Deserialize, Serialize};

use super::JudgeSample;
use crate::dimensions::JudgeScore;
use crate::state::ScoreState;

/// One model's combined vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVote {
    /// Judge model.
    pub model: String,
    /// Combined score of its usable samples, when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Usable samples.
    pub usable: u32,
    /// Samples made.
    pub samples: u32,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn vote(judge: &LlmJudge, model: &str, samples: &[JudgeSample]) -> ModelVote {
    let of_model: Vec<&JudgeSample> = samples.iter().filter(|s| s.model == model).collect();
    let mut scores: Vec<f64> = of_model.iter().filter_map(|s| s.score).collect();
    let usable = scores.len();
    let score = (usable > 0).then(|| {
        if judge.mode == JudgeKind::Assertion {
            let passes = scores.iter().filter(|s| **s >= 0.5).count();
            if passes * 2 >= usable { 1.0 } else { 0.0 }
        } else {
            median(&mut scores)
        }
    });
    ModelVote {
        model: model.to_owned(),
        score,
        usable: u32::try_from(usable).unwrap_or(u32::MAX),
        samples: u32::try_from(of_model.len()).unwrap_or(u32::MAX),
    }
}

fn aggregate(judge: &LlmJudge, scores: &mut [f64]) -> (f64, &'static str) {
    let default = if judge.mode == JudgeKind::Assertion {
        Aggregation::MajorityVote
    } else {
        Aggregation::Mean
    };
    let how = judge
        .consensus
        .as_ref()
        .and_then(|c| c.aggregation)
        .unwrap_or(default);
    let passing = scores.iter().filter(|s| **s >= 0.5).count();
    let n = scores.len();
    let value = match how {
        Aggregation::Median => median(scores),
        Aggregation::MajorityVote => f64::from(u8::from(passing * 2 >= n)),
        Aggregation::Unanimous => f64::from(u8::from(passing == n)),
        _ => scores.iter().sum::<f64>() / n as f64,
    };
    (value, how.as_str())
}

fn describe(v: &ModelVote) -> String {
    match v.score {
        Some(s) => format!("{}: {s:.2} ({}/{} samples)", v.model, v.usable, v.samples),
        None => format!("{}: no usable sample of {}", v.model, v.samples),
    }
}

/// The judge's score from its samples. No usable sample makes the judge
/// `error` (its calls failed or its answers stayed malformed after the
/// repair retry), never a pass.
pub fn combine(judge: &LlmJudge, samples: Vec<JudgeSample>) -> JudgeScore {
    let mut models: Vec<&str> = Vec::new();
    for s in &samples {
        if !models.contains(&s.model.as_str()) {
            models.push(&s.model);
        }
    }
    let votes: Vec<ModelVote> = models.iter().map(|m| vote(judge, m, &samples)).collect();
    let detail = votes.iter().map(describe).collect::<Vec<_>>().join("; ");
    let mut scores: Vec<f64> = votes.iter().filter_map(|v| v.score).collect();
    let (state, score, reason) = match scores.len() {
        0 if samples.is_empty() => (
            ScoreState::Unavailable,
            None,
            "no judge call was made".to_owned(),
        ),
        0 => {
            let first = samples
                .iter()
                .find_map(|s| s.error.clone())
                .unwrap_or_default();
            (
                ScoreState::Error,
                None,
                format!("no usable judge answer ({detail}); first problem: {first}"),
            )
        }
        1 => (ScoreState::Available, Some(scores[0]), detail),
        _ => {
            let (value, how) = aggregate(judge, &mut scores);
            let agreeing = scores
                .iter()
                .filter(|s| (**s >= 0.5) == (value >= 0.5))
                .count();
            let agreement = agreeing as f64 / scores.len() as f64;
            let mut reason = format!("{detail} → {how} {value:.2}");
            if let Some(min) = judge
                .consensus
                .as_ref()
                .and_then(|c| c.min_agreement_threshold)
                && agreement < min
            {
                reason.push_str(&format!(
                    "; the models disagree (agreement {agreement:.2} < {min:.2})"
                ));
            }
            (ScoreState::Available, Some(value), reason)
        }
    };
    JudgeScore {
        state,
        score,
        reason,
        mode: Some(judge.mode),
        samples,
        votes,
    }
}
