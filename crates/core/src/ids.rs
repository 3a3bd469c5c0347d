//! Typed identifiers, so a run id can never be passed where a workspace id is
//! expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7), so ids sort by creation time.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// Identifies a workspace, the tenancy boundary of every resource.
    WorkspaceId
);
id_type!(
    /// Identifies an organization, which owns workspaces.
    OrganizationId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies an API token (never the token itself).
    TokenId
);
id_type!(
    /// Identifies a run: one evaluation of N deployments over a pack's cases.
    RunId
);
id_type!(
    /// Identifies a run agent (a lane): one deployment inside a run.
    RunAgentId
);

id_type!(
    /// Identifies a provider account (a model vendor plus its credential reference).
    ProviderAccountId
);
id_type!(
    /// Identifies a runtime profile (the execution envelope of a deployment).
    RuntimeProfileId
);
id_type!(
    /// Identifies an agent build (a named agent whose policy is versioned).
    AgentBuildId
);
id_type!(
    /// Identifies one version of an agent build's policy.
    BuildVersionId
);
id_type!(
    /// Identifies a deployment: build version + runtime profile + provider account + model.
    DeploymentId
);
id_type!(
    /// Identifies a frozen deployment snapshot a run lane refers to.
    SnapshotId
);
id_type!(
    /// Identifies a published challenge-pack version.
    PackVersionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_sort_by_creation() {
        let a = RunId::new();
        let b = RunId::new();
        assert!(a < b, "v7 ids must sort by creation time");
        let parsed: RunId = a.to_string().parse().expect("valid uuid");
        assert_eq!(parsed, a);
        assert!("not-a-uuid".parse::<RunId>().is_err());
    }
}
