//! Lifecycles of runs and run agents.
//!
//! The store enforces these with compare-and-set updates; this module is the
//! single definition of which transitions are legal.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A status string that names no known state (e.g. a corrupted row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} status `{value}`")]
pub struct UnknownStatus {
    /// Which lifecycle was being parsed ("run" or "run agent").
    pub kind: &'static str,
    /// The offending text.
    pub value: String,
}

macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal, [$($variant:ident => $text:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[doc = $text] $variant),+
        }

        impl $name {
            /// Every state, in lifecycle order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable wire and database spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownStatus;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = UnknownStatus;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownStatus { kind: $kind, value: other.to_owned() }),
                }
            }
        }
    };
}

status_enum!(
    /// Where a run is in its lifecycle:
    /// `queued → provisioning → running → scoring → completed`, with `failed`
    /// and `cancelled` reachable from any non-terminal state.
    RunStatus, "run", [
        Queued => "queued",
        Provisioning => "provisioning",
        Running => "running",
        Scoring => "scoring",
        Completed => "completed",
        Failed => "failed",
        Cancelled => "cancelled",
    ]
);

impl RunStatus {
    /// Terminal states never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// Whether `self → next` is a legal step of the lifecycle.
    pub fn can_transition_to(self, next: RunStatus) -> bool {
        use RunStatus::*;
        if self.is_terminal() {
            return false;
        }
        matches!(
            (self, next),
            (Queued, Provisioning)
                | (Provisioning, Running)
                | (Running, Scoring)
                | (Scoring, Completed)
                | (_, Failed)
                | (_, Cancelled)
        )
    }
}

status_enum!(
    /// Where a run agent (lane) is in its lifecycle:
    /// `queued → ready → executing → evaluating → completed`, with `failed`
    /// reachable from any non-terminal state.
    RunAgentStatus, "run agent", [
        Queued => "queued",
        Ready => "ready",
        Executing => "executing",
        Evaluating => "evaluating",
        Completed => "completed",
        Failed => "failed",
    ]
);

impl RunAgentStatus {
    /// Terminal states never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }

    /// Whether `self → next` is a legal step of the lifecycle.
    pub fn can_transition_to(self, next: RunAgentStatus) -> bool {
        use RunAgentStatus::*;
        if self.is_terminal() {
            return false;
        }
        matches!(
            (self, next),
            (Queued, Ready)
                | (Ready, Executing)
                | (Executing, Evaluating)
                | (Evaluating, Completed)
                | (_, Failed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_happy_path_is_legal_and_skipping_is_not() {
        use RunStatus::*;
        let path = [Queued, Provisioning, Running, Scoring, Completed];
        for pair in path.windows(2) {
            assert!(pair[0].can_transition_to(pair[1]), "{pair:?}");
        }
        assert!(!Queued.can_transition_to(Running));
        assert!(!Running.can_transition_to(Queued));
        assert!(!Completed.can_transition_to(Failed));
        assert!(!Cancelled.can_transition_to(Cancelled));
        for s in [Queued, Provisioning, Running, Scoring] {
            assert!(s.can_transition_to(Failed));
            assert!(s.can_transition_to(Cancelled));
        }
    }

    #[test]
    fn run_agent_happy_path_is_legal_and_terminal_states_are_final() {
        use RunAgentStatus::*;
        let path = [Queued, Ready, Executing, Evaluating, Completed];
        for pair in path.windows(2) {
            assert!(pair[0].can_transition_to(pair[1]), "{pair:?}");
        }
        assert!(!Queued.can_transition_to(Executing));
        assert!(!Failed.can_transition_to(Completed));
        assert!(Executing.can_transition_to(Failed));
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in RunStatus::ALL {
            assert_eq!(s.as_str().parse::<RunStatus>(), Ok(*s));
        }
        for s in RunAgentStatus::ALL {
            assert_eq!(s.as_str().parse::<RunAgentStatus>(), Ok(*s));
        }
        let err = "runing"
            .parse::<RunStatus>()
            .expect_err("typo must not parse");
        assert_eq!(err.to_string(), "unknown run status `runing`");
    }
}
