//! Errors of the scoring API. Scoring itself never fails: problems become
//! `error`/`unavailable` states inside the results. These errors cover
//! misuse of the API, such as aggregating cases of another spec.

use thiserror::Error;

/// A misuse of the scoring API.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScoringError {
    /// A case score does not carry the dimensions of the lane's spec.
    #[error("case {case_key:?} was not scored with this spec (dimension {dimension:?} missing)")]
    SpecMismatch {
        /// The offending case.
        case_key: String,
        /// The dimension it lacks.
        dimension: String,
    },
}
