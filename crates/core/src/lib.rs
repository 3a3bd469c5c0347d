//! Domain vocabulary shared by every AgentClash crate.
//!
//! This crate is deliberately free of I/O and async: it names things (ids,
//! lifecycle states and the transitions between them, API error codes) so
//! that the store, the workflows, the API and the CLI agree on them.

pub mod agents;
pub mod error_code;
pub mod ids;
pub mod replay;
pub mod status;
pub mod stop;

pub use error_code::ErrorCode;
pub use ids::{
    AgentBuildId, BuildVersionId, DeploymentId, OrganizationId, PackVersionId, ProviderAccountId,
    RunAgentId, RunId, RuntimeProfileId, SnapshotId, TokenId, UserId, WorkspaceId,
};
pub use status::{RunAgentStatus, RunStatus, UnknownStatus};
pub use stop::StopReason;
pub mod roles;
pub use roles::{OrgRole, WorkspaceRole};
