//! The result of one validator on one case: state, score, reason, the
//! evidence it read and the event that produced that evidence.

use agentclash_packs::model::ValidatorType;
use serde::{Deserialize, Serialize};

use crate::evidence::EventId;
use crate::text::{EVIDENCE_EXCERPT_BYTES, truncate};

/// Verdict state shown to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictState {
    /// Evidence available and the check held.
    Pass,
    /// Evidence available and the check did not hold.
    Fail,
    /// The evidence needed is missing.
    Unavailable,
    /// The check could not be evaluated (bad config, malformed output, …).
    Error,
}

/// Why a verdict is in `error`; drives the §5.3.1 outcome classes and the
/// failure taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The pack is misconfigured (invalid regex, bad config, unsupported
    /// reference).
    Pack,
    /// Infrastructure failed (test command could not launch).
    Infra,
    /// The agent's output could not be parsed as the validator needs.
    MalformedOutput,
    /// Anything else.
    Evaluator,
}

/// Reporting outcome class (§5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Passed.
    Pass,
    /// Failed.
    Fail,
    /// Evidence missing.
    Unavailable,
    /// Configuration problem.
    PackError,
    /// Code-execution infrastructure.
    InfraError,
    /// Everything else, including malformed agent output.
    EvaluatorError,
}

/// One piece of evidence a validator read, cut to a safe size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceExcerpt {
    /// `target` or `expected`.
    pub role: String,
    /// The evidence reference as written in the spec.
    pub reference: String,
    /// The value (at most 2 KiB, cut at a char boundary).
    pub value: String,
    /// Whether `value` was cut.
    pub truncated: bool,
    /// Event that produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
}

impl EvidenceExcerpt {
    /// Builds an excerpt, truncating `value` safely.
    pub fn new(role: &str, reference: &str, value: &str, event_id: Option<EventId>) -> Self {
        let (cut, truncated) = truncate(value, EVIDENCE_EXCERPT_BYTES);
        Self {
            role: role.into(),
            reference: reference.into(),
            value: cut.into(),
            truncated,
            event_id,
        }
    }
}

/// The verdict of one validator on one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Validator key.
    pub key: String,
    /// Validator type.
    #[serde(rename = "type")]
    pub kind: ValidatorType,
    /// Pass / fail / unavailable / error.
    pub state: VerdictState,
    /// Normalised score in [0,1] when the evidence was available (graded
    /// validators keep their raw score; binary ones are 1/0).
    pub score: Option<f64>,
    /// Pass threshold of graded validators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Why the error happened, for `error` verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// Human-readable explanation.
    pub reason: String,
    /// Evidence read.
    pub evidence: Vec<EvidenceExcerpt>,
    /// Event that produced the target evidence (for "view in replay").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
}

impl Verdict {
    /// Reporting outcome class.
    pub fn outcome(&self) -> Outcome {
        match (self.state, self.error_kind) {
            (VerdictState::Pass, _) => Outcome::Pass,
            (VerdictState::Fail, _) => Outcome::Fail,
            (VerdictState::Unavailable, _) => Outcome::Unavailable,
            (VerdictState::Error, Some(ErrorKind::Pack)) => Outcome::PackError,
            (VerdictState::Error, Some(ErrorKind::Infra)) => Outcome::InfraError,
            (VerdictState::Error, _) => Outcome::EvaluatorError,
        }
    }

    /// True when evidence was available and the check was evaluated.
    pub fn is_available(&self) -> bool {
        matches!(self.state, VerdictState::Pass | VerdictState::Fail)
    }
}

/// What a validator's check concluded, before it becomes a [`Verdict`].
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Binary result with a reason.
    Binary(bool, String),
    /// Graded score, pass iff `score ≥ threshold`.
    Graded {
        /// Raw score in [0,1].
        score: f64,
        /// Pass threshold.
        threshold: f64,
        /// Explanation.
        reason: String,
    },
    /// Evidence missing.
    Unavailable(String),
    /// Could not evaluate.
    Error(ErrorKind, String),
}

impl Check {
    /// Shorthand for a configuration error.
    pub fn pack(reason: impl Into<String>) -> Self {
        Self::Error(ErrorKind::Pack, reason.into())
    }

    /// Shorthand for an agent-output parse error.
    pub fn malformed(reason: impl Into<String>) -> Self {
        Self::Error(ErrorKind::MalformedOutput, reason.into())
    }
}
