#![warn(missing_docs)]
//! Deterministic scoring for AgentClash.
//!
//! Everything here is a pure function of (evaluation spec, evidence): no
//! I/O, no async, no database, no sandbox and no providers. The worker
//! gathers an [`Evidence`] per case (final output, captures, test-command
//! results, tool calls, run facts); LLM-judge results come in as data
//! ([`ExternalScores`]). The pipeline is:
//!
//! 1. [`score_case`]: validators (§5.3) → metrics (§5.5) → behavioural
//!    signals (§5.6) → dimensions (§5.10) → strategy → [`CaseScore`], with a
//!    failure diagnosis ([`FailureClass`]) for failed cases;
//! 2. [`aggregate_lane`]: per-dimension means and 95% confidence intervals
//!    over a lane's cases → [`LaneScorecard`];
//! 3. [`rank_lanes`]: ranking, winner or tie, and a "why the winner won"
//!    summary → [`Ranking`];
//! 4. [`compare::compare_lanes`] and [`compare::evaluate_gate`]: two lanes
//!    side by side and a release-gate verdict.

mod behavioral;
mod cache;
mod case_score;
pub mod compare;
mod dimensions;
mod error;
mod evidence;
pub mod judges;
mod lane;
mod metrics;
mod ranking;
mod reference;
mod state;
mod stats;
mod taxonomy;
pub mod text;
mod validators;
mod verdict;

pub use behavioral::{SignalResult, compute_signal, compute_signals};
pub use case_score::{
    CaseScore, GateFailure, GateFailureReason, Validity, aggregate_dimensions, score_case,
};
pub use dimensions::{
    DimensionScore, ExternalScores, JudgeScore, normalize_value, score_dimension,
};
pub use error::ScoringError;
pub use evidence::{
    ArtifactContent, Capture, CapturedFile, CodeExecution, EventId, Evidence, ListingEntry,
    ModelUsage, RunFacts, StopReason, ToolCallRecord, ToolErrorKind, TurnRecord,
};
pub use lane::{CaseSummary, DimensionStat, LaneScorecard, aggregate_lane};
pub use metrics::{MetricResult, MetricValue, collect_metric, collect_metrics};
pub use ranking::{
    CaseFlip, DimensionDelta, RankEntry, Ranking, RunOutcome, ValidatorTally, WhySummary,
    rank_lanes,
};
pub use reference::{Reference, Resolution, Resolved, parse_reference, resolve};
pub use state::ScoreState;
pub use stats::{Stat, t_critical_95};
pub use taxonomy::{FailureClass, FailureDiagnosis, classify_failure};
pub use validators::{TestCounts, parse_test_counts, run_validator, run_validators};
pub use verdict::{ErrorKind, EvidenceExcerpt, Outcome, Verdict, VerdictState};
