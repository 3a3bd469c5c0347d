//! Why a case's agent stopped: recorded by the engine, read by scoring.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The agent called `submit` (native) or answered (prompt_eval).
    Submitted,
    /// `max_iterations` model calls were used.
    StepLimit,
    /// `max_tool_calls` tool calls were used.
    ToolLimit,
    /// The case or a step ran out of time.
    Timeout,
    /// `max_total_tokens` or `max_cost_usd` was reached.
    Budget,
    /// The model answered without a tool call twice in a row.
    NoSubmit,
    /// The provider refused the call for a reason retrying cannot fix.
    ProviderError,
    /// The sandbox or staging failed for a reason retrying cannot fix.
    Error,
    /// The run was cancelled.
    Cancelled,
    /// Every attempt failed for infrastructure reasons.
    Infrastructure,
}

impl StopReason {
    /// Every reason, for parsing.
    pub const ALL: [StopReason; 10] = [
        Self::Submitted,
        Self::StepLimit,
        Self::ToolLimit,
        Self::Timeout,
        Self::Budget,
        Self::NoSubmit,
        Self::ProviderError,
        Self::Error,
        Self::Cancelled,
        Self::Infrastructure,
    ];

    /// The stable spelling stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::StepLimit => "step_limit",
            Self::ToolLimit => "tool_limit",
            Self::Timeout => "timeout",
            Self::Budget => "budget",
            Self::NoSubmit => "no_submit",
            Self::ProviderError => "provider_error",
            Self::Error => "error",
            Self::Cancelled => "cancelled",
            Self::Infrastructure => "infrastructure",
        }
    }

    /// Not the agent's doing: provider, sandbox, cancellation, platform.
    pub fn is_infrastructure(self) -> bool {
        matches!(
            self,
            Self::ProviderError | Self::Error | Self::Cancelled | Self::Infrastructure
        )
    }

    /// A limit of the runtime profile or the pack ended the case.
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            Self::StepLimit | Self::ToolLimit | Self::Timeout | Self::Budget
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StopReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown stop reason `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::StopReason;

    #[test]
    fn spellings_round_trip_through_str_and_serde() {
        for reason in StopReason::ALL {
            assert_eq!(reason.as_str().parse(), Ok(reason));
            assert_eq!(
                serde_json::to_value(reason).expect("serialises"),
                reason.as_str()
            );
        }
        assert!("nope".parse::<StopReason>().is_err());
    }
}
