//! Availability state shared by metrics, signals, judges and dimensions.

use serde::{Deserialize, Serialize};

/// Whether a computed value exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreState {
    /// Computed.
    Available,
    /// The evidence it needs is missing.
    Unavailable,
    /// It could not be computed (configuration or evaluator problem).
    Error,
}
