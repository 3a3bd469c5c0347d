//! Users, tokens and workspace visibility against a real Postgres.

use agentclash_core::{OrgRole, WorkspaceRole};
use agentclash_store::StoreError;
use agentclash_testkit::TestDb;

#[tokio::test]
async fn emails_are_unique_case_insensitively() {
    let db = TestDb::new().await;
    db.store
        .create_user("Ada@Example.com", "Ada", None)
        .await
        .expect("first");
    let err = db
        .store
        .create_user("ada@example.COM", "Ada 2", None)
        .await
        .expect_err("same email");
    assert!(matches!(err, StoreError::Conflict(_)));
    let (found, hash) = db
        .store
        .find_user_by_email(" ADA@example.com ")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.email, "ada@example.com");
    assert!(hash.is_none());
}

#[tokio::test]
async fn tokens_authenticate_until_revoked_or_expired_and_only_their_owner_revokes() {
    let db = TestDb::new().await;
    let ada = db.user("ada").await;
    let bob = db.user("bob").await;
    let minted = agentclash_auth::mint_token();
    let meta = db
        .store
        .create_api_token(ada.id, "ci", &minted.hash.0, &minted.display_prefix, None)
        .await
        .expect("create");
    let (who, token) = db
        .store
        .authenticate_token(&minted.hash.0)
        .await
        .expect("query")
        .expect("live");
    assert_eq!((who.id, token), (ada.id, meta.id));
    let listed = db
        .store
        .list_api_tokens(ada.id, 20, None)
        .await
        .expect("list");
    assert!(listed.items[0].last_used_at.is_some(), "use is recorded");
    assert!(
        db.store
            .list_api_tokens(bob.id, 20, None)
            .await
            .expect("list")
            .items
            .is_empty()
    );

    assert!(matches!(
        db.store.revoke_api_token(bob.id, meta.id).await,
        Err(StoreError::NotFound)
    ));
    db.store
        .revoke_api_token(ada.id, meta.id)
        .await
        .expect("owner revokes");
    assert!(
        db.store
            .authenticate_token(&minted.hash.0)
            .await
            .expect("query")
            .is_none()
    );

    let expired = agentclash_auth::mint_token();
    db.store
        .create_api_token(
            ada.id,
            "old",
            &expired.hash.0,
            &expired.display_prefix,
            Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .await
        .expect("create");
    assert!(
        db.store
            .authenticate_token(&expired.hash.0)
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        db.store
            .authenticate_token(&agentclash_auth::hash_token("acl_nope").0)
            .await
            .expect("query")
            .is_none()
    );
}

#[tokio::test]
async fn workspace_visibility_follows_memberships_and_org_admin_rights() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    assert_eq!(owner.workspace.role, WorkspaceRole::Admin);

    let stranger = db.user("stranger").await;
    assert!(
        db.store
            .workspace_for_user(stranger.id, ws)
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        db.store
            .workspaces_for_user(stranger.id)
            .await
            .expect("query")
            .is_empty()
    );

    let viewer = db.user("viewer").await;
    db.store
        .set_workspace_role(ws, viewer.id, WorkspaceRole::Viewer)
        .await
        .expect("grant");
    let seen = db
        .store
        .workspace_for_user(viewer.id, ws)
        .await
        .expect("query")
        .expect("visible");
    assert_eq!(seen.role, WorkspaceRole::Viewer);

    // An org admin without a workspace membership acts as workspace admin.
    let org_admin = db.user("orgadmin").await;
    db.store
        .set_org_role(
            owner.workspace.organization_id,
            org_admin.id,
            OrgRole::Admin,
        )
        .await
        .expect("grant");
    assert_eq!(
        db.store
            .org_role(org_admin.id, owner.workspace.organization_id)
            .await
            .expect("q"),
        Some(OrgRole::Admin)
    );
    let seen = db
        .store
        .workspace_for_user(org_admin.id, ws)
        .await
        .expect("query")
        .expect("visible");
    assert_eq!(seen.role, WorkspaceRole::Admin);

    let err = db
        .store
        .create_workspace(
            owner.user.id,
            owner.workspace.organization_id,
            "main",
            "dup",
        )
        .await
        .expect_err("slug taken");
    assert!(matches!(err, StoreError::Conflict(_)));
}

#[tokio::test]
async fn an_expired_device_code_cannot_be_approved_or_collected() {
    use agentclash_store::device::DevicePoll;
    let db = TestDb::new().await;
    let user = db.user("dev").await;
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let hash = agentclash_auth::hash_token("acl_device").0;
    db.store
        .create_device_authorization(&hash, "ABCD-EFGH", "cli", past)
        .await
        .expect("create");
    assert!(matches!(
        db.store
            .decide_device_authorization("ABCD-EFGH", user.id, true)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        db.store
            .poll_device_authorization(&hash, 0)
            .await
            .expect("poll"),
        DevicePoll::Expired
    );
}
