//! LLM judges (§5.9) without the calls: which calls a judge needs and with
//! which prompt ([`plan_judge`], [`plan_n_wise`]), how an answer is read
//! ([`parse_answer`], [`parse_ranking`]) and repaired ([`repair_message`]),
//! and how sample scores combine into one judge score ([`combine`]). The
//! worker makes the calls through the provider router and records them;
//! keeping the rest here makes every rule testable without a model.

mod combine;
mod parse;
mod plan;
mod prompt;

pub use combine::{ModelVote, combine};
pub use parse::{AnswerError, parse_answer, parse_ranking};
pub use plan::{
    DEFAULT_SAMPLES, DEFAULT_TIMEOUT_MS, JudgeCall, JudgePlan, NWiseCandidate, borda, plan_judge,
    plan_n_wise, sample_count,
};
pub use prompt::{CONTEXT_CHARS, repair_message};

use serde::{Deserialize, Serialize};

/// One judge call's outcome, kept in the judge's result so every score can
/// be traced to the recorded call that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeSample {
    /// Judge model.
    pub model: String,
    /// Sample index for that model (0-based).
    pub sample: u32,
    /// Normalised score in [0,1] (assertion: 1 pass / 0 fail; n_wise: the
    /// Borda score of the lane being scored) when the answer was usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Why the sample is unusable (call failed, answer malformed twice…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether the usable answer came from the repair retry.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repaired: bool,
    /// Recorded `scoring.judge.call` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}
