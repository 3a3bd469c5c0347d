//! Members, invitations and the cursor pages of identity lists against a
//! real Postgres.

use agentclash_core::{OrgRole, WorkspaceRole};
use agentclash_store::StoreError;
use agentclash_store::invitations::{InvitationError, NewInvitation};
use agentclash_store::page::Page;
use agentclash_testkit::TestDb;
use chrono::{Duration, Utc};

/// Follows `next_cursor` until the last page, collecting every item.
async fn all_pages<T, C, F, Fut>(mut fetch: F) -> Vec<T>
where
    F: FnMut(Option<C>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
    C: From<uuid::Uuid>,
{
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = fetch(cursor.take()).await.expect("page");
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(C::from(next)),
            None => return items,
        }
    }
}

fn invitation<'a>(
    email: &'a str,
    role: WorkspaceRole,
    hash: &'a str,
    by: agentclash_core::UserId,
) -> NewInvitation<'a> {
    NewInvitation {
        email,
        role,
        token_hash: hash,
        expires_at: Utc::now() + Duration::days(7),
        invited_by: by,
    }
}

#[tokio::test]
async fn the_last_workspace_admin_can_be_neither_demoted_nor_removed() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    let other = db.user("other").await;
    db.store
        .set_workspace_role(ws, other.id, WorkspaceRole::Member)
        .await
        .expect("grant");

    for attempt in [
        db.store
            .change_workspace_member_role(ws, owner.user.id, WorkspaceRole::Member)
            .await
            .map(|_| ()),
        db.store.remove_workspace_member(ws, owner.user.id).await,
    ] {
        let Err(StoreError::Conflict(message)) = attempt else {
            panic!("expected a conflict, got {attempt:?}")
        };
        assert!(message.contains("last workspace_admin"), "{message}");
    }

    // With a second admin, the first may step down, and then leave.
    let promoted = db
        .store
        .change_workspace_member_role(ws, other.id, WorkspaceRole::Admin)
        .await
        .expect("promote");
    assert_eq!(
        (promoted.role, promoted.email.as_str()),
        (WorkspaceRole::Admin, "other@test.local")
    );
    db.store
        .change_workspace_member_role(ws, owner.user.id, WorkspaceRole::Viewer)
        .await
        .expect("demote");
    db.store
        .remove_workspace_member(ws, owner.user.id)
        .await
        .expect("remove");
    assert!(matches!(
        db.store.remove_workspace_member(ws, owner.user.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store
            .change_workspace_member_role(ws, owner.user.id, WorkspaceRole::Member)
            .await,
        Err(StoreError::NotFound)
    ));
    // The owner still administers the organization, so still reaches it.
    assert_eq!(
        db.store
            .workspace_for_user(owner.user.id, ws)
            .await
            .expect("query")
            .map(|w| w.role),
        Some(WorkspaceRole::Admin)
    );
}

#[tokio::test]
async fn concurrent_demotions_keep_one_admin() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    let other = db.user("other").await;
    db.store
        .set_workspace_role(ws, other.id, WorkspaceRole::Admin)
        .await
        .expect("grant");
    let (a, b) = tokio::join!(
        db.store
            .change_workspace_member_role(ws, owner.user.id, WorkspaceRole::Member),
        db.store
            .change_workspace_member_role(ws, other.id, WorkspaceRole::Member),
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "exactly one demotion wins: {a:?} {b:?}"
    );
    let admins = db
        .store
        .list_workspace_members(ws, 100, None)
        .await
        .expect("list")
        .items
        .into_iter()
        .filter(|m| m.role == WorkspaceRole::Admin)
        .count();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn members_list_by_email_in_pages() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    for who in ["carol", "alice", "bob", "dave"] {
        let user = db.user(who).await;
        db.store
            .set_workspace_role(ws, user.id, WorkspaceRole::Viewer)
            .await
            .expect("grant");
    }
    let first = db
        .store
        .list_workspace_members(ws, 2, None)
        .await
        .expect("page");
    assert_eq!(first.items.len(), 2);
    assert!(first.next_cursor.is_some());
    let all = all_pages(|cursor| db.store.list_workspace_members(ws, 2, cursor)).await;
    let emails: Vec<&str> = all.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(
        emails,
        [
            "alice@test.local",
            "bob@test.local",
            "carol@test.local",
            "dave@test.local",
            "owner@test.local"
        ]
    );
    assert_eq!(all[4].role, WorkspaceRole::Admin);
}

#[tokio::test]
async fn removing_an_org_member_removes_them_from_its_workspaces_unless_they_are_a_last_admin() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let org = owner.workspace.organization_id;
    let ws = owner.workspace.id;
    let second = db
        .store
        .create_workspace(owner.user.id, org, "second", "Second")
        .await
        .expect("workspace");
    let bob = db.user("bob").await;
    db.store
        .set_org_role(org, bob.id, OrgRole::Member)
        .await
        .expect("grant");
    db.store
        .set_workspace_role(ws, bob.id, WorkspaceRole::Member)
        .await
        .expect("grant");
    db.store
        .set_workspace_role(second.id, bob.id, WorkspaceRole::Admin)
        .await
        .expect("grant");
    db.store
        .change_workspace_member_role(second.id, owner.user.id, WorkspaceRole::Viewer)
        .await
        .expect("bob is the only admin of `second` now");

    let Err(StoreError::Conflict(message)) = db.store.remove_org_member(org, bob.id).await else {
        panic!("bob is the last admin of `second`")
    };
    assert!(message.contains("`second`"), "{message}");
    assert!(
        db.store
            .workspace_for_user(bob.id, ws)
            .await
            .expect("query")
            .is_some(),
        "a refused removal changes nothing"
    );

    db.store
        .change_workspace_member_role(second.id, owner.user.id, WorkspaceRole::Admin)
        .await
        .expect("promote");
    db.store
        .remove_org_member(org, bob.id)
        .await
        .expect("remove");
    assert_eq!(db.store.org_role(bob.id, org).await.expect("q"), None);
    assert!(
        db.store
            .workspaces_for_user(bob.id)
            .await
            .expect("q")
            .is_empty()
    );

    // The last org admin stays.
    assert!(matches!(
        db.store
            .change_org_member_role(org, owner.user.id, OrgRole::Member)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        db.store.remove_org_member(org, owner.user.id).await,
        Err(StoreError::Conflict(_))
    ));
    let members = db
        .store
        .list_org_members(org, 20, None)
        .await
        .expect("list");
    assert_eq!(members.items.len(), 1);
    assert_eq!(members.items[0].role, OrgRole::Admin);
}

#[tokio::test]
async fn an_invitation_is_redeemed_once_by_the_invited_email_only() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    let org = owner.workspace.organization_id;
    let token = agentclash_auth::mint_token();
    let created = db
        .store
        .create_invitation(
            ws,
            &invitation(
                "Ada@Example.com",
                WorkspaceRole::Member,
                &token.hash.0,
                owner.user.id,
            ),
        )
        .await
        .expect("invite");
    assert_eq!(created.email, "ada@example.com");
    let pending = db
        .store
        .list_pending_invitations(ws, 20, None)
        .await
        .expect("list");
    assert_eq!(pending.items, vec![created.clone()]);

    let eve = db.user("eve").await;
    assert!(matches!(
        db.store.accept_invitation(&eve, &token.hash.0).await,
        Err(InvitationError::EmailMismatch)
    ));
    let ada = db
        .store
        .create_user("ADA@example.com", "Ada", None)
        .await
        .expect("user");
    let joined = db
        .store
        .accept_invitation(&ada, &token.hash.0)
        .await
        .expect("accept");
    assert_eq!((joined.id, joined.role), (ws, WorkspaceRole::Member));
    assert_eq!(
        db.store.org_role(ada.id, org).await.expect("q"),
        Some(OrgRole::Member),
        "joins the organization as org_member"
    );
    assert!(matches!(
        db.store.accept_invitation(&ada, &token.hash.0).await,
        Err(InvitationError::Used)
    ));
    assert!(
        db.store
            .list_pending_invitations(ws, 20, None)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert!(matches!(
        db.store.revoke_invitation(ws, created.id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        db.store
            .create_invitation(
                ws,
                &invitation(
                    "ada@example.com",
                    WorkspaceRole::Admin,
                    &agentclash_auth::mint_token().hash.0,
                    owner.user.id
                ),
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        db.store
            .accept_invitation(&ada, &agentclash_auth::hash_token("acl_nope").0)
            .await,
        Err(InvitationError::Unknown)
    ));
}

#[tokio::test]
async fn revoked_expired_and_replaced_invitations_do_not_work() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    let ada = db.user("ada").await;

    let revoked = agentclash_auth::mint_token();
    let first = db
        .store
        .create_invitation(
            ws,
            &invitation(
                &ada.email,
                WorkspaceRole::Viewer,
                &revoked.hash.0,
                owner.user.id,
            ),
        )
        .await
        .expect("invite");
    db.store
        .revoke_invitation(ws, first.id)
        .await
        .expect("revoke");
    db.store
        .revoke_invitation(ws, first.id)
        .await
        .expect("revoking twice is fine");
    assert!(matches!(
        db.store.accept_invitation(&ada, &revoked.hash.0).await,
        Err(InvitationError::Unknown)
    ));

    let expired = agentclash_auth::mint_token();
    db.store
        .create_invitation(
            ws,
            &NewInvitation {
                expires_at: Utc::now() - Duration::minutes(1),
                ..invitation(
                    &ada.email,
                    WorkspaceRole::Viewer,
                    &expired.hash.0,
                    owner.user.id,
                )
            },
        )
        .await
        .expect("invite");
    assert!(matches!(
        db.store.accept_invitation(&ada, &expired.hash.0).await,
        Err(InvitationError::Expired)
    ));
    assert!(
        db.store
            .list_pending_invitations(ws, 20, None)
            .await
            .expect("list")
            .items
            .is_empty(),
        "expired invitations are not pending"
    );

    // Re-inviting replaces the earlier pending invitation.
    let old = agentclash_auth::mint_token();
    let new = agentclash_auth::mint_token();
    for token in [&old, &new] {
        db.store
            .create_invitation(
                ws,
                &invitation(
                    &ada.email,
                    WorkspaceRole::Viewer,
                    &token.hash.0,
                    owner.user.id,
                ),
            )
            .await
            .expect("invite");
    }
    assert!(matches!(
        db.store.accept_invitation(&ada, &old.hash.0).await,
        Err(InvitationError::Unknown)
    ));
    db.store
        .accept_invitation(&ada, &new.hash.0)
        .await
        .expect("the newest works");

    // Another workspace cannot see or revoke it.
    let stranger = db.tenant("stranger").await;
    assert!(matches!(
        db.store
            .revoke_invitation(stranger.workspace.id, first.id)
            .await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn sign_up_with_an_invitation_is_all_or_nothing() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let ws = owner.workspace.id;
    let token = agentclash_auth::mint_token();
    db.store
        .create_invitation(
            ws,
            &invitation(
                "new@test.local",
                WorkspaceRole::Viewer,
                &token.hash.0,
                owner.user.id,
            ),
        )
        .await
        .expect("invite");

    assert!(matches!(
        db.store
            .sign_up_with_invitation("other@test.local", "Other", "hash", &token.hash.0)
            .await,
        Err(InvitationError::EmailMismatch)
    ));
    assert!(
        db.store
            .find_user_by_email("other@test.local")
            .await
            .expect("q")
            .is_none(),
        "no user without a redeemed invitation"
    );
    let (user, joined) = db
        .store
        .sign_up_with_invitation("NEW@test.local", "New", "hash", &token.hash.0)
        .await
        .expect("sign up");
    assert_eq!(user.email, "new@test.local");
    assert_eq!((joined.id, joined.role), (ws, WorkspaceRole::Viewer));

    // A taken email leaves the invitation unused.
    let second = agentclash_auth::mint_token();
    let taken = db.user("taken").await;
    db.store
        .create_invitation(
            ws,
            &invitation(
                &taken.email,
                WorkspaceRole::Viewer,
                &second.hash.0,
                owner.user.id,
            ),
        )
        .await
        .expect("invite");
    assert!(matches!(
        db.store
            .sign_up_with_invitation(&taken.email, "T", "hash", &second.hash.0)
            .await,
        Err(InvitationError::Store(StoreError::Conflict(_)))
    ));
    db.store
        .accept_invitation(&taken, &second.hash.0)
        .await
        .expect("still unused");
}

#[tokio::test]
async fn identity_lists_page_with_stable_cursors() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let org = owner.workspace.organization_id;
    for slug in ["b", "c", "a"] {
        db.store
            .create_workspace(owner.user.id, org, slug, slug)
            .await
            .expect("workspace");
        db.store
            .create_organization(owner.user.id, &format!("org-{slug}"), slug)
            .await
            .expect("org");
        db.token_for(&owner.user).await;
        db.store
            .put_secret(
                owner.workspace.id,
                &format!("S_{slug}"),
                b"x",
                owner.user.id,
            )
            .await
            .expect("secret");
    }

    let workspaces = all_pages(|c| db.store.workspaces_page(owner.user.id, 2, c)).await;
    let slugs: Vec<&str> = workspaces.iter().map(|w| w.slug.as_str()).collect();
    assert_eq!(slugs, ["main", "b", "c", "a"], "oldest first");

    let orgs = all_pages(|c| db.store.organizations_page(owner.user.id, 2, c)).await;
    let slugs: Vec<&str> = orgs.iter().map(|o| o.slug.as_str()).collect();
    assert_eq!(slugs, ["org-a", "org-b", "org-c", "org-owner"], "by slug");

    let tokens = all_pages(|c| db.store.list_api_tokens(owner.user.id, 2, c)).await;
    assert_eq!(tokens.len(), 4);
    assert!(tokens.windows(2).all(|w| w[0].id > w[1].id), "newest first");

    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = db
            .store
            .list_secrets(owner.workspace.id, 2, cursor.as_deref())
            .await
            .expect("page");
        assert!(page.items.len() <= 2);
        names.extend(page.items.into_iter().map(|s| s.name));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(names, ["S_a", "S_b", "S_c"]);
}

#[tokio::test]
async fn accepting_keeps_an_existing_org_role() {
    let db = TestDb::new().await;
    let owner = db.tenant("owner").await;
    let org = owner.workspace.organization_id;
    let boss = db.user("boss").await;
    db.store
        .set_org_role(org, boss.id, OrgRole::Admin)
        .await
        .expect("grant");
    let token = agentclash_auth::mint_token();
    db.store
        .create_invitation(
            owner.workspace.id,
            &invitation(
                &boss.email,
                WorkspaceRole::Viewer,
                &token.hash.0,
                owner.user.id,
            ),
        )
        .await
        .expect("invite");
    let joined = db
        .store
        .accept_invitation(&boss, &token.hash.0)
        .await
        .expect("accept");
    assert_eq!(
        joined.role,
        WorkspaceRole::Admin,
        "org admins still act as admins"
    );
    assert_eq!(
        db.store.org_role(boss.id, org).await.expect("q"),
        Some(OrgRole::Admin),
        "an invitation never demotes an org admin"
    );
    let members = db
        .store
        .list_workspace_members(owner.workspace.id, 20, None)
        .await
        .expect("list");
    assert!(
        members
            .items
            .iter()
            .any(|m| m.user_id == boss.id && m.role == WorkspaceRole::Viewer),
        "the explicit membership has the invited role"
    );
}
