//! First-start bootstrap of a local installation: an admin user, an
//! organization, a workspace and a CLI token, so the CLI works at once.
//!
//! Run by the local stack through `agentclash-api bootstrap-local` (the only
//! process besides the API and worker that holds database credentials).
//! Idempotent: an existing user, organization or workspace is reused and a
//! fresh token is minted each time.

use agentclash_core::{OrganizationId, WorkspaceId};
use agentclash_store::{Store, StoreError};
use serde::Serialize;

/// Slug of the organization created by the local bootstrap.
pub const LOCAL_ORG_SLUG: &str = "local";
/// Slug of the workspace created by the local bootstrap.
pub const LOCAL_WORKSPACE_SLUG: &str = "default";

/// What the bootstrap created, printed as JSON for the local stack.
#[derive(Debug, Serialize)]
pub struct LocalBootstrap {
    /// The admin's login email.
    pub email: String,
    /// The local organization.
    pub organization_id: OrganizationId,
    /// The default workspace.
    pub workspace_id: WorkspaceId,
    /// A new API token for the CLI (plaintext, shown once).
    pub token: String,
}

/// Why the bootstrap failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The database refused.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The password is unusable.
    #[error("{0}")]
    Password(#[from] agentclash_auth::PasswordError),
}

/// Creates (or reuses) the admin `email` with `password`, the `local`
/// organization and its `default` workspace, and mints a CLI token.
pub async fn bootstrap_local(
    store: &Store,
    email: &str,
    password: &str,
) -> Result<LocalBootstrap, BootstrapError> {
    let user = match store.find_user_by_email(email).await? {
        Some((user, _)) => user,
        None => {
            let hash = agentclash_auth::hash_password(password)?;
            store.create_user(email, "Local admin", Some(&hash)).await?
        }
    };
    let org = match store
        .organizations_for_user(user.id)
        .await?
        .into_iter()
        .find(|o| o.slug == LOCAL_ORG_SLUG)
    {
        Some(org) => org,
        None => {
            store
                .create_organization(user.id, LOCAL_ORG_SLUG, "Local")
                .await?
        }
    };
    let workspace = match store
        .workspaces_for_user(user.id)
        .await?
        .into_iter()
        .find(|w| w.organization_id == org.id && w.slug == LOCAL_WORKSPACE_SLUG)
    {
        Some(ws) => ws,
        None => {
            store
                .create_workspace(user.id, org.id, LOCAL_WORKSPACE_SLUG, "Default")
                .await?
        }
    };
    let minted = agentclash_auth::mint_token();
    store
        .create_api_token(
            user.id,
            "local-cli",
            &minted.hash.0,
            &minted.display_prefix,
            None,
        )
        .await?;
    Ok(LocalBootstrap {
        email: user.email,
        organization_id: org.id,
        workspace_id: workspace.id,
        token: minted.plaintext,
    })
}
