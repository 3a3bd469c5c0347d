//! The processes of the local stack.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One supervised process. The order of [`Component::ALL`] is the start order;
/// `down` walks it backwards so dependants stop before what they depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    /// The Postgres cluster (system of record).
    Postgres,
    /// The Temporal dev server (workflow engine).
    Temporal,
    /// `agentclash-api`.
    Api,
    /// `agentclash-worker`.
    Worker,
    /// The web app's production server (`next start`), optional.
    Web,
}

impl Component {
    /// Every component, in start order.
    pub const ALL: [Component; 5] = [
        Self::Postgres,
        Self::Temporal,
        Self::Api,
        Self::Worker,
        Self::Web,
    ];

    /// The name used in file names, output and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Temporal => "temporal",
            Self::Api => "api",
            Self::Worker => "worker",
            Self::Web => "web",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A component name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown component `{0}`; expected one of postgres, temporal, api, worker, web")]
pub struct UnknownComponent(pub String);

impl FromStr for Component {
    type Err = UnknownComponent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownComponent(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Component::ALL {
            assert_eq!(c.name().parse::<Component>(), Ok(c));
        }
        assert!("redis".parse::<Component>().is_err());
    }
}
