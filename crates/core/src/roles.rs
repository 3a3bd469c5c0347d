//! Roles and what they may do (PRODUCT.md §3).
//!
//! Workspace roles are ordered: a viewer reads; a member also runs evals,
//! publishes packs and manages deployments; an admin also manages provider
//! accounts, secrets and members. An org admin acts as admin in every
//! workspace of the organization.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A role inside one workspace, ordered by power.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum WorkspaceRole {
    /// Reads everything in the workspace.
    #[serde(rename = "workspace_viewer")]
    Viewer,
    /// Runs evals, publishes packs, manages deployments.
    #[serde(rename = "workspace_member")]
    Member,
    /// Also manages provider accounts, secrets and members.
    #[serde(rename = "workspace_admin")]
    Admin,
}

impl WorkspaceRole {
    /// The stable spelling used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "workspace_viewer",
            Self::Member => "workspace_member",
            Self::Admin => "workspace_admin",
        }
    }

    /// Whether this role includes everything `needed` may do.
    pub fn includes(self, needed: WorkspaceRole) -> bool {
        self >= needed
    }
}

impl fmt::Display for WorkspaceRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WorkspaceRole {
    type Err = crate::UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "workspace_viewer" => Ok(Self::Viewer),
            "workspace_member" => Ok(Self::Member),
            "workspace_admin" => Ok(Self::Admin),
            other => Err(crate::UnknownStatus {
                kind: "workspace role",
                value: other.to_owned(),
            }),
        }
    }
}

/// A role in an organization.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum OrgRole {
    /// Sees the organization; workspace access comes from workspace roles.
    #[serde(rename = "org_member")]
    Member,
    /// Administers the organization and acts as admin in all its workspaces.
    #[serde(rename = "org_admin")]
    Admin,
}

impl OrgRole {
    /// The stable spelling used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "org_member",
            Self::Admin => "org_admin",
        }
    }
}

impl FromStr for OrgRole {
    type Err = crate::UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "org_member" => Ok(Self::Member),
            "org_admin" => Ok(Self::Admin),
            other => Err(crate::UnknownStatus {
                kind: "org role",
                value: other.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_round_trip() {
        assert!(WorkspaceRole::Admin.includes(WorkspaceRole::Member));
        assert!(WorkspaceRole::Member.includes(WorkspaceRole::Viewer));
        assert!(!WorkspaceRole::Viewer.includes(WorkspaceRole::Member));
        for r in [
            WorkspaceRole::Viewer,
            WorkspaceRole::Member,
            WorkspaceRole::Admin,
        ] {
            assert_eq!(r.as_str().parse::<WorkspaceRole>(), Ok(r));
            assert_eq!(serde_json::to_value(r).expect("json"), r.as_str());
        }
        assert_eq!("org_admin".parse::<OrgRole>(), Ok(OrgRole::Admin));
        assert!("owner".parse::<WorkspaceRole>().is_err());
    }
}
